import { IrreversibleError, MigrateError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { loadMigrations } from '../migrations/load.js';
import type { Migration } from '../migrations/model.js';
import { loadedMigrations } from '../migrations/source.js';
import { Migrator } from '../runner/migrator.js';
import type { RunResult } from '../runner/results.js';
import { compareSchemas, type Difference } from '../schema/compare.js';
import type { DatabaseSchema } from '../schema/model.js';
import { readSchema } from '../schema/read.js';
import { checkConfinedToOneDatabase } from '../migrations/scope.js';
import { MilvusStateStore } from '../state/milvus-store.js';
import type { Throwaway } from './throwaway.js';

/** State collection used inside a throwaway space. */
export const VERIFY_STATE_COLLECTION = 'mm_verify_state';

/** How one migration fared in each pass of `verify`. */
export interface VerifiedMigration {
  readonly name: string;
  up: 'ok' | 'failed' | 'not-run';
  /** `mismatch`: after its down the schema is not what it was before its up. */
  down: 'ok' | 'mismatch' | 'irreversible' | 'failed' | 'not-run';
  /** Applied again after the down pass: `mismatch` when the schema differs from the first up's. */
  reup: 'ok' | 'mismatch' | 'failed' | 'not-run';
  /** What differs, for a `mismatch`. */
  differences: Difference[];
  /** Why a pass failed, or why the migration is irreversible. */
  message?: string;
}

/** What `verify` found: where it ran and, per migration, how its up, down and second up went. */
export interface VerifyResult {
  readonly where: string;
  readonly migrations: VerifiedMigration[];
  /** A pass failed, or a down or re-up did not give back the expected schema. */
  readonly failed: boolean;
  /** Some migration has no down; the down pass stopped there. */
  readonly irreversible: boolean;
  /** The error that stopped a pass (its kind picks the exit code). */
  readonly error?: MigrateError | undefined;
}

export interface VerifyOptions {
  readonly throwaway: Throwaway;
  readonly migrationsDir: string;
  /** The migrations of `migrationsDir`, when the caller has loaded (and so validated) them already. */
  readonly migrations?: readonly Migration[] | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Proves migrations on a throwaway Milvus: applies each one, recording the schema after it; then
 * reverts them one by one, checking after each down that the schema is the one before its up
 * (which names the migration whose down does not undo its up); then applies them again, checking
 * each schema against the first pass. The down pass stops at an irreversible migration (and the
 * re-up starts after it) or at the first mismatch (later checks would only repeat it).
 */
export async function verifyMigrations(opts: VerifyOptions): Promise<VerifyResult> {
  const { throwaway } = opts;
  const logger = opts.logger ?? silentLogger;
  const migrations = opts.migrations ?? (await loadMigrations(opts.migrationsDir));
  if (throwaway.kind === 'database') checkConfinedToOneDatabase(migrations, throwaway.where);
  const { migrator, read } = throwawayRunner(throwaway, opts.migrationsDir, migrations, logger, { allDatabases: true });
  const results: VerifiedMigration[] = migrations.map((m) => ({
    name: m.name,
    up: 'not-run',
    down: 'not-run',
    reup: 'not-run',
    differences: [],
  }));
  const done = (extra: { failed?: boolean; irreversible?: boolean; error?: MigrateError } = {}): VerifyResult => ({
    where: throwaway.where,
    migrations: results,
    failed: extra.failed ?? false,
    irreversible: extra.irreversible ?? false,
    error: extra.error,
  });

  const schemas: DatabaseSchema[] = [await read()];
  for (const r of results) {
    logger.info(`verify: up ${r.name}`);
    const run = await migrator.up({ step: 1 });
    if (run.error) return done({ failed: true, error: failedPass(r, 'up', run) });
    r.up = 'ok';
    schemas.push(await read());
  }

  let lowest = results.length;
  let irreversible = false;
  for (let i = results.length - 1; i >= 0; i--) {
    const r = results[i]!;
    logger.info(`verify: down ${r.name}`);
    const run = await migrator.down();
    if (run.error instanceof IrreversibleError) {
      r.down = 'irreversible';
      r.message = run.error.problems.map((p) => p.message).join('; ');
      irreversible = true;
      break;
    }
    if (run.error) return done({ failed: true, error: failedPass(r, 'down', run) });
    const differences = compareSchemas(schemas[i]!, await read());
    if (differences.length) {
      r.down = 'mismatch';
      r.differences = differences;
      return done({ failed: true, irreversible });
    }
    r.down = 'ok';
    lowest = i;
  }

  for (let i = lowest; i < results.length; i++) {
    const r = results[i]!;
    logger.info(`verify: up again ${r.name}`);
    const run = await migrator.up({ step: 1 });
    if (run.error) return done({ failed: true, irreversible, error: failedPass(r, 'reup', run) });
    const differences = compareSchemas(schemas[i + 1]!, await read());
    if (differences.length) {
      r.reup = 'mismatch';
      r.differences = differences;
      return done({ failed: true, irreversible });
    }
    r.reup = 'ok';
  }
  return done({ irreversible });
}

/**
 * The schema the given applied migrations produce: applies every migration up to the last of
 * `applied` in the throwaway space and reads it. Pending migrations named before that one are
 * applied too (the runner applies in name order); the caller warns about them.
 */
export async function schemaOfApplied(opts: VerifyOptions & { readonly applied: readonly string[] }): Promise<DatabaseSchema> {
  const logger = opts.logger ?? silentLogger;
  const migrations = opts.migrations ?? (await loadMigrations(opts.migrationsDir));
  if (opts.throwaway.kind === 'database') checkConfinedToOneDatabase(migrations, opts.throwaway.where);
  const { migrator, read } = throwawayRunner(opts.throwaway, opts.migrationsDir, migrations, logger, { allDatabases: false });
  const known = new Set(migrations.map((m) => m.name));
  // An applied migration whose file is gone cannot be replayed; `status` shows it as missing.
  const last = opts.applied
    .filter((n) => known.has(n))
    .sort()
    .at(-1);
  if (last !== undefined) {
    const run = await migrator.up({ to: last });
    if (run.error) {
      const failed = run.results.find((r) => r.status === 'error');
      throw new MigrateError(
        run.error.kind,
        `Cannot compute the expected schema: ${failed ? `${failed.name} failed on ${opts.throwaway.where}: ` : ''}${run.error.message}`,
        run.error.hint ? { hint: run.error.hint } : undefined,
      );
    }
  }
  return read();
}

function throwawayRunner(
  throwaway: Throwaway,
  migrationsDir: string,
  migrations: readonly Migration[],
  logger: Logger,
  opts: { allDatabases: boolean },
) {
  const { milvus, database } = throwaway;
  // Destructive steps only ever reach the throwaway space; nobody else runs there, so no lock.
  const migrator = new Migrator({
    milvus,
    store: new MilvusStateStore(milvus, VERIFY_STATE_COLLECTION, database),
    // Loaded once: every pass runs the same files without reading the folder again.
    migrations: loadedMigrations(migrationsDir, migrations),
    logger,
    allowDestructive: true,
  });
  const exclude = [VERIFY_STATE_COLLECTION, `${VERIFY_STATE_COLLECTION}_lock`];
  const read = async (): Promise<DatabaseSchema> => {
    const schema = await readSchema(milvus, { database, exclude });
    // On a server of its own, migrations may also create and change other databases: their
    // collections and aliases are compared too, named `db.collection`.
    if (throwaway.kind === 'database' || !opts.allDatabases) return schema;
    for (const db of (await milvus.call('listDatabases', {})).db_names.filter((d) => d !== database).sort()) {
      const other = await readSchema(milvus, { database: db });
      for (const [name, c] of Object.entries(other.collections)) schema.collections[`${db}.${name}`] = c;
      for (const [alias, target] of Object.entries(other.aliases)) schema.aliases[`${db}.${alias}`] = `${db}.${target}`;
    }
    return schema;
  };
  return { migrator, read };
}

function failedPass(r: VerifiedMigration, pass: 'up' | 'down' | 'reup', run: RunResult): MigrateError {
  r[pass] = 'failed';
  const failed = run.results.find((x) => x.status === 'error');
  r.message = failed?.error?.message ?? errorMessage(run.error);
  return run.error!;
}
