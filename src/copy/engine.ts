/**
 * The one copy engine: every row of one or more segments (a collection, a partition, rows
 * matching a filter) streamed page by page in primary-key order, each page handed to `write`,
 * a cursor checkpointed after each page so a run that stops part-way goes on after the last key
 * written. copyRows and rebuildCollection copy with it; it knows no step.
 */
import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { countRows, rows } from '../milvus/reads/lookups.js';
import { andFilter, maxPk, pkLiteral, type PkKind, type PkValue } from '../milvus/reads/keys.js';
import { pages, type ReadTarget } from '../milvus/reads/paging.js';
import type { Row } from '../milvus/reads/shape.js';
import { PROGRESS_INTERVAL_MS, throttled } from '../util/progress.js';
import { RowDigest, type RowDigestRecord } from './digest.js';

/** Where a copy stands: the segment being copied, the largest key written in it, rows written so far. */
export interface CopyCursor {
  /** Index of the segment being copied (0 for a copy of one segment). */
  readonly segment: number;
  /** Largest source primary key written in that segment: the copy goes on with `pk > last_pk`. */
  readonly last_pk?: PkValue | undefined;
  readonly copied: number;
}

/** What a writer wrote of a page: the rows it left out, and the {@link RowDigest} of those it wrote. */
export interface PageWritten {
  readonly leftOut: number;
  readonly digest: RowDigest;
}

/** One source of rows: a read target and, optionally, a filter. */
export interface CopySegment {
  readonly read: ReadTarget;
  readonly filter?: string | undefined;
  /** The partition this segment is counted in, for messages (none: the whole collection). */
  readonly partition?: string | undefined;
}

export interface CopyOptions {
  readonly milvus: Milvus;
  readonly logger: Logger;
  readonly segments: readonly CopySegment[];
  readonly pk: { readonly name: string; readonly kind: PkKind };
  readonly batchSize: number;
  /** Source and target as messages name them. */
  readonly from: string;
  readonly to: string;
  /** Progress task name, e.g. `copyRows a → b`. */
  readonly task: string;
  /** Where an interrupted run stopped (its last checkpoint), if this run resumes one. */
  readonly resume?: CopyCursor | undefined;
  /**
   * Writes one page read from `segment`. `replay` is true for the first page after a resumed
   * cursor: it may already be in the target (a run can stop between a write and its
   * checkpoint), so it should be upserted to land once either way. May return how many rows of
   * the page it left out (a transform's nulls), or that and the digest of the rows it wrote.
   */
  write(page: Row[], segment: number, replay: boolean): Promise<number | void | PageWritten>;
  /** Saves the cursor after each page (the caller adds what it tracks itself). */
  checkpoint(cursor: CopyCursor): Promise<void>;
}

/**
 * Copies every row of the segments, in order, each in primary-key order. One Strong count first:
 * it waits until Milvus has every row written before the copy started. The pages after it read
 * with Bounded consistency, which then sees the same rows without waiting for the next time tick
 * each time (Milvus 2.3.5: ~10 ms a page instead of ~350 ms). Memory stays at one page.
 */
export async function copySegments(o: CopyOptions): Promise<CopyCursor> {
  const { logger, pk } = o;
  const start = o.resume ?? { segment: 0, copied: 0 };
  let segment = start.segment;
  let last = start.last_pk;
  let copied = Number(start.copied ?? 0);
  const after = (v: PkValue | undefined) => (v === undefined ? undefined : `${pk.name} > ${pkLiteral(pk.kind, v)}`);

  const remaining = await remainingRows(
    o,
    o.segments.map((_, i) => (i < segment ? undefined : i === segment ? (after(last) ?? '') : '')),
  );
  const total = copied + remaining;
  logger.info(
    `copying ${rows(remaining)} from ${o.from} to ${o.to}` +
      (last !== undefined ? ` (resuming after ${pk.name} ${String(last)}: ${rows(copied)} copied by the interrupted run)` : ''),
  );
  const started = Date.now();
  const report = reporter(o, total, started, () => copied);
  let replay = o.resume !== undefined;
  for (; segment < o.segments.length; segment++) {
    last = await copySegment(o, segment, segment === start.segment ? start.last_pk : undefined, replay, async (n, key) => {
      replay = false;
      copied += n;
      await o.checkpoint({ segment, last_pk: key, copied });
      report(false);
    });
  }
  report(true);
  logger.info(`copied ${rows(copied)} from ${o.from} to ${o.to}${took(started)}`);
  return { segment: o.segments.length - 1, ...(last !== undefined ? { last_pk: last } : {}), copied };
}

/**
 * Rows still to copy, counted with Strong consistency (it waits for every row written before):
 * per segment, the filter after its cursor (`''` from its start), `undefined` for one done.
 */
async function remainingRows(o: Pick<CopyOptions, 'milvus' | 'segments'>, after: readonly (string | undefined)[]): Promise<number> {
  let remaining = 0;
  for (const [i, s] of o.segments.entries()) {
    const a = after[i];
    if (a === undefined) continue;
    remaining += await countRows(o.milvus, s.read, s.read.partition_names?.[0], andFilter(s.filter, a || undefined), 'Strong');
  }
  return remaining;
}

/** Progress of a copy (throttled): rows copied of `total`, `final` once at the end. */
function reporter(o: Pick<CopyOptions, 'logger' | 'task'>, total: number, started: number, copied: () => number) {
  const progress = throttled(o.logger);
  return (final: boolean) => {
    const done = copied();
    progress(`${o.task}: ${done.toLocaleString('en-US')}/${rows(total)} (${total ? Math.floor((done / total) * 100) : 100}%)`, {
      task: o.task,
      done,
      total,
      unit: 'rows',
      elapsedMs: Date.now() - started,
      final,
    });
  };
}

const took = (started: number) =>
  Date.now() - started >= PROGRESS_INTERVAL_MS ? ` in ${((Date.now() - started) / 1000).toFixed(1)} s` : '';

/** Copies one segment after `last`, page by page; `done(rows, largest key)` after each page is written. Returns the last key. */
async function copySegment(
  o: Pick<CopyOptions, 'milvus' | 'segments' | 'pk' | 'batchSize' | 'write'>,
  segment: number,
  last: PkValue | undefined,
  replay: boolean,
  done: (rows: number, key: PkValue, written: { leftOut: number; digest?: RowDigest | undefined }) => Promise<void>,
): Promise<PkValue | undefined> {
  const { pk } = o;
  const s = o.segments[segment]!;
  for await (const page of pages(o.milvus, s.read, pk, s.filter, o.batchSize, ['*'], true, last)) {
    const written = await o.write(page, segment, replay);
    replay = false;
    last = maxPk(
      pk.kind,
      page.map((r) => r[pk.name] as PkValue),
    );
    await done(page.length, last, typeof written === 'object' ? written : { leftOut: written ?? 0 });
  }
  return last;
}

/** Where one segment of a concurrent copy stands. */
export interface SegmentCursor {
  /** Largest key written in the segment; the copy goes on with `pk > last_pk`. */
  readonly last_pk?: PkValue | undefined;
  readonly copied: number;
  /** Rows the writer left out (a transform's nulls). */
  readonly left_out?: number;
  /** Digest of the rows written in the segment, when the writer gives one: the verification compares the target with it. */
  readonly digest?: RowDigestRecord;
  readonly done?: true;
}

export interface ConcurrentCopyOptions extends Omit<CopyOptions, 'resume' | 'checkpoint'> {
  /** Segments copied at once (each by its own stream of pages). */
  readonly parallelism: number;
  /** Cursors of the interrupted run, one per segment. */
  readonly resume?: readonly SegmentCursor[] | undefined;
  /**
   * Saves every segment's cursor. Calls come one at a time, each with the newest cursors, so a
   * saved record never goes back behind one saved before it.
   */
  checkpoint(cursors: readonly SegmentCursor[]): Promise<void>;
}

/**
 * Copies the segments (typically key ranges cut by `keyBoundaries`, in each partition) with up to
 * `parallelism` streams at once, each checkpointed on its own: a resumed run goes on in each
 * segment after its own last key, and replays (upserts) the first page of each unfinished one.
 * The counts and the guarantees are those of {@link copySegments}.
 */
export async function copyConcurrently(o: ConcurrentCopyOptions): Promise<SegmentCursor[]> {
  const { logger, pk } = o;
  const cursors: SegmentCursor[] = o.segments.map((_, i) => o.resume?.[i] ?? { copied: 0 });
  const remaining = await remainingRows(
    o,
    cursors.map((c) => (c.done ? undefined : c.last_pk === undefined ? '' : `${pk.name} > ${pkLiteral(pk.kind, c.last_pk)}`)),
  );
  const copiedBefore = cursors.reduce((n, c) => n + c.copied, 0);
  let copied = copiedBefore;
  const total = copied + remaining;
  const streams = Math.max(1, Math.min(o.parallelism, o.segments.length));
  // Segments are key ranges within partitions; one stream copies them one after another.
  const how =
    streams > 1
      ? ` in ${o.segments.length} key ranges, ${streams} at a time`
      : o.segments.length > 1
        ? ` in one stream, ${o.segments.length} parts (partitions or key ranges) one after another`
        : ' in one stream';
  logger.info(
    `copying ${rows(remaining)} from ${o.from} to ${o.to}${how}` +
      (copiedBefore ? ` (resuming: ${rows(copiedBefore)} copied by the interrupted run)` : ''),
  );
  const started = Date.now();
  const report = reporter(o, total, started, () => copied);
  // One checkpoint at a time: writes of the state row that overtook each other could put an older cursor last.
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    saving = saving.then(() => o.checkpoint([...cursors]));
    return saving;
  };
  const replay = o.resume !== undefined;
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < o.segments.length && !failed; i = next++) {
      const c = cursors[i]!;
      if (c.done) continue;
      await copySegment(o, i, c.last_pk, replay, async (n, key, { leftOut, digest }) => {
        if (failed) throw new Error('stopped: another stream of the copy failed');
        const was = cursors[i]!;
        // A digest is kept only while every page of the segment came with one (a run of an older version gave none).
        const sum = digest && (was.digest || was.copied === 0) ? RowDigest.from(was.digest).plus(digest).record() : undefined;
        cursors[i] = {
          last_pk: key,
          copied: was.copied + n,
          left_out: (was.left_out ?? 0) + leftOut,
          ...(sum ? { digest: sum } : {}),
        };
        copied += n;
        await save();
        report(false);
      });
      cursors[i] = { ...cursors[i]!, done: true };
      await save();
    }
  };
  // A failed stream stops the others at their next segment; the first failure is the run's.
  const running = Array.from({ length: streams }, () =>
    worker().catch((err: unknown) => {
      failed = true;
      throw err;
    }),
  );
  const ends = await Promise.allSettled(running);
  const failure = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (failure) throw failure.reason;
  report(true);
  logger.info(`copied ${rows(copied)} from ${o.from} to ${o.to}${took(started)}`);
  return cursors;
}
