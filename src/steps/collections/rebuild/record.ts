/** What a rebuild records in the state: checkpointed at each phase, and at each page of the copy. */
import type { SegmentCursor } from '../../../copy/engine.js';
import type { PendingFile } from '../../../copy/import.js';
import type { RecallFigure } from '../../../copy/recall.js';
import type { VerificationReport } from '../../../copy/verify.js';
import type { PkValue } from '../../../milvus/reads/keys.js';
import type { CollectionShape } from '../../../milvus/reads/shape.js';
import type { CatchUpRecord } from './catch-up.js';
import type { Converter } from './rows.js';
import type { CutOver } from './phases.js';

/** Phases in order ('created', 'copied', 'loaded', 'verified', 'cut'); the record says which one a run reached. */
export type Phase = 'created' | 'copied' | 'loaded' | 'verified' | 'cut';

/** What a rebuild records: checkpointed at each phase (and each page of the copy), returned when cut over. */
export type RebuildRecord = CutOver & {
  readonly phase: Phase | 'copying';
  /** The key ranges (`boundaries` cut them) and each one's cursor, per partition: segment i is partition i / ranges, range i % ranges. */
  readonly copy?: {
    readonly boundaries: readonly PkValue[];
    readonly segments: readonly SegmentCursor[];
    readonly copied: number;
    readonly left_out: number;
    /** strategy import: files imported so far, and the file recorded before it was submitted. */
    readonly files?: number;
    readonly pending?: PendingFile;
  };
  readonly catch_up?: CatchUpRecord;
  readonly verification?: VerificationReport & {
    readonly settings: readonly string[];
    /** Per vector field whose index changed: the recall of the new index against the old, or why not measured. */
    readonly recall?: readonly RecallFigure[];
  };
};

type Target = { collection_name: string; db_name?: string };

/** What the copy and the verification phases work on, as the rebuild has read it. */
export interface PhaseInputs {
  readonly source: Target;
  readonly shadow: Target;
  readonly from: CollectionShape;
  readonly to: CollectionShape;
  /** The old collection's partitions (one `undefined` for a partition-key collection). */
  readonly partitions: readonly (string | undefined)[];
  readonly batchSize: number;
  /** An old row as the new collection holds it, or null for a row the transform leaves out. */
  readonly convert: Converter;
}
