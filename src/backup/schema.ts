/**
 * A collection's definition as a backup keeps it (fields, indexes, partitions, aliases) and
 * creating it again from that.
 */
import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { waitForIndex } from '../milvus/wait.js';
import { indexRequest, indexSpecOf } from '../steps/indexes/createIndex.js';
import { describeCollection, partitionNames } from '../steps/lookups.js';
import { dbOf, qualified } from '../steps/params.js';
import type { BackupManifest, SavedField, SavedIndex } from './format.js';

type Target = { collection_name: string; db_name?: string | undefined };

/** What describeCollection gives for a field, loosely (the SDK types vary between versions). */
type DescribedField = {
  name: string;
  data_type: string | number;
  description?: string;
  is_primary_key?: boolean;
  autoID?: boolean;
  is_partition_key?: boolean;
  element_type?: string | number;
  nullable?: boolean;
  default_value?: unknown;
  is_function_output?: boolean;
  type_params?: readonly { key: string; value: string | number }[];
};

const TYPE_PARAMS = ['dim', 'max_length', 'max_capacity'] as const;

/** A described field as `createCollection` field params. */
export function savedField(f: DescribedField): SavedField {
  const typeParams = Object.fromEntries((f.type_params ?? []).map((kv) => [kv.key, Number(kv.value)]));
  const out: Record<string, unknown> = { name: f.name, data_type: String(f.data_type) };
  if (f.is_primary_key) out.is_primary_key = true;
  if (f.autoID) out.autoID = true;
  if (f.is_partition_key) out.is_partition_key = true;
  for (const k of TYPE_PARAMS) if (Number.isFinite(typeParams[k])) out[k] = typeParams[k];
  if (f.element_type !== undefined && f.element_type !== 'None' && f.element_type !== 0) out.element_type = String(f.element_type);
  if (f.description) out.description = f.description;
  if (f.nullable) out.nullable = true;
  if (f.default_value !== undefined && f.default_value !== null) out.default_value = f.default_value;
  return out as unknown as SavedField;
}

/** The definition parts of a manifest, read from Milvus. */
export type CollectionDefinition = Pick<BackupManifest, 'schema' | 'indexes' | 'aliases'> & {
  /** Partitions besides `_default`, in Milvus' order (none for a partition-key collection). */
  readonly partitions: readonly string[];
  readonly partitionKey: boolean;
  readonly autoID: boolean;
};

/** Reads what is needed to create `t` again, as it is now. */
export async function captureDefinition(milvus: Milvus, t: Target): Promise<CollectionDefinition> {
  const desc = await describeCollection(milvus, t);
  const fields = (desc.schema.fields as unknown as DescribedField[]).filter((f) => !f.is_function_output).map(savedField);
  const partitionKey = fields.some((f) => f.is_partition_key);
  const indexes = await milvus
    .call('describeIndex', { collection_name: t.collection_name, ...dbOf(t) })
    .then((res) => res.index_descriptions.map((d): SavedIndex => indexSpecOf(d)))
    // Milvus 2.3 answers "index not found" for a collection without index: there is none to keep.
    .catch((err: unknown) => {
      if (/index not (found|exist)/i.test(String((err as Error).message))) return [];
      throw err;
    });
  const numPartitions = Number((desc as { num_partitions?: string | number }).num_partitions ?? 0);
  return {
    schema: {
      fields,
      ...(desc.schema.description ? { description: desc.schema.description } : {}),
      enable_dynamic_field: Boolean(desc.schema.enable_dynamic_field),
      ...(desc.consistency_level ? { consistency_level: String(desc.consistency_level) } : {}),
      ...(partitionKey && numPartitions > 0 ? { num_partitions: numPartitions } : {}),
    },
    indexes,
    aliases: desc.aliases ?? [],
    partitions: partitionKey ? [] : (await partitionNames(milvus, t)).filter((n) => n !== '_default'),
    partitionKey,
    autoID: fields.some((f) => f.is_primary_key && f.autoID),
  };
}

/**
 * Creates the collection a backup was taken of: same fields (dim, max_length, primary key,
 * autoID, partition key), the same partitions and indexes (built before returning). Loading and
 * aliases are left to the caller, after the rows are back.
 */
export async function recreateCollection(milvus: Milvus, m: BackupManifest, t: Target, logger: Logger): Promise<void> {
  logger.info(`re-creating collection ${qualified(t)} (${m.schema.fields.map((f) => `${f.name} ${f.data_type}${f.dim ? `(${f.dim})` : ''}`).join(', ')})`);
  await milvus.call('createCollection', {
    collection_name: t.collection_name,
    ...dbOf(t),
    ...(m.schema.description ? { description: m.schema.description } : {}),
    enable_dynamic_field: m.schema.enable_dynamic_field,
    ...(m.schema.consistency_level ? { consistency_level: m.schema.consistency_level } : {}),
    ...(m.schema.num_partitions ? { num_partitions: m.schema.num_partitions } : {}),
    fields: m.schema.fields.map((f) => ({ ...f })),
  } as never);
  for (const s of m.segments) {
    if (s.partition && s.partition !== '_default') await milvus.call('createPartition', { collection_name: t.collection_name, partition_name: s.partition, ...dbOf(t) });
  }
  for (const ix of m.indexes) await milvus.call('createIndex', indexRequest({ ...ix, collection_name: t.collection_name, ...dbOf(t) }) as never);
  for (const ix of m.indexes) await waitForIndex(milvus, { collection_name: t.collection_name, field_name: ix.field_name, ...(ix.index_name ? { index_name: ix.index_name } : {}), ...dbOf(t) });
}
