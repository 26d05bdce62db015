/**
 * The copy phase of a rebuild: the key ranges and the catch-up's first watermark saved before the
 * first row, then every row of the old collection written into the shadow, by the copy engine
 * (`strategy: copy`) or through import files (`strategy: import`), each checkpointed so a killed
 * run goes on where it stopped.
 */
import type { Milvus } from '../../../milvus/client.js';
import { keyBoundaries, rangeFilter } from '../../../milvus/reads/key-ranges.js';
import { qualified } from '../../../milvus/reads/names.js';
import type { ReadTarget } from '../../../milvus/reads/paging.js';
import type { PkValue } from '../../../milvus/reads/keys.js';
import type { CollectionShape, Row } from '../../../milvus/reads/shape.js';
import { copyConcurrently, type SegmentCursor } from '../../../copy/engine.js';
import { RowDigest, rowHasher } from '../../../copy/digest.js';
import { importSegments, type ImportCursor } from '../../../copy/import.js';
import type { StepContext } from '../../types.js';
import type { RebuildParams } from './params.js';
import type { Converter } from './rows.js';
import { watermark } from './catch-up.js';
import type { PhaseInputs, RebuildRecord } from './record.js';

/** What the copy phase works on: besides the common inputs, a read of each partition, and the writer. */
export interface CopyInputs extends PhaseInputs {
  readonly reads: readonly ReadTarget[];
  readonly write: Writer;
}

/** Copies every row into the shadow (or goes on with an interrupted copy); returns the record at phase `copied`. */
export async function copyPhase(ctx: StepContext, p: RebuildParams, record: RebuildRecord, o: CopyInputs): Promise<RebuildRecord> {
  const { milvus, logger } = ctx;
  const { from, to, partitions, reads, shadow, convert, batchSize, write } = o;
  const source = o.source.collection_name;
  const field = p.catch_up?.field;
  let rec = record;
  let copy = copyOf(rec, partitions.length);
  if (!copy) {
    // The ranges and the catch-up's first watermark are saved before the first row is copied.
    const boundaries = await keyBoundaries(milvus, o.source, from.pk, p.parallelism ?? 1, batchSize);
    copy = { boundaries, segments: [], copied: 0, left_out: 0 };
    const catchUp = field ? { field, since: await watermark(milvus, reads, field), rounds: [] } : undefined;
    rec = { ...rec, phase: 'copying', copy, ...(catchUp ? { catch_up: catchUp } : {}) };
    await ctx.checkpoint(rec);
  }
  const ranges = copy.boundaries.length + 1;
  const segments = reads.flatMap((read, i) =>
    Array.from({ length: ranges }, (_, r) => ({ read, filter: rangeFilter(from.pk, copy.boundaries, r), partition: partitions[i] })),
  );
  const resumed = rec.phase === 'copying';
  const cursors =
    p.strategy === 'import'
      ? await importInto(ctx, {
          segments,
          ranges,
          partitions,
          from,
          to,
          source: o.source,
          shadow,
          convert,
          batchSize,
          resume: resumed && copy.segments.length ? { segments: copy.segments, files: copy.files ?? 0, pending: copy.pending } : undefined,
          checkpoint: (c) => {
            rec = {
              ...rec,
              phase: 'copying',
              copy: {
                // The file in flight is the cursor's: a saved one it no longer names was imported.
                ...withoutPending(copy),
                ...totals(c.segments),
                segments: c.segments,
                files: c.files,
                ...(c.pending ? { pending: c.pending } : {}),
              },
            };
            return ctx.checkpoint(rec);
          },
        })
      : await copyConcurrently({
          milvus,
          logger,
          segments,
          parallelism: p.parallelism ?? 1,
          pk: from.pk,
          batchSize,
          from: qualified(o.source),
          to: rec.shadow,
          task: `rebuild ${source} → ${rec.shadow}`,
          // A resumed run may have written a page of each range after its last checkpoint: it is upserted.
          resume: rec.phase === 'copying' ? copy.segments : undefined,
          write: (page, segment, replay) => write(page, Math.floor(segment / ranges), replay, convert),
          checkpoint: (c) => {
            rec = { ...rec, phase: 'copying', copy: { ...copy, ...totals(c), segments: c } };
            return ctx.checkpoint(rec);
          },
        });
  rec = { ...rec, phase: 'copied', copy: { ...withoutPending(copy), ...totals(cursors), segments: cursors } };
  await ctx.checkpoint(rec);
  return rec;
}

type CopyState = NonNullable<RebuildRecord['copy']>;

function withoutPending(copy: CopyState): Omit<CopyState, 'pending'> {
  const { pending: _pending, ...rest } = copy;
  return rest;
}

/** Rows copied and left out, over every segment. */
function totals(cursors: readonly SegmentCursor[]): { copied: number; left_out: number } {
  return {
    copied: cursors.reduce((n, c) => n + c.copied, 0),
    left_out: cursors.reduce((n, c) => n + (c.left_out ?? 0), 0),
  };
}

/** The copy's saved state; a record of the single-stream copy (before ranges) is read as ranges of one per partition. */
function copyOf(rec: RebuildRecord, partitions: number): CopyState | undefined {
  const saved = rec.copy as CopyState | { segment: number; last_pk?: PkValue; copied: number; left_out: number } | undefined;
  if (!saved || 'boundaries' in saved) return saved;
  const c = saved;
  const segments: SegmentCursor[] = Array.from({ length: partitions }, (_, i) =>
    i < c.segment ? { copied: 0, done: true } : i === c.segment ? { last_pk: c.last_pk, copied: c.copied } : { copied: 0 },
  );
  return { boundaries: [], segments, copied: c.copied, left_out: c.left_out };
}

/** The copy by strategy import: one stream, file by file into the shadow; returns each segment's cursor. */
async function importInto(
  ctx: StepContext,
  o: {
    segments: { read: ReadTarget; filter?: string | undefined; partition?: string | undefined }[];
    ranges: number;
    partitions: readonly (string | undefined)[];
    from: CollectionShape;
    to: CollectionShape;
    source: { collection_name: string; db_name?: string };
    shadow: { collection_name: string; db_name?: string };
    convert: Converter;
    batchSize: number;
    resume: ImportCursor | undefined;
    checkpoint: (c: ImportCursor) => Promise<void>;
  },
): Promise<SegmentCursor[]> {
  const { milvus, logger } = ctx;
  const done = await importSegments({
    milvus,
    logger,
    segments: o.segments,
    pk: o.from.pk,
    batchSize: o.batchSize,
    from: qualified(o.source),
    to: o.shadow.collection_name,
    task: `rebuild ${o.source.collection_name} → ${o.shadow.collection_name} (import)`,
    target: o.shadow,
    shape: o.to,
    partitionOf: (segment) => (o.to.partitionKey ? undefined : o.partitions[Math.floor(segment / o.ranges)]),
    // importProblem refused the run without one.
    dir: milvus.importDir!,
    prefix: `${ctx.migration.name}-${o.shadow.collection_name}`,
    convert: async (page) => {
      const out: Row[] = [];
      for (const row of page) {
        const r = await o.convert(row);
        if (r) out.push(r);
      }
      return out;
    },
    resume: o.resume,
    checkpoint: o.checkpoint,
  });
  return [...done.segments];
}

/** Writes converted rows into the shadow, in the partition the page was read from; returns how many the transform left out. */
export type Writer = ReturnType<typeof writer>;

export function writer(
  milvus: Milvus,
  shadow: { collection_name: string; db_name?: string },
  to: CollectionShape,
  partitions: readonly (string | undefined)[],
) {
  const hasher = rowHasher(to);
  return async (page: Row[], partitionIndex: number, upsert: boolean, convert: Converter, keep?: (rows: Row[]) => Promise<Row[]>) => {
    let data: Row[] = [];
    for (const row of page) {
      const out = await convert(row);
      if (out) data.push(out);
    }
    const leftOut = page.length - data.length;
    if (keep) data = await keep(data);
    const digest = new RowDigest();
    // Keys made by Milvus (autoID) cannot be matched: such a copy gives no digest.
    const result = () => (to.pk.autoID ? leftOut : { leftOut, digest });
    if (!data.length) return result();
    const partition = to.partitionKey ? undefined : partitions[partitionIndex];
    const written = milvus.call(upsert && !to.pk.autoID ? 'upsert' : 'insert', {
      ...shadow,
      ...(partition ? { partition_name: partition } : {}),
      data,
    } as never);
    // What the verification reads back and compares, hashed while Milvus takes the rows.
    if (!to.pk.autoID) for (const row of data) digest.add(hasher.written(row));
    await written;
    return result();
  };
}
