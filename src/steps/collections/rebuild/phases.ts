/**
 * The phases of a rebuild after the plan: create the shadow, build and load it, check its
 * settings, cut over. Each is safe to run again after a kill (it checks what is there first).
 */
import { MilvusCallError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import type { Milvus } from '../../../milvus/client.js';
import { waitForIndex, waitForLoad } from '../../../milvus/wait.js';
import { indexRequest } from '../../../milvus/reads/index-spec.js';
import { collectionExists, partitionNames } from '../../../milvus/reads/lookups.js';
import { dbOf } from '../../../milvus/reads/names.js';
import { compareSchemas, describeDifference } from '../../../schema/compare.js';
import { normaliseSchema } from '../../../schema/normalise.js';
import { readSchema } from '../../../schema/read.js';
import type { CollectionSchema } from '../../../schema/model.js';
import { createRequest, type TargetPlan } from './target.js';

type Target = { collection_name: string; db_name?: string | undefined };
const named = (name: string, db: string | undefined): Target => ({ collection_name: name, ...(db ? { db_name: db } : {}) });

/** Creates the shadow with the new schema, the old partitions (unless a partition key) and properties. */
export async function createShadow(milvus: Milvus, logger: Logger, plan: TargetPlan, shadow: Target): Promise<void> {
  if (!(await collectionExists(milvus, shadow))) {
    logger.info(
      `creating ${shadow.collection_name} (${plan.schema.fields.map((f) => `${f.name} ${f.data_type}${f.dim ? `(${f.dim})` : ''}`).join(', ')})`,
    );
    await milvus.call('createCollection', createRequest(plan, shadow) as never);
  }
  const existing = new Set(await partitionNames(milvus, shadow));
  for (const partition of plan.schema.partitions) {
    if (!existing.has(partition)) await milvus.call('createPartition', { ...shadow, partition_name: partition } as never);
  }
  const properties = plan.schema.properties ?? {};
  if (Object.keys(properties).length) await milvus.call('alterCollectionProperties', { ...shadow, properties } as never);
}

/** Flushes the shadow, builds its indexes (those not there yet) and waits, then loads it. */
export async function buildAndLoad(milvus: Milvus, logger: Logger, plan: TargetPlan, shadow: Target): Promise<void> {
  await milvus.call('flush', { collection_names: [shadow.collection_name], ...dbOf(shadow) } as never);
  const have = await milvus
    .call('describeIndex', shadow as never)
    .then((r) => r.index_descriptions.map((d) => d.field_name))
    .catch(() => [] as string[]);
  for (const ix of plan.indexes) {
    if (have.includes(ix.field_name)) continue;
    logger.info(`building index ${ix.index_type ?? 'AUTOINDEX'} on ${shadow.collection_name}.${ix.field_name}`);
    await milvus.call('createIndex', indexRequest({ ...ix, ...shadow }) as never);
  }
  for (const ix of plan.indexes) await waitForIndex(milvus, { ...shadow, field_name: ix.field_name });
  await milvus.call('loadCollectionAsync', shadow as never);
  await waitForLoad(milvus, shadow);
}

/**
 * The settings of the shadow against what was asked for (the old collection's, with the changes):
 * fields with every attribute (autoID, max_length, nullable, default, partition key, dim),
 * consistency level, properties (TTL, mmap), partitions, description, dynamic field, and an index
 * on every field that had one. Load state is compared after it is put back ({@link loadStateDifference}).
 */
export async function settingsDifferences(milvus: Milvus, plan: TargetPlan, shadow: Target): Promise<string[]> {
  const db = shadow.db_name ?? milvus.database;
  const actual = (await readSchema(milvus, { database: db, collections: [shadow.collection_name] })).collections[shadow.collection_name];
  if (!actual) return [`${shadow.collection_name} does not exist`];
  const partitionKey = plan.schema.fields.some((f) => f.is_partition_key);
  const comparable = (s: CollectionSchema): CollectionSchema => ({
    ...s,
    indexes: {},
    load_state: 'loaded',
    partitions: partitionKey ? [] : s.partitions,
  });
  const partitions = ['_default', ...plan.schema.partitions.filter((x) => x !== '_default')];
  const expected = normaliseSchema({ collections: { [shadow.collection_name]: comparable({ ...plan.schema, partitions }) }, aliases: {} });
  const found = normaliseSchema({ collections: { [shadow.collection_name]: comparable(actual) }, aliases: {} });
  const out = compareSchemas(expected, found).map(describeDifference);
  for (const ix of plan.indexes) {
    const built = Object.values(actual.indexes).find((x) => x.field_name === ix.field_name);
    if (!built) out.push(`collection ${shadow.collection_name} / index on ${ix.field_name}: missing`);
    else if (ix.index_type && built.index_type !== ix.index_type) {
      out.push(`collection ${shadow.collection_name} / index on ${ix.field_name}: expected ${ix.index_type}, found ${built.index_type}`);
    }
  }
  return out;
}

/** Puts the shadow's load state as the old one's was; returns a difference if Milvus did not. */
export async function matchLoadState(milvus: Milvus, plan: TargetPlan, shadow: Target): Promise<string | undefined> {
  if (plan.schema.load_state === 'released') await milvus.call('releaseCollection', shadow as never);
  const res = await milvus.call('getLoadState', shadow as never);
  const loaded = String(res.state) === 'LoadStateLoaded' || String(res.state) === 'LoadStateLoading';
  const want = plan.schema.load_state === 'loaded';
  return loaded === want
    ? undefined
    : `${shadow.collection_name} is ${loaded ? 'loaded' : 'not loaded'}; the old collection was ${want ? 'loaded' : 'not loaded'}`;
}

/** How readers reach the collection, and so how the cut-over goes. */
export type CutOver = {
  readonly kind: 'alias' | 'rename';
  /** The collection rebuilt (the alias' target, or the name given). */
  readonly source: string;
  readonly shadow: string;
  /** Where the old collection is after the cut-over (its own name for `alias`). */
  readonly old: string;
  /** The name readers use (the alias, or the collection's name). */
  readonly name: string;
  /** Every alias that pointed at the old collection: all of them move to the new one. */
  readonly aliases: readonly string[];
};

/**
 * Cuts readers over to the shadow. Through an alias: `alterAlias`, atomic for readers. By name:
 * the old collection is renamed aside and the shadow renamed to the name (readers see a moment
 * without the collection); aliases follow a rename on 2.3.5, so they are moved to the new one after.
 */
export async function cutOver(milvus: Milvus, logger: Logger, c: CutOver, db: string | undefined): Promise<void> {
  if (c.kind === 'rename') {
    const renames: [string, string][] = [
      [c.source, c.old],
      [c.shadow, c.source],
    ];
    for (const [from, to] of renames) {
      // A resumed cut-over may have made this rename already.
      if (!(await collectionExists(milvus, named(from, db))) || (await collectionExists(milvus, named(to, db)))) continue;
      logger.info(`renaming ${from} to ${to}`);
      await milvus.call('renameCollection', {
        collection_name: from,
        new_collection_name: to,
        ...(db ? { db_name: db, new_db_name: db } : {}),
      } as never);
    }
  }
  const target = c.kind === 'rename' ? c.source : c.shadow;
  for (const alias of c.aliases) {
    logger.info(`pointing alias ${alias} at ${target}`);
    await milvus.call('alterAlias', { alias, collection_name: target, ...(db ? { db_name: db } : {}) } as never).catch((err: unknown) => {
      throw err instanceof MilvusCallError
        ? new MilvusCallError('alterAlias', `cannot point alias ${alias} at ${target}: ${err.reason}`, err.code, { cause: err })
        : err;
    });
  }
}
