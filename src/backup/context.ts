import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import type { StepRecord } from '../step-record.js';
import type { BackupSettings } from './format.js';

/**
 * What taking or restoring a backup needs from the run it is part of. A step's context has all of
 * it, so the steps that back up (dropPartition, dropCollection, delete) and `restoreBackup` pass
 * their own; anything else that copies rows (a rebuild) can give just this.
 */
export interface BackupContext {
  readonly milvus: Milvus;
  readonly logger: Logger;
  /** Where backups go, and whether destructive steps take one by default (`--backup`). */
  readonly backup?: BackupSettings | undefined;
  /** The migration the backup belongs to: its folder under the backup dir bears its name. */
  readonly migration: { readonly name: string };
  /** Index of the step in its migration (0-based), in the backup's folder name and manifest. */
  readonly index: number;
  /** True when a previous run stopped during this work: what it saved is in {@link previous}. */
  readonly resumed: boolean;
  /** What the run that stopped last saved with {@link checkpoint}, when {@link resumed}. */
  readonly previous: StepRecord | undefined;
  /** Saves progress in the state, so a run that dies part-way resumes from there. */
  checkpoint(progress: StepRecord): Promise<void>;
}
