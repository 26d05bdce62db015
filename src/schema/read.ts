import { MilvusCallError } from '../errors.js';
import type { Milvus } from '../milvus/client.js';
import { aliasTarget } from '../milvus/reads/aliases.js';
import { loadedCollections } from '../milvus/reads/lookups.js';
import { mapConcurrent } from '../util/concurrent.js';
import { emptySchema, type CollectionSchema, type DatabaseSchema } from './model.js';
import { fieldFromDescribe, indexFromDescribe, normaliseSchema, propertiesFrom } from './normalise.js';

/** Collections read at once (each is three calls, themselves at once). */
export const READ_CONCURRENCY = 8;

/** Which part of a database to read. */
export interface ReadScope {
  /** The database; default: the connection's. */
  readonly database?: string | undefined;
  /** Only these collections (those that do not exist are left out); default: every collection. */
  readonly collections?: Iterable<string> | undefined;
  /** Aliases to look up even when they point outside {@link collections} (a moved alias). */
  readonly aliases?: Iterable<string> | undefined;
  /** Never read these (the state collection and its lock). */
  readonly exclude?: Iterable<string> | undefined;
}

/**
 * Reads the live schema of a database (or of some of its collections) through {@link Milvus.call}:
 * the database's collections and which of them are loaded (two `showCollections`, at once), then
 * per collection `describeCollection`, `showPartitions` and `describeIndex`. Read-only; returns a
 * normalised schema. The calls grow with the collections read, never with their rows.
 */
export async function readSchema(milvus: Milvus, scope: ReadScope = {}): Promise<DatabaseSchema> {
  const db = scope.database ?? milvus.database;
  const exclude = new Set(scope.exclude ?? []);
  const [shown, loaded] = await Promise.all([milvus.call('showCollections', { db_name: db } as never), loadedCollections(milvus, db)]);
  const existing = new Set(shown.data.map((c) => c.name));
  const wanted = scope.collections ? [...new Set(scope.collections)].filter((n) => existing.has(n)) : [...existing];
  const schema = emptySchema();
  // A few collections at a time, the next one starting as soon as one is read: a database of
  // hundreds is read in a fraction of the sequential time, without flooding the server with
  // thousands of calls at once.
  const names = wanted.filter((n) => !exclude.has(n));
  const read = await mapConcurrent(names, READ_CONCURRENCY, (name) => readCollection(milvus, db, name, loaded.has(name)));
  names.forEach((name, j) => {
    schema.collections[name] = read[j]!.collection;
    for (const a of read[j]!.aliases) schema.aliases[a] = name;
  });
  const others = [...new Set(scope.aliases ?? [])].filter((alias) => !(alias in schema.aliases));
  const targets = await mapConcurrent(others, READ_CONCURRENCY, (alias) => aliasTarget(milvus, { alias, db_name: db }));
  others.forEach((alias, j) => {
    const target = targets[j];
    if (target !== undefined && !exclude.has(target)) schema.aliases[alias] = target;
  });
  return normaliseSchema(schema);
}

async function readCollection(
  milvus: Milvus,
  db: string,
  name: string,
  loaded: boolean,
): Promise<{ collection: CollectionSchema; aliases: string[] }> {
  const target = { collection_name: name, db_name: db };
  // Three independent questions: asked at once (verify reads the schema after every pass).
  const [desc, partitions, indexes] = await Promise.all([
    milvus.call('describeCollection', target),
    milvus.call('showPartitions', target),
    describeIndexes(milvus, target),
  ]);
  const collection: CollectionSchema = {
    description: desc.schema.description,
    consistency_level: String(desc.consistency_level),
    fields: desc.schema.fields.flatMap((f) => fieldFromDescribe(f as unknown as Record<string, unknown>) ?? []),
    partitions: partitions.partition_names,
    indexes: Object.fromEntries(indexes.map(indexFromDescribe)),
    properties: propertiesFrom(desc.properties),
    load_state: loaded ? 'loaded' : 'released',
  };
  if (desc.schema.enable_dynamic_field) collection.enable_dynamic_field = true;
  return { collection, aliases: desc.aliases ?? [] };
}

async function describeIndexes(milvus: Milvus, target: { collection_name: string; db_name: string }) {
  try {
    return (await milvus.call('describeIndex', target)).index_descriptions;
  } catch (err) {
    // A collection without any index answers IndexNotExist ("index not found", 2.3) instead of an empty list.
    if (err instanceof MilvusCallError && /index not (found|exist)|IndexNotExist/i.test(`${err.reason} ${err.code}`)) return [];
    throw err;
  }
}
