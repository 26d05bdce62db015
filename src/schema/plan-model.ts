/**
 * The schema model a plan moves forward step by step: what each database will hold when a step
 * runs. The runner seeds it with the live schema of what the pending migrations name (read once),
 * then folds every pending step over it (each step's `effect`) and checks each step against it
 * first (each step's `expect`). Collections are the {@link CollectionSchema} that `verify`, `diff`
 * and `snapshot` compare, so a folded model and a read one can be compared too.
 */
import { emptySchema, type CollectionSchema, type DatabaseSchema, type FieldSchema } from './model.js';

/** One database in the model: the collections read (or created by the plan), aliases, and what else is there. */
export interface ModelDatabase extends DatabaseSchema {
  /** Collections that exist but that the plan does not name: only their names were read (enough for "is it empty"). */
  readonly others: Set<string>;
}

/** What the databases will hold at one point of a plan. Mutated by the steps' effects. */
export interface SchemaModel {
  /** The connection's database: where a step without `db_name` acts, and where the state lives. */
  readonly database: string;
  readonly databases: Map<string, ModelDatabase>;
  /**
   * Set once a code migration is folded: its calls are known only when they run, so from there on
   * something absent from the model may yet exist, and absence is not reported.
   */
  uncertain: boolean;
  /**
   * The version of the server the plan runs on, for defaults that changed between versions (how
   * many partitions a partition key gets). Unknown (a fold without a server): an older server's.
   */
  readonly serverVersion?: string | undefined;
}

/** A model with one empty database, the connection's (the start of a fold over an empty server). */
export function emptyModel(database = 'default', serverVersion?: string): SchemaModel {
  return { database, databases: new Map([[database, emptyDatabase()]]), uncertain: false, serverVersion };
}

export function emptyDatabase(): ModelDatabase {
  return { ...emptySchema(), others: new Set() };
}

/** How a step names a collection: `collection_name` and an optional `db_name`. */
export interface ModelTarget {
  readonly collection_name: string;
  readonly db_name?: string | undefined;
}

/** The database a step acts in. */
export function dbNameOf(model: SchemaModel, db_name: string | undefined): string {
  return db_name ?? model.database;
}

/** The database of the model, or undefined when it does not exist (at this point of the plan). */
export function databaseOf(model: SchemaModel, db_name: string | undefined): ModelDatabase | undefined {
  return model.databases.get(dbNameOf(model, db_name));
}

/** The collection a name stands for at this point: itself, or the collection an alias of that name points at. */
export function resolvedName(model: SchemaModel, t: ModelTarget): string {
  const db = databaseOf(model, t.db_name);
  if (!db || t.collection_name in db.collections) return t.collection_name;
  return db.aliases[t.collection_name] ?? t.collection_name;
}

/**
 * The collection a step names, when it exists at this point. A name that is an alias stands for
 * the collection it points at, as Milvus resolves it in the calls that take a collection name.
 */
export function collectionOf(model: SchemaModel, t: ModelTarget): CollectionSchema | undefined {
  return databaseOf(model, t.db_name)?.collections[resolvedName(model, t)];
}

/** Whether a name is taken in a database by a collection (read or not) or an alias. */
export function nameTaken(model: SchemaModel, db_name: string | undefined, name: string): 'collection' | 'alias' | undefined {
  const db = databaseOf(model, db_name);
  if (!db) return undefined;
  if (name in db.collections || db.others.has(name)) return 'collection';
  return name in db.aliases ? 'alias' : undefined;
}

/** `collection` or `db.collection` as messages name it (as the step names it). */
export function label(_model: SchemaModel, t: ModelTarget): string {
  return t.db_name ? `${t.db_name}.${t.collection_name}` : t.collection_name;
}

/** `id, title, embedding`: the field names, for messages that say what a collection holds. */
export function fieldList(c: CollectionSchema): string {
  return c.fields.map((f) => f.name).join(', ');
}

export function fieldOf(c: CollectionSchema, name: string): FieldSchema | undefined {
  return c.fields.find((f) => f.name === name);
}

export function usesPartitionKey(c: CollectionSchema): boolean {
  return c.fields.some((f) => f.is_partition_key);
}

/** Puts a collection into a database of the model (the database is created in the model if absent). */
export function putCollection(model: SchemaModel, db_name: string | undefined, name: string, c: CollectionSchema): void {
  const key = dbNameOf(model, db_name);
  let db = model.databases.get(key);
  if (!db) model.databases.set(key, (db = emptyDatabase()));
  db.collections[name] = c;
  db.others.delete(name);
}

/** Removes a collection (and the aliases pointing at it: Milvus 2.3 drops them with it). */
export function removeCollection(model: SchemaModel, t: ModelTarget): void {
  const db = databaseOf(model, t.db_name);
  if (!db) return;
  delete db.collections[t.collection_name];
  db.others.delete(t.collection_name);
  for (const [alias, target] of Object.entries(db.aliases)) if (target === t.collection_name) delete db.aliases[alias];
}
