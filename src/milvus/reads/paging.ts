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

/**
 * The next page of rows with primary key above `last`, the smallest `size` of them.
 *
 * Milvus 2.3+ answers a query with a limit with the matching rows of lowest primary keys, in key
 * order (what the SDKs' query iterators rely on; measured on 2.3.5 with sealed and growing
 * segments). That is checked rather than trusted, because a page that skipped a key would lose a
 * row for good: a full page is good when exactly its number of rows lies in (last, its largest
 * key]. If not, that whole range is read again in one query, which is then complete by
 * construction.
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
  /** False: trust the page's order (a reader that detects a skipped row by itself, e.g. by a digest). */
  checked = true,
): Promise<Row[]> {
  const after = last === undefined ? undefined : `${pkName} > ${pkLiteral(kind, last)}`;
  const page = await query(milvus, req, andFilter(filter, after), size, outputFields);
  if (page.length < size || !checked) return page;
  const max = maxPk(
    kind,
    page.map((r) => r[pkName] as PkValue),
  );
  const range = andFilter(filter, after, `${pkName} <= ${pkLiteral(kind, max)}`);
  const inRange = await countRows(milvus, req, req.partition_names?.[0], range, 'Bounded');
  if (inRange === page.length) return page;
  if (inRange > MAX_BATCH_SIZE) {
    throw new MigrateError(
      'migration-failed',
      `this Milvus did not answer a page of ${pkName} in key order and ${rows(inRange)} lie in the range to re-read; it cannot be paged safely`,
      {
        hint: 'use a smaller batch_size',
      },
    );
  }
  const full = await query(milvus, req, range, inRange, outputFields);
  return full.sort((a, b) => comparePk(kind, a[pkName] as PkValue, b[pkName] as PkValue));
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
 * Every row of `t` matching `filter`, page by page in primary-key order (one page in memory at a
 * time). Pass the count read with Strong consistency first: it waits until Milvus has every row
 * written before, so the pages can read with Bounded consistency without waiting each time.
 */
export async function* pages(
  milvus: Pick<Milvus, 'call'>,
  t: ReadTarget,
  pk: { name: string; kind: PkKind },
  filter: string | undefined,
  size: number,
  /** Fields to read (default every one); the primary key is always among them. */
  outputFields: readonly string[] = ['*'],
  /** False: pages are not checked for skipped keys ({@link nextPage}). */
  checked = true,
): AsyncGenerator<Row[]> {
  let last: PkValue | undefined;
  for (;;) {
    const page = await nextPage(milvus, t, pk.name, pk.kind, filter, last, size, outputFields, checked);
    if (page.length === 0) return;
    yield page;
    if (page.length < size) return;
    last = maxPk(
      pk.kind,
      page.map((r) => r[pk.name] as PkValue),
    );
  }
}
