import type { Milvus } from '../milvus/client.js';
import type { Migration } from '../migrations/model.js';
import type { DatabaseSchema } from '../schema/model.js';
import { readSchema } from '../schema/read.js';
import { touchedBy } from '../schema/scope.js';

/**
 * Reads the live schema of what the migrations manage in `database`: the collections and aliases
 * their YAML steps name, plus those in `expected` (a snapshot, or what a throwaway run produced).
 * With any code migration, whose targets cannot be known from the file, every collection of the
 * database. The state collection and its lock are never part of it.
 */
export async function readManagedSchema(
  milvus: Milvus,
  opts: { readonly migrations: readonly Migration[]; readonly database: string; readonly stateCollection: string; readonly expected?: DatabaseSchema | undefined },
): Promise<DatabaseSchema> {
  const scope = touchedBy(opts.migrations, opts.database);
  const expected = opts.expected ?? { collections: {}, aliases: {} };
  return readSchema(milvus, {
    database: opts.database,
    collections: scope.code ? undefined : [...scope.collections, ...Object.keys(expected.collections)],
    aliases: [...scope.aliases, ...Object.keys(expected.aliases)],
    exclude: [opts.stateCollection, `${opts.stateCollection}_lock`],
  });
}
