/**
 * A collection's definition as a backup keeps it (fields, indexes, partitions, aliases,
 * properties) and creating it again from that.
 */
import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { waitForIndex } from '../milvus/wait.js';
import { indexRequest, indexSpecOf } from '../milvus/reads/index-spec.js';
import { describeCollection, partitionNames } from '../milvus/reads/lookups.js';
import { dbOf, qualified } from '../milvus/reads/names.js';
import { fieldFromDescribe, propertiesFrom } from '../schema/normalise.js';
import type { BackupManifest, SavedField, SavedIndex } from './format.js';

type Target = { collection_name: string; db_name?: string | undefined };

/** The definition parts of a manifest, read from Milvus. */
export type CollectionDefinition = Pick<BackupManifest, 'schema' | 'indexes' | 'aliases' | 'properties'> & {
  /** Partitions besides `_default`, in Milvus' order (none for a partition-key collection). */
  readonly partitions: readonly string[];
  readonly partitionKey: boolean;
  readonly autoID: boolean;
};

/** Reads what is needed to create `t` again, as it is now. */
export async function captureDefinition(milvus: Milvus, t: Target): Promise<CollectionDefinition> {
  const desc = await describeCollection(milvus, t);
  // Read as drift reads them: Milvus' own `$meta` field of a dynamic collection (2.4+) is not one
  // to create again, and defaults come unwrapped from the newer SDKs' `{ long_data: 5 }` form.
  const fields: SavedField[] = (desc.schema.fields as unknown as Record<string, unknown>[])
    .filter((f) => !f.is_function_output)
    .flatMap((f) => fieldFromDescribe(f) ?? []);
  const partitionKey = fields.some((f) => f.is_partition_key);
  const indexes = (await indexDescriptions(milvus, t)).map((d): SavedIndex => indexSpecOf(d));
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
    // As `snapshot` reads them (Milvus' defaults left out), so a restore sets only what was set.
    properties: propertiesFrom(desc.properties),
    partitions: partitionKey ? [] : (await partitionNames(milvus, t)).filter((n) => n !== '_default'),
    partitionKey,
    autoID: fields.some((f) => f.is_primary_key && f.autoID),
  };
}

/**
 * Creates the collection a backup was taken of: same fields (dim, max_length, primary key,
 * autoID, partition key), the same properties, partitions and indexes (built before returning).
 * Loading and aliases are left to the caller, after the rows are back.
 *
 * With `created` (a resumed restore found the collection its interrupted run made), only what is
 * still missing is done: a run killed between the create and the last index left some out.
 */
export async function recreateCollection(milvus: Milvus, m: BackupManifest, t: Target, logger: Logger, created = false): Promise<void> {
  if (!created) {
    logger.info(
      `re-creating collection ${qualified(t)} (${m.schema.fields.map((f) => `${f.name} ${f.data_type}${f.dim ? `(${f.dim})` : ''}`).join(', ')})`,
    );
    await milvus.call('createCollection', {
      collection_name: t.collection_name,
      ...dbOf(t),
      ...(m.schema.description ? { description: m.schema.description } : {}),
      enable_dynamic_field: m.schema.enable_dynamic_field,
      ...(m.schema.consistency_level ? { consistency_level: m.schema.consistency_level } : {}),
      ...(m.schema.num_partitions ? { num_partitions: m.schema.num_partitions } : {}),
      fields: m.schema.fields.map((f) => ({ ...f })),
    } as never);
  }
  const now = created ? await describeCollection(milvus, t) : undefined;
  // Only the properties not set as saved (all of them on a new collection).
  const have = now ? propertiesFrom(now.properties) : {};
  const properties = Object.fromEntries(Object.entries(m.properties ?? {}).filter(([k, v]) => have[k] !== v));
  // Before any load: Milvus refuses to change some (mmap) on a loaded collection.
  if (Object.keys(properties).length)
    await milvus.call('alterCollectionProperties', { collection_name: t.collection_name, properties, ...dbOf(t) });
  const partitions = new Set(created ? await partitionNames(milvus, t) : ['_default']);
  for (const s of m.segments) {
    if (s.partition && !partitions.has(s.partition)) {
      await milvus.call('createPartition', { collection_name: t.collection_name, partition_name: s.partition, ...dbOf(t) });
      partitions.add(s.partition);
    }
  }
  const indexed = new Set(created ? (await indexDescriptions(milvus, t)).map((d) => d.field_name) : []);
  for (const ix of m.indexes) {
    if (!indexed.has(ix.field_name))
      await milvus.call('createIndex', indexRequest({ ...ix, collection_name: t.collection_name, ...dbOf(t) }) as never);
  }
  for (const ix of m.indexes)
    await waitForIndex(milvus, {
      collection_name: t.collection_name,
      field_name: ix.field_name,
      ...(ix.index_name ? { index_name: ix.index_name } : {}),
      ...dbOf(t),
    });
}

/** The index descriptions of `t`; none for a collection without index (Milvus 2.3 answers "index not found"). */
async function indexDescriptions(milvus: Milvus, t: Target) {
  return milvus
    .call('describeIndex', { collection_name: t.collection_name, ...dbOf(t) })
    .then((res) => res.index_descriptions)
    .catch((err: unknown) => {
      if (/index not (found|exist)/i.test(String((err as Error).message))) return [];
      throw err;
    });
}
