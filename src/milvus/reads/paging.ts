/**
 * Reading every row of a collection, a partition or a filter, one page at a time in primary-key
 * order (`pk > last` with a limit, as the SDKs' query iterators do on the client): what copyRows and
 * backups stream with. It works on Milvus 2.3.5, and memory stays at one page whatever the row count.
 */
import { MigrateError, MilvusCallError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Milvus } from '../client.js';
import { loadState, waitForLoad } from '../wait.js';
import { countRows, rows } from './lookups.js';
import type { Row } from './shape.js';
import { andFilter, comparePk, maxPk, pkLiteral, type PkKind, type PkValue } from './keys.js';

/** Milvus caps one query at 16,384 rows (offset + limit); writes use the same cap. */
export const MAX_BATCH_SIZE = 16_384;

/** A collection (and optionally some partitions of it) to read from. */
export type ReadTarget = { collection_name: string; db_name?: string; partition_names?: string[] };

/** A page of rows, and what the counts after it found. */
export interface Page {
  readonly rows: Row[];
  /** A count found no other row after the cursor the page was read from: the read is complete. */
  readonly end: boolean;
  /**
   * Milvus answered fewer rows than asked, the page holds every row up to its largest key, and
   * more are counted after it: rows written after the cursor while it was read (writers at work),
   * or a short answer that is a true prefix.
   */
  readonly short?: true;
}

/**
 * The next page of rows with primary key above `last`, the smallest `size` of them.
 *
 * Milvus 2.3+ answers a query with a limit with the matching rows of lowest primary keys, in key
 * order (what the SDKs' query iterators rely on; measured on 2.3.5 with sealed and growing
 * segments). That is checked rather than trusted, because a page that skipped a key would lose a
 * row for good:
 * - a full page is good when exactly its number of rows lies in (last, its largest key]. If not,
 *   that whole range is read again in one query, which is then complete by construction;
 * - a short page is the last one only when a count finds no other row after `last`. When more
 *   rows are counted, the page is checked as a full one and the read goes on after it.
 *
 * Both seen on Milvus 2.3.5 under concurrent upserts (the catch-up test lost every written row
 * above one key once in CI; an instrumented run then showed why): a page of 92 rows answered to
 * a limit of 100 while 103 matched, and a count of 98 in the range of a full page of 100 (two
 * rows updated out of the filter `updated_at < W` in between). Taken on trust, the short page
 * ended the read, and so did the re-read asked for only 98 rows: every later key was skipped.
 * A re-read now never asks for fewer rows than the page held.
 */
export async function nextPage(
  milvus: Pick<Milvus, 'call'>,
  req: { collection_name: string; db_name?: string; partition_names?: string[] },
  pkName: string,
  kind: PkKind,
  filter: string | undefined,
  last: PkValue | undefined,
  size: number,
  outputFields: readonly string[] = ['*'],
  /** False: trust the page (a reader that detects a skipped row by itself, e.g. by a digest). */
  checked = true,
): Promise<Page> {
  const after = last === undefined ? undefined : `${pkName} > ${pkLiteral(kind, last)}`;
  const page = await query(milvus, req, andFilter(filter, after), size, outputFields);
  if (!checked) return { rows: page, end: page.length < size };
  if (page.length < size) {
    const tail = await countRows(milvus, req, req.partition_names?.[0], andFilter(filter, after), 'Bounded');
    if (tail <= page.length) return { rows: page, end: true };
    if (!page.length) return { rows: page, end: false };
  }
  const max = maxPk(
    kind,
    page.map((r) => r[pkName] as PkValue),
  );
  const range = andFilter(filter, after, `${pkName} <= ${pkLiteral(kind, max)}`);
  const inRange = await countRows(milvus, req, req.partition_names?.[0], range, 'Bounded');
  if (inRange === page.length) return { rows: page, end: false, ...(page.length < size ? { short: true as const } : {}) };
  if (inRange > MAX_BATCH_SIZE) {
    throw new MigrateError(
      'migration-failed',
      `this Milvus did not answer a page of ${pkName} in key order and ${rows(inRange)} lie in the range to re-read; it cannot be paged safely`,
      {
        hint: 'use a smaller batch_size',
      },
    );
  }
  // A count below the page's rows (it lags the page) must not cut rows the page holds.
  const full = await query(milvus, req, range, Math.max(inRange, page.length), outputFields);
  return { rows: full.sort((a, b) => comparePk(kind, a[pkName] as PkValue, b[pkName] as PkValue)), end: false };
}

async function query(
  milvus: Pick<Milvus, 'call'>,
  req: { collection_name: string; db_name?: string; partition_names?: string[] },
  filter: string,
  limit: number,
  outputFields: readonly string[],
): Promise<Row[]> {
  const res = await milvus.call('query', {
    ...req,
    filter,
    output_fields: [...outputFields],
    limit,
    consistency_level: 'Bounded',
  } as never);
  return res.data as Row[];
}

/** Loads the source (or its partition) for query when it is not; returns whether it did. */
export async function ensureLoaded(
  ctx: { milvus: Milvus; logger: Logger },
  step: string,
  src: { collection_name: string; db_name?: string },
  partition: string | undefined,
  label: string,
): Promise<boolean> {
  const partitions = partition ? { partition_names: [partition] } : {};
  const state = await loadState(ctx.milvus, { ...src, ...partitions });
  if (state === 'LoadStateLoaded') return false;
  if (state === 'LoadStateLoading') {
    await waitForLoad(ctx.milvus, { ...src, ...partitions });
    return false;
  }
  ctx.logger.info(`loading ${label}${partition ? ` partition ${partition}` : ''}: Milvus queries only loaded collections`);
  try {
    await (partition
      ? ctx.milvus.call('loadPartitions', { ...src, partition_names: [partition] })
      : ctx.milvus.call('loadCollectionAsync', src));
  } catch (err) {
    if (err instanceof MilvusCallError && /index/i.test(err.reason)) {
      throw new MilvusCallError(step, `cannot load ${label} to read it: ${err.reason}`, err.code, {
        cause: err,
        hint: 'Milvus loads only collections whose vector field has an index: create one first (createIndex)',
      });
    }
    throw err;
  }
  await waitForLoad(ctx.milvus, { ...src, ...partitions });
  return true;
}

/**
 * Short pages ({@link Page.short}) read on, one after another, before a read ends anyway: rows
 * that keep arriving after the cursor faster than pages are read are writes made during the
 * read, which `writes: paused` rules out and a catch-up copies in its next round. A page re-read
 * because it skipped keys is not counted: it is a short answer of Milvus, not rows arriving.
 */
export const MAX_SHORT_PAGES_READ_ON = 100;

/** Empty answers in a row, while rows are counted after the cursor, before a read gives up. */
const MAX_EMPTY_ANSWERS = 3;

/**
 * Every row of `t` matching `filter`, page by page in primary-key order (one page in memory at a
 * time), after `after` when given. Pass the count read with Strong consistency first: it waits
 * until Milvus has every row written before, so the pages can read with Bounded consistency
 * without waiting each time. Each page is checked ({@link nextPage}) unless `checked` is false.
 */
export async function* pages(
  milvus: Pick<Milvus, 'call'>,
  t: ReadTarget,
  pk: { name: string; kind: PkKind },
  filter: string | undefined,
  size: number,
  /** Fields to read (default every one); the primary key is always among them. */
  outputFields: readonly string[] = ['*'],
  /** False: pages are not checked ({@link nextPage}); a short page ends the read. */
  checked = true,
  /** Read only keys above this one (a resumed copy's cursor). */
  after?: PkValue,
): AsyncGenerator<Row[]> {
  let last = after;
  let shortPages = 0;
  let empty = 0;
  for (;;) {
    const page = await nextPage(milvus, t, pk.name, pk.kind, filter, last, size, outputFields, checked);
    if (page.rows.length) {
      yield page.rows;
      last = maxPk(
        pk.kind,
        page.rows.map((r) => r[pk.name] as PkValue),
      );
    }
    if (page.end) return;
    if (page.rows.length) {
      empty = 0;
      shortPages = page.short ? shortPages + 1 : 0;
      if (shortPages > MAX_SHORT_PAGES_READ_ON) return;
    } else if (++empty >= MAX_EMPTY_ANSWERS) {
      const cursor = last === undefined ? '' : ` with ${pk.name} > ${pkLiteral(pk.kind, last)}`;
      throw new MigrateError(
        'migration-failed',
        `${t.collection_name}: Milvus counts rows${cursor} but answers none of them, ${MAX_EMPTY_ANSWERS} times; the read cannot be completed`,
        { hint: 'run again; if it persists, check the server (a segment that is not loaded?)' },
      );
    }
  }
}
