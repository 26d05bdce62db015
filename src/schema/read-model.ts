import { MilvusCallError } from '../errors.js';
import type { Milvus } from '../milvus/client.js';
import { aliasTarget } from '../milvus/reads/aliases.js';
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
  /**
   * The tool's own collections in the connection's database (the state collection and its lock):
   * left out of what the database holds unless a step names them, as `diff` and `snapshot` leave them out.
   */
  readonly hidden?: readonly string[] | undefined;
}

/**
 * Reads the live schema of what a plan names into a {@link SchemaModel}, in one batch: the
 * databases once (`listDatabases`, only when the plan names one besides the connection's), then
 * per database named the collection names once (`showCollections`) and the schema of each named collection that exists (see {@link readSchema}),
 * and where each named alias points. Read-only; cost grows with what the plan names, not with
 * the number of its steps (200 steps on one collection read that collection once). `serverVersion`
 * (the server's) picks the defaults that changed between versions.
 */
export async function readModel(milvus: Milvus, scope: ModelScope, serverVersion?: string): Promise<SchemaModel> {
  const model: SchemaModel = { database: milvus.database, databases: new Map(), uncertain: false, serverVersion };
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

  // listDatabases needs the ListDatabases privilege, which a deployer acting in its own database
  // may lack: asked only when the plan names another database.
  const elsewhere = [...wanted.keys()].some((db) => db !== milvus.database);
  const existing = new Set(elsewhere ? (await milvus.call('listDatabases', {})).db_names : []);
  // The connection's database always exists for the plan: the state lives there.
  existing.add(milvus.database);
  for (const [db, w] of wanted) {
    if (!existing.has(db)) continue;
    const names = (await milvus.call('showCollections', { db_name: db } as never)).data.map((c) => c.name);
    const database = emptyDatabase();
    // A name a step gives as a collection may be an alias (Milvus resolves it): looked up as one,
    // and the collection it points at read in a second batch.
    const missing = [...w.collections].filter((n) => !names.includes(n));
    if (w.collections.size || w.aliases.size) {
      const read = await readSchema(milvus, { database: db, collections: w.collections, aliases: w.aliases });
      const aliases: Record<string, string> = { ...read.aliases };
      for (const name of missing) {
        const target = name in aliases ? undefined : await aliasIfAllowed(milvus, { alias: name, db_name: db });
        if (target !== undefined) aliases[name] = target;
      }
      const targets = Object.values(aliases).filter((t) => !(t in read.collections));
      const more = targets.length ? await readSchema(milvus, { database: db, collections: targets }) : undefined;
      Object.assign(database.collections, read.collections, more?.collections ?? {});
      Object.assign(database.aliases, more?.aliases ?? {}, aliases);
    }
    const hidden = new Set(db === milvus.database ? (scope.hidden ?? []) : []);
    for (const name of names) if (!(name in database.collections) && !hidden.has(name)) database.others.add(name);
    model.databases.set(db, database);
  }
  return model;
}

/**
 * Where a name a step gives as a collection points when it is an alias. A user without the
 * DescribeAlias privilege (a deployer that creates collections and never names an alias) is not
 * refused for this lookup: the name is then taken as no alias, and the step meets Milvus as it is.
 */
async function aliasIfAllowed(milvus: Milvus, p: { alias: string; db_name: string }): Promise<string | undefined> {
  try {
    return await aliasTarget(milvus, p);
  } catch (err) {
    if (err instanceof MilvusCallError && err.code === 'PERMISSION_DENIED') return undefined;
    throw err;
  }
}
