/**
 * Checks of Milvus made with the SDK directly, behind the tool's back: what integration tests
 * assert after the tool ran (rows, collections, partitions, load state), and collections made by
 * hand before it runs. Each takes the test file's SDK client (see `./context.ts`, `./api.ts`).
 */
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { expect } from 'vitest';

/** Milvus' largest query window (offset + limit), enough for every collection the tests fill. */
const MAX_ROWS = 16_384;

/** An Int64 primary key `id` and a 2-dim vector `v`: the smallest collection Milvus accepts. */
export const ID_AND_VECTOR: readonly object[] = [
  { name: 'id', data_type: 'Int64', is_primary_key: true },
  { name: 'v', data_type: 'FloatVector', dim: 2 },
];

/**
 * Every row of a collection (or of some partitions), read with Strong consistency so that what
 * the tool just wrote is seen, sorted by a numeric `id` (rows without one keep Milvus' order).
 * `filter` defaults to every row; `fields` to all of them.
 */
export async function readRows(
  client: MilvusClient,
  collection: string,
  opts: { partition?: string; fields?: string[]; filter?: string; db_name?: string } = {},
): Promise<Record<string, any>[]> {
  const res = await client.query({
    collection_name: collection,
    filter: opts.filter ?? '',
    output_fields: opts.fields ?? ['*'],
    limit: MAX_ROWS,
    consistency_level: 'Strong',
    ...(opts.partition ? { partition_names: [opts.partition] } : {}),
    ...(opts.db_name ? { db_name: opts.db_name } : {}),
  } as never);
  expect(res.status.error_code, res.status.reason).toBe('Success');
  const rows = res.data as Record<string, any>[];
  return rows.every((r) => r.id !== undefined) ? rows.sort((a, b) => Number(a.id) - Number(b.id)) : rows;
}

/** Whether the collection (or alias) exists, in `db_name` if given. */
export async function hasCollection(client: MilvusClient, collection: string, db_name?: string): Promise<boolean> {
  return Boolean((await client.hasCollection({ collection_name: collection, ...(db_name ? { db_name } : {}) })).value);
}

/** The collection's partition names, in Milvus' order (`_default` first). */
export async function partitionsOf(client: MilvusClient, collection: string): Promise<string[]> {
  return (await client.showPartitions({ collection_name: collection })).partition_names;
}

/** `LoadStateLoaded`, `LoadStateNotLoad`, ... of the collection, or of the given partitions. */
export async function loadStateOf(client: MilvusClient, collection: string, partitions?: string[]): Promise<string> {
  return String((await client.getLoadState({ collection_name: collection, ...(partitions ? { partition_names: partitions } : {}) })).state);
}

/**
 * Creates a collection with the SDK, as someone working behind the tool's back would: by default
 * {@link ID_AND_VECTOR}. `index_params` builds the index and loads the collection (the SDK does
 * both when they are given); other options go to `createCollection` as they are.
 */
export async function createCollectionWithSdk(
  client: MilvusClient,
  collection: string,
  opts: { fields?: readonly object[]; index_params?: object[]; enable_dynamic_field?: boolean; db_name?: string } = {},
): Promise<void> {
  const { fields = ID_AND_VECTOR, ...rest } = opts;
  // The SDK reads `'index_params' in params`: a key set to undefined would ask for an index.
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const res = await client.createCollection({ collection_name: collection, fields, ...given } as never);
  expect(res.error_code, res.reason).toBe('Success');
}
