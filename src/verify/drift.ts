import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import type { Migration } from '../migrations/model.js';
import type { DatabaseSchema } from '../schema/model.js';
import { readSchema } from '../schema/read.js';
import { touchedBy } from '../schema/scope.js';
import type { StateRow } from '../state/store.js';

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

/**
 * The applied migrations whose files exist, in name order: what a throwaway replay applies (up to
 * the last of them). Warns about what makes the replay differ from history: migrations that failed
 * part-way or whose file is gone (left out), files edited since they ran (replayed as they are now), and pending ones
 * named before the last applied (replayed too: the runner applies in name order).
 */
export function appliedToReplay(rows: readonly StateRow[], migrations: readonly Migration[], logger: Logger): string[] {
  const files = new Map(migrations.map((m) => [m.name, m]));
  const applied = rows.filter((r) => r.status === 'applied' && files.has(r.name));
  for (const r of rows) {
    if (r.status === 'failed') logger.warn(`${r.name} failed part-way: the expected schema leaves it out`);
    else if (!files.has(r.name)) logger.warn(`${r.name} is applied but its file is missing: the expected schema leaves it out`);
    else if (files.get(r.name) && files.get(r.name)!.checksum !== r.checksum) {
      logger.warn(`${r.name} was edited after it was applied: the expected schema follows the file as it is now`);
    }
  }
  const names = applied.map((r) => r.name).sort();
  const last = names.at(-1);
  for (const m of migrations) {
    if (last !== undefined && m.name < last && !names.includes(m.name)) logger.warn(`${m.name} is pending but named before applied ones: the expected schema includes it`);
  }
  return names;
}
