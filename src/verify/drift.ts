import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import type { Migration } from '../migrations/model.js';
import { emptySchema, withoutRebuildLeftovers, type DatabaseSchema } from '../schema/model.js';
import { readSchema } from '../schema/read.js';
import { touchedBy } from '../migrations/scope.js';
import type { StateRow } from '../state/store.js';
import { isExecuted } from '../state/store.js';

/**
 * Reads the live schema of what the migrations manage in `database`: the collections and aliases
 * their YAML steps name, plus those in `expected` (a snapshot, or what a throwaway run produced).
 * With any code migration, whose targets cannot be known from the file, every collection of the
 * database. The state collection and its lock are never part of it, nor the old collections
 * rebuilds keep aside (`<name>__mm_old_<hex>`).
 */
export async function readManagedSchema(
  milvus: Milvus,
  opts: {
    readonly migrations: readonly Migration[];
    readonly database: string;
    readonly stateCollection: string;
    readonly expected?: DatabaseSchema | undefined;
  },
): Promise<DatabaseSchema> {
  const scope = touchedBy(opts.migrations, opts.database);
  const expected = opts.expected ?? emptySchema();
  const read = await readSchema(milvus, {
    database: opts.database,
    collections: scope.code ? undefined : [...scope.collections, ...Object.keys(expected.collections)],
    aliases: [...scope.aliases, ...Object.keys(expected.aliases)],
    exclude: [opts.stateCollection, `${opts.stateCollection}_lock`],
  });
  return withoutRebuildLeftovers(read);
}

/**
 * The applied migrations whose files exist, in name order: what a throwaway replay applies (up to
 * the last of them, so every migration named before that one too, as the runner would). A `down`
 * that failed part-way counts as applied, as it does for the runner. Warns about what makes the
 * replay differ from history: files gone or edited since they ran, failed migrations, and
 * pending ones named before the last applied.
 */
export function appliedToReplay(rows: readonly StateRow[], migrations: readonly Migration[], logger: Logger): string[] {
  const files = new Map(migrations.map((m) => [m.name, m]));
  const names = rows
    .filter((r) => isExecuted(r) && files.has(r.name))
    .map((r) => r.name)
    .sort();
  const last = names.at(-1);
  // Named before the last applied one: the replay applies it, whatever the state says.
  const replayed = (name: string) => last !== undefined && name < last;
  for (const r of rows) {
    const file = files.get(r.name);
    if (!file)
      logger.warn(
        `${r.name} is ${r.status === 'failed' ? 'recorded as failed' : 'applied'} but its file is missing: the expected schema leaves it out`,
      );
    else if (r.status === 'failed' && r.details.direction === 'down')
      logger.warn(`${r.name}'s down failed part-way: the expected schema includes it as applied`);
    else if (r.status === 'failed') {
      logger.warn(
        `${r.name} failed part-way: ${replayed(r.name) ? 'it is named before applied ones, so the expected schema includes all of it' : 'the expected schema leaves it out'}`,
      );
    } else if (file.checksum !== r.checksum) {
      logger.warn(`${r.name} was edited after it was applied: the expected schema follows the file as it is now`);
    }
  }
  const recorded = new Set(rows.map((r) => r.name));
  for (const m of migrations) {
    if (replayed(m.name) && !recorded.has(m.name))
      logger.warn(`${m.name} is pending but named before applied ones: the expected schema includes it`);
  }
  return names;
}
