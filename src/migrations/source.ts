import { loadMigrations } from './load.js';
import type { Migration } from './model.js';

/**
 * Where a {@link Migrator} gets its migrations: Kysely's `MigrationProvider`, umzug's `migrations`
 * option. The runner does not decide where migrations come from, so a caller that has loaded
 * (and so validated) them already hands them in, and nothing reads the folder again.
 */
export interface MigrationSource {
  /** The migrations folder: named in messages, and where backups go by default (beside it). */
  readonly dir: string;
  /**
   * Every migration, parsed and validated, in name order.
   * @throws {InvalidInputError} when any file is invalid (every problem listed).
   */
  load(): Promise<readonly Migration[]>;
}

/** The migrations of a folder, read and validated anew on every {@link MigrationSource.load}. */
export function migrationsFolder(dir: string): MigrationSource {
  return { dir, load: () => loadMigrations(dir) };
}

/** Migrations loaded already (e.g. by `verify`, which runs them many times), from `dir`. */
export function loadedMigrations(dir: string, migrations: readonly Migration[]): MigrationSource {
  return { dir, load: async () => migrations };
}
