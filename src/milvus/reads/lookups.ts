import { loadState } from '../wait.js';
import type { Milvus } from '../client.js';
import { dbOf } from './names.js';

/**
 * Read-only lookups shared by steps (run-time checks, `plan` facts) and backups. Every call goes
 * through {@link Milvus.call}, so failures are typed errors.
 */
type Target = { collection_name: string; db_name?: string | undefined };

export async function collectionExists(milvus: Milvus, t: Target): Promise<boolean> {
  const res = await milvus.call('hasCollection', { collection_name: t.collection_name, ...dbOf(t) });
  return Boolean(res.value);
}

export async function describeCollection(milvus: Milvus, t: Target) {
  return milvus.call('describeCollection', { collection_name: t.collection_name, ...dbOf(t) });
}

/** Whether the collection has a partition key field (then Milvus manages its partitions). */
export async function usesPartitionKey(milvus: Milvus, t: Target): Promise<boolean> {
  const desc = await describeCollection(milvus, t);
  return desc.schema.fields.some((f) => f.is_partition_key);
}

export async function partitionNames(milvus: Milvus, t: Target): Promise<string[]> {
  const res = await milvus.call('showPartitions', { collection_name: t.collection_name, ...dbOf(t) });
  return res.partition_names;
}

/**
 * The collections of a database that are loaded or loading, in one call (`showCollections` of
 * type Loaded) instead of a `getLoadState` per collection. On Milvus 2.3.5 it listed exactly the
 * collections `getLoadState` called Loaded (one of which only some partitions are loaded included;
 * never loaded, released and index-less ones left out); a collection still Loading was not caught.
 * No names are passed: with names, Milvus refuses the whole call when one of them is not loaded.
 */
export async function loadedCollections(milvus: Milvus, db: string): Promise<Set<string>> {
  // 1 = ShowCollectionsType.Loaded (the SDK's enum; the SDK itself is loaded lazily).
  const res = await milvus.call('showCollections', { db_name: db, type: 1 } as never);
  return new Set(res.data.map((c) => c.name));
}

/**
 * What a plan says is at stake in a collection or one of its partitions: "holds 1,200 rows".
 * Loaded, it is counted exactly (`count(*)`, Strong consistency: rows just written included).
 * Released, only Milvus' statistics are there, and on 2.3 they count flushed rows only.
 */
export async function rowsAtStake(milvus: Milvus, t: Target & { partition_name?: string | undefined }): Promise<string> {
  const partitions = t.partition_name ? { partition_names: [t.partition_name] } : {};
  const state = await loadState(milvus, { collection_name: t.collection_name, ...partitions, ...dbOf(t) });
  if (state === 'LoadStateLoaded') return `holds ${rows(await countRows(milvus, t, t.partition_name, '', 'Strong'))}`;
  return `holds ${rows(await statisticsRows(milvus, t))} as of its last flush (not loaded, so not counted exactly)`;
}

/** Rows in Milvus' statistics of a collection or one partition: flushed rows only on 2.3, but no load needed. */
async function statisticsRows(milvus: Milvus, t: Target & { partition_name?: string | undefined }): Promise<number> {
  const res = t.partition_name
    ? await milvus.call('getPartitionStatistics', { collection_name: t.collection_name, partition_name: t.partition_name, ...dbOf(t) })
    : await milvus.call('getCollectionStatistics', { collection_name: t.collection_name, ...dbOf(t) });
  return Number(res.data.row_count ?? 0);
}

/** A collection's rows: exact (`count(*)`, Strong) when loaded, else from its statistics (`exact: false`). */
export async function collectionRows(milvus: Milvus, t: Target): Promise<{ rows: number; exact: boolean }> {
  const state = await loadState(milvus, { collection_name: t.collection_name, ...dbOf(t) });
  if (state === 'LoadStateLoaded') return { rows: await countRows(milvus, t, undefined, '', 'Strong'), exact: true };
  return { rows: await statisticsRows(milvus, t), exact: false };
}

/** `1,234 rows` */
export function rows(n: number): string {
  return `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
}

/** `count(*)` of the rows matching `filter` (the SDK's `count` ignores partitions and consistency). */
export async function countRows(
  milvus: Pick<Milvus, 'call'>,
  t: { collection_name: string; db_name?: string },
  partition: string | undefined,
  filter: string,
  consistency: 'Strong' | 'Bounded',
): Promise<number> {
  const res = await milvus.call('query', {
    collection_name: t.collection_name,
    ...(t.db_name ? { db_name: t.db_name } : {}),
    ...(partition ? { partition_names: [partition] } : {}),
    filter,
    output_fields: ['count(*)'],
    consistency_level: consistency,
  } as never);
  return Number((res.data[0] as Record<string, unknown> | undefined)?.['count(*)'] ?? 0);
}
