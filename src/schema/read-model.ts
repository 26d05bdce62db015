import type { Milvus } from '../milvus/client.js';
import { emptyDatabase, type SchemaModel } from './plan-model.js';
import { readSchema } from './read.js';

/** A collection or alias named in a database (none: the connection's). */
export interface NamedIn {
  readonly name: string;
  readonly db_name?: string | undefined;
}

/** What a plan names, as its steps' `touches` declare it: the part of the server the model needs. */
export interface ModelScope {
  readonly collections: readonly NamedIn[];
  readonly aliases: readonly NamedIn[];
  /** Databases created or dropped. */
  readonly databases: readonly string[];
}

/**
 * Reads the live schema of what a plan names into a {@link SchemaModel}, in one batch: the
 * databases once (`listDatabases`), then per database named the collection names once
 * (`showCollections`) and the schema of each named collection that exists (see {@link readSchema}),
 * and where each named alias points. Read-only; cost grows with what the plan names, not with
 * the number of its steps (200 steps on one collection read that collection once).
 */
export async function readModel(milvus: Milvus, scope: ModelScope): Promise<SchemaModel> {
  const model: SchemaModel = { database: milvus.database, databases: new Map(), uncertain: false };
  const wanted = new Map<string, { collections: Set<string>; aliases: Set<string> }>();
  const want = (db: string | undefined) => {
    const key = db ?? milvus.database;
    let w = wanted.get(key);
    if (!w) wanted.set(key, (w = { collections: new Set(), aliases: new Set() }));
    return w;
  };
  want(undefined);
  for (const c of scope.collections) want(c.db_name).collections.add(c.name);
  for (const a of scope.aliases) want(a.db_name).aliases.add(a.name);
  for (const db of scope.databases) want(db);

  const existing = new Set((await milvus.call('listDatabases', {})).db_names);
  // The connection's database always exists for the plan: the state lives there.
  existing.add(milvus.database);
  for (const [db, w] of wanted) {
    if (!existing.has(db)) continue;
    const names = (await milvus.call('showCollections', { db_name: db } as never)).data.map((c) => c.name);
    const database = emptyDatabase();
    // A name a step gives as a collection may be an alias (Milvus resolves it): looked up as one,
    // and the collection it points at read in a second batch.
    const missing = [...w.collections].filter((n) => !names.includes(n));
    const aliases = new Set([...w.aliases, ...missing]);
    if (w.collections.size || aliases.size) {
      const read = await readSchema(milvus, { database: db, collections: w.collections, aliases });
      const targets = Object.values(read.aliases).filter((t) => !(t in read.collections));
      const more = targets.length ? await readSchema(milvus, { database: db, collections: targets }) : undefined;
      Object.assign(database.collections, read.collections, more?.collections ?? {});
      Object.assign(database.aliases, more?.aliases ?? {}, read.aliases);
    }
    for (const name of names) if (!(name in database.collections)) database.others.add(name);
    model.databases.set(db, database);
  }
  return model;
}
