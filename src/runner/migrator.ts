import { dirname, resolve } from 'node:path';
import type { BackupSettings } from '../backup/format.js';
import { DEFAULT_BACKUP_DIR } from '../config/defaults.js';
import {
  DestructiveRefusedError,
  InvalidInputError,
  IrreversibleError,
  MigrateError,
  MilvusCallError,
  errorMessage,
  type Problem,
} from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { cachingReads } from '../milvus/read-cache.js';
import type { Migration } from '../migrations/model.js';
import { migrationsFolder, type MigrationSource } from '../migrations/source.js';
import type { RunLock } from '../state/lock.js';
import { isExecuted, type StateRow, type StateStore } from '../state/store.js';
import { StateWriter } from '../state/writer.js';
import { TOOL_VERSION } from '../version.js';
import { executeMigration } from './execute.js';
import { checkHistory, statusOf, type MigrationStatus } from './history.js';
import { addFacts, plannedOutcomes, resolveBody, withBackupByDefault, type PlannedMigration } from './plan.js';
import { preflight } from './preflight.js';
import { markedRow } from './record.js';
import type { Direction, MigrationResult, RunResult } from './results.js';
import { loadUmzug, runInOrder } from './umzug.js';

/**
 * What a {@link Migrator} works on: the connection, the state store, and the migrations, given as
 * a {@link MigrationSource} (`migrations`) or as a folder (`migrationsDir`, read on every call).
 */
export interface MigratorOptions {
  readonly milvus: Milvus;
  readonly store: StateStore;
  /** Where the migrations come from; beats `migrationsDir`. */
  readonly migrations?: MigrationSource | undefined;
  /** Absolute path of the migrations folder: shorthand for `migrations: migrationsFolder(dir)`. */
  readonly migrationsDir?: string | undefined;
  readonly logger?: Logger;
  /** Run destructive steps (`--allow-destructive`). */
  readonly allowDestructive?: boolean;
  readonly toolVersion?: string;
  /** Held while `up`/`down` change Milvus (not for dry runs or status). */
  readonly lock?: RunLock | undefined;
  /**
   * Backups of destructive steps: the folder (default {@link DEFAULT_BACKUP_DIR} beside the
   * migrations folder) and whether every such step takes one (`--backup`), not only `backup: true` ones.
   */
  readonly backup?: { readonly dir?: string | undefined; readonly byDefault?: boolean | undefined } | undefined;
}

/** Options of `up`: `to` a migration name (inclusive) or `step` migrations at most. */
export interface UpOptions {
  readonly to?: string | undefined;
  readonly step?: number | undefined;
  readonly dryRun?: boolean | undefined;
  /** Go on although applied migrations were edited since they ran (`--allow-changed`). */
  readonly allowChanged?: boolean | undefined;
  /** Run pending migrations that sort before an applied one (`--allow-out-of-order`). */
  readonly allowOutOfOrder?: boolean | undefined;
}

/** Options of `down`: default reverts the last applied migration; `to: 0` reverts all. */
export interface DownOptions {
  readonly to?: string | 0 | undefined;
  readonly step?: number | undefined;
  readonly dryRun?: boolean | undefined;
}

/** What {@link Migrator.mark} did: the migration now recorded as `status`, or the error that stopped it. */
export interface MarkResult {
  readonly name: string;
  readonly status: 'applied' | 'pending';
  /** Set when nothing was changed; its kind gives the exit code. */
  readonly error?: MigrateError | undefined;
}

/**
 * Plans and runs migrations with umzug, keeping state in a {@link StateStore}.
 * Never prints and never exits: results come back as {@link RunResult}.
 */
export class Migrator {
  readonly #opts: MigratorOptions;
  readonly #logger: Logger;
  readonly #source: MigrationSource;

  constructor(opts: MigratorOptions) {
    const source = opts.migrations ?? (opts.migrationsDir !== undefined ? migrationsFolder(opts.migrationsDir) : undefined);
    if (!source) throw new TypeError('Migrator needs `migrations` (a MigrationSource) or `migrationsDir`');
    this.#opts = opts;
    this.#logger = opts.logger ?? silentLogger;
    this.#source = source;
  }

  /** The migrations folder (of the source). */
  get migrationsDir(): string {
    return this.#source.dir;
  }

  /**
   * Every migration known from files or state, in name order, with its state.
   * @throws {InvalidInputError} for invalid files; {@link ConnectionError} when the state cannot be read.
   */
  async status(): Promise<MigrationStatus[]> {
    const migrations = await this.#source.load();
    const rows = await this.#readState();
    return statusOf(migrations, rows);
  }

  /**
   * Applies pending migrations (resuming a failed one at its failed step).
   *
   * Never throws (Kysely's `migrateToLatest()`): every failure comes back as the result's
   * `error`, whether met before the first change (invalid files, an edited or out-of-order
   * history, an unknown `--to`, the preflight, destructive steps refused, the lock not had in
   * time: `results` then lists what was planned, or is empty when no plan was made) or while
   * running (the failed migration's result says which step and why).
   */
  up(opts: UpOptions = {}): Promise<RunResult> {
    if (!opts.dryRun) loadUmzug().catch(() => {});
    return this.#settled('up', opts.dryRun, async () => {
      const migrations = await this.#source.load();
      return this.#locked('up', opts.dryRun, () => this.#up(migrations, opts));
    });
  }

  async #up(migrations: readonly Migration[], opts: UpOptions): Promise<RunResult> {
    const rows = await this.#readState();
    checkHistory(migrations, rows, opts, this.#source.dir, this.#logger);
    const pending = migrations.filter((m) => !rows.get(m.name) || rows.get(m.name)!.status !== 'applied');
    let selected = pending;
    if (opts.to !== undefined) {
      const to = opts.to;
      if (!migrations.some((m) => m.name === to))
        throw new InvalidInputError(`--to ${to}: no migration of that name in ${this.#source.dir}`);
      // Up to and including NAME; none once NAME is applied, so a deploy pinned to it can run again.
      selected = pending.filter((m) => m.name <= to);
    }
    if (opts.step !== undefined) selected = selected.slice(0, opts.step);
    const plan = selected.map((m): PlannedMigration => {
      const row = rows.get(m.name);
      const resolved = resolveBody(m, 'up', row);
      if ('irreversible' in resolved) throw new Error('unreachable: up is always resolvable');
      // Resume only a run of the same file; an edited file starts over.
      const resumeFrom = row && row.details.direction === 'up' && row.checksum === m.checksum ? row.steps_done : 0;
      return { migration: m, direction: 'up', ...resolved, resumeFrom, row };
    });
    return this.#run('up', plan, rows, opts.dryRun ?? false);
  }

  /**
   * Reverts applied migrations, newest first, with their `down` or the inverse of their `up`.
   * Never throws, as {@link up}; a migration that cannot be reverted is an {@link IrreversibleError}.
   */
  down(opts: DownOptions = {}): Promise<RunResult> {
    if (!opts.dryRun) loadUmzug().catch(() => {});
    return this.#settled('down', opts.dryRun, async () => {
      const migrations = await this.#source.load();
      return this.#locked('down', opts.dryRun, () => this.#down(migrations, opts));
    });
  }

  async #down(migrations: readonly Migration[], opts: DownOptions): Promise<RunResult> {
    const rows = await this.#readState();
    const byName = new Map(migrations.map((m) => [m.name, m]));
    const applied = [...rows.values()].filter(isExecuted).sort((a, b) => (a.name < b.name ? 1 : -1));
    let selected: StateRow[];
    if (opts.to === 0) selected = applied;
    else if (opts.to !== undefined) {
      const idx = applied.findIndex((r) => r.name === opts.to);
      if (idx < 0) throw new InvalidInputError(`--to ${opts.to}: no applied migration of that name`);
      selected = applied.slice(0, idx + 1);
    } else selected = applied.slice(0, opts.step ?? 1);
    if (opts.step !== undefined) selected = selected.slice(0, opts.step);

    const problems: Problem[] = [];
    const plan: PlannedMigration[] = [];
    for (const row of selected) {
      const m = byName.get(row.name);
      if (!m) {
        problems.push({ file: row.name, message: 'is applied but its file is missing, so it cannot be reverted' });
        continue;
      }
      const resolved = resolveBody(m, 'down', row);
      if ('irreversible' in resolved) {
        problems.push({ file: m.path, message: `is irreversible: ${resolved.irreversible}; give it a \`down:\` to revert it` });
        continue;
      }
      if (m.down) this.#warnBackupNotRestored(m, row);
      const resumeFrom = row.details.direction === 'down' ? row.steps_done : 0;
      plan.push({ migration: m, direction: 'down', ...resolved, resumeFrom, row });
    }
    if (problems.length) throw new IrreversibleError(problems);
    return this.#run('down', plan, rows, opts.dryRun ?? false);
  }

  /** An explicit `down:` wins over the restore a backed-up drop would derive: say where the rows are. */
  #warnBackupNotRestored(m: Migration, row: StateRow): void {
    for (const record of Object.values(row.details.records ?? {})) {
      const backup = (record as { backup?: { path?: string } }).backup;
      if (backup?.path) {
        this.#logger.warn(
          `${m.name} has its own down:, so it does not restore the backup its up took (${backup.path}); remove the down: to restore it`,
        );
      }
    }
  }

  /**
   * Records `name` as applied (without running any step: to adopt a database whose schema was made
   * by hand, or after repairing one) or as pending (its state row removed), holding the lock.
   * Never throws: a failure comes back as the result's `error`, and then nothing was changed.
   */
  async mark(name: string, status: 'applied' | 'pending'): Promise<MarkResult> {
    try {
      const migrations = await this.#source.load();
      const m = migrations.find((x) => x.name === name);
      if (status === 'applied' && !m) throw new InvalidInputError(`no migration named ${name} in ${this.#source.dir}`);
      const { store } = this.#opts;
      await this.#withLock(async () => {
        if (status === 'applied') {
          await store.ensure();
          await store.put(markedRow(m!, this.#opts.toolVersion ?? TOOL_VERSION));
          return;
        }
        const rows = await store.readAll();
        if (!rows.some((r) => r.name === name)) throw new InvalidInputError(`${name} has no state to remove: it is already pending`);
        await store.remove(name);
      });
      return { name, status };
    } catch (err) {
      return { name, status, error: asMigrateError(err) };
    }
  }

  /** `fn`'s run, or a run holding only the error `fn` threw. */
  async #settled(direction: Direction, dryRun: boolean | undefined, fn: () => Promise<RunResult>): Promise<RunResult> {
    try {
      return await fn();
    } catch (err) {
      return { direction, dryRun: dryRun ?? false, results: [], error: asMigrateError(err) };
    }
  }

  /** Runs `fn` holding the lock when one is configured and the run changes Milvus; state is read after acquiring it. */
  async #locked(direction: Direction, dryRun: boolean | undefined, fn: () => Promise<RunResult>): Promise<RunResult> {
    if (dryRun) return fn();
    return this.#withLock(
      () => this.#settled(direction, dryRun, fn),
      (run, err) => {
        run.error ??= asMigrateError(err);
      },
    );
  }

  /** `fn` under the lock, if one is configured; a failed release goes to `onReleaseError` (or is thrown). */
  async #withLock<T>(fn: () => Promise<T>, onReleaseError?: (value: T, err: unknown) => void): Promise<T> {
    const lock = this.#opts.lock;
    if (!lock) return fn();
    await lock.acquire();
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      await lock.release();
      throw err;
    }
    try {
      await lock.release();
    } catch (err) {
      if (!onReleaseError) throw err;
      onReleaseError(value, err);
    }
    return value;
  }

  async #readState(): Promise<Map<string, StateRow>> {
    const rows = await this.#opts.store.readAll();
    return new Map(rows.map((r) => [r.name, r]));
  }

  async #run(direction: Direction, planned: PlannedMigration[], rows: Map<string, StateRow>, dryRun: boolean): Promise<RunResult> {
    const { milvus, store } = this.#opts;
    const plan = this.#opts.backup?.byDefault ? planned.map(withBackupByDefault) : planned;
    const results: MigrationResult[] = plan.map((p) => ({
      name: p.migration.name,
      direction,
      status: 'not-executed',
      description: p.migration.description,
      format: p.migration.format,
      steps: plannedOutcomes(p),
      resumeFrom: p.resumeFrom,
    }));
    const run: RunResult = { direction, dryRun, results };
    if (plan.length === 0) return run;

    const backup: BackupSettings = {
      dir: this.#opts.backup?.dir ?? resolve(dirname(this.#source.dir), DEFAULT_BACKUP_DIR),
      byDefault: this.#opts.backup?.byDefault ?? false,
    };
    try {
      // Milvus as it is now, read once for the preflight and a dry run's facts alike.
      const reads = cachingReads(milvus);
      const hidden = [store.collection, this.#opts.lock?.collection].filter((c) => c !== undefined);
      await preflight(milvus, plan, { backupDir: backup.dir, reads, hidden });
      if (dryRun) {
        await addFacts(plan, results, reads);
        return run;
      }
      const destructive = plan.flatMap((p, i) =>
        results[i]!.steps.filter((s) => s.destructive && s.status === 'planned').map((s) => ({
          migration: p.migration.name,
          index: s.index,
          step: s.step,
          summary: s.summary,
        })),
      );
      if (destructive.length && !this.#opts.allowDestructive) throw new DestructiveRefusedError(destructive, direction);
      await store.ensure();
    } catch (err) {
      run.error = asMigrateError(err);
      return run;
    }

    const writer = new StateWriter(store);
    const ctx = {
      milvus,
      store: writer,
      logger: this.#logger,
      allowDestructive: this.#opts.allowDestructive ?? false,
      toolVersion: this.#opts.toolVersion ?? TOOL_VERSION,
      lock: this.#opts.lock,
      backup,
    };
    try {
      await runInOrder(direction, plan, results, rows, (p, result) => executeMigration(ctx, p, result), this.#logger);
    } catch (cause) {
      run.error = cause instanceof MigrateError ? cause : new MilvusCallError(direction, errorMessage(cause), undefined, { cause });
      for (const r of results) for (const step of r.steps) if (step.status === 'planned') step.status = 'not-run';
    }
    // Final rows the writer kept back are written whatever happened.
    await writer.flush().catch((err: unknown) => {
      run.error ??=
        err instanceof MigrateError
          ? err
          : new MilvusCallError('state', `could not record applied migrations: ${errorMessage(err)}`, undefined, { cause: err });
    });
    return run;
  }
}

/** Anything thrown, as the typed error a result carries (messages kept as they were). */
function asMigrateError(err: unknown): MigrateError {
  return err instanceof MigrateError ? err : new MigrateError('migration-failed', errorMessage(err), { cause: err });
}
