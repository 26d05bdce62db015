import { dirname, resolve } from 'node:path';
import type { BackupSettings } from '../backup/format.js';
import { DEFAULT_BACKUP_DIR } from '../config/defaults.js';
import { DestructiveRefusedError, InvalidInputError, MigrateError, MilvusCallError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { loadMigrations } from '../migrations/load.js';
import type { Migration } from '../migrations/model.js';
import type { RunLock } from '../state/lock.js';
import type { StateRow, StateStore } from '../state/store.js';
import { UmzugStateStorage, isExecuted } from '../state/umzug-storage.js';
import { StateWriter } from '../state/writer.js';
import { TOOL_VERSION } from '../version.js';
import { cachingReads } from '../milvus/read-cache.js';
import { executeMigration } from './execute.js';
import { definitionOf, plannedOutcomes, preflight, resolveBody, withBackupByDefault, type PlannedMigration } from './plan.js';
import type { Direction, MigrationResult, RunResult } from './results.js';
import { importModule } from '../util/dynamic-import.js';

/**
 * umzug is loaded only by runs that change Milvus (`status` and `plan` never need it); it costs
 * ~100 ms of CPU (mostly its own CLI framework), started early so it overlaps the lock and the
 * state read, which mostly wait on the server.
 */
let umzugModule: Promise<typeof import('umzug')> | undefined;
const loadUmzug = () => (umzugModule ??= importModule<typeof import('umzug')>('umzug'));

/** What a {@link Migrator} works on: the connection, the state store, the migrations folder. */
export interface MigratorOptions {
  readonly milvus: Milvus;
  readonly store: StateStore;
  /** Absolute path of the migrations folder. */
  readonly migrationsDir: string;
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

/** A migration's state, as `status` shows it: files and state rows joined. */
export type MigrationState = 'applied' | 'pending' | 'failed' | 'changed' | 'missing';

/** One line of `status`. */
export interface MigrationStatus {
  readonly name: string;
  readonly status: MigrationState;
  readonly description?: string | undefined;
  /** The state row, when the migration was ever run. */
  readonly recorded?: StateRow | undefined;
}

/**
 * Plans and runs migrations with umzug, keeping state in a {@link StateStore}.
 * Never prints and never exits: results come back as {@link RunResult}.
 */
export class Migrator {
  readonly #opts: MigratorOptions;
  readonly #logger: Logger;

  constructor(opts: MigratorOptions) {
    this.#opts = opts;
    this.#logger = opts.logger ?? silentLogger;
  }

  /** Every migration known from files or state, in name order, with its state. */
  async status(): Promise<MigrationStatus[]> {
    const migrations = await loadMigrations(this.#opts.migrationsDir);
    const rows = await this.#readState();
    return statusOf(migrations, rows);
  }

  /** Applies pending migrations (resuming a failed one at its failed step). */
  async up(opts: UpOptions = {}): Promise<RunResult> {
    if (!opts.dryRun) loadUmzug().catch(() => {});
    const migrations = await loadMigrations(this.#opts.migrationsDir);
    return this.#locked(!opts.dryRun, () => this.#up(migrations, opts));
  }

  async #up(migrations: Migration[], opts: UpOptions): Promise<RunResult> {
    const rows = await this.#readState();
    this.#checkHistory(migrations, rows, opts);
    const pending = migrations.filter((m) => !rows.get(m.name) || rows.get(m.name)!.status !== 'applied');
    let selected = pending;
    if (opts.to !== undefined) {
      const idx = pending.findIndex((m) => m.name === opts.to);
      if (idx < 0) {
        const known = migrations.some((m) => m.name === opts.to);
        throw new InvalidInputError(
          known ? `--to ${opts.to}: that migration is already applied` : `--to ${opts.to}: no migration of that name in ${this.#opts.migrationsDir}`,
        );
      }
      selected = pending.slice(0, idx + 1);
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

  /** Reverts applied migrations, newest first, with their `down` or the inverse of their `up`. */
  async down(opts: DownOptions = {}): Promise<RunResult> {
    if (!opts.dryRun) loadUmzug().catch(() => {});
    const migrations = await loadMigrations(this.#opts.migrationsDir);
    return this.#locked(!opts.dryRun, () => this.#down(migrations, opts));
  }

  async #down(migrations: Migration[], opts: DownOptions): Promise<RunResult> {
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

    const problems: { file: string; message: string }[] = [];
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
      if (m.down) {
        // An explicit `down:` wins over the restore a backed-up drop would derive: say where the rows are.
        for (const record of Object.values(row.details.records ?? {})) {
          const backup = (record as { backup?: { path?: string } }).backup;
          if (backup?.path) {
            this.#logger.warn(`${m.name} has its own down:, so it does not restore the backup its up took (${backup.path}); remove the down: to restore it`);
          }
        }
      }
      const resumeFrom = row.details.direction === 'down' ? row.steps_done : 0;
      plan.push({ migration: m, direction: 'down', ...resolved, resumeFrom, row });
    }
    if (problems.length) throw new InvalidInputError('Cannot revert; nothing was changed', problems);
    return this.#run('down', plan, rows, opts.dryRun ?? false);
  }

  /**
   * Applied files must be unchanged (their checksum is what ran), and pending ones must sort after
   * every applied one; otherwise environments would silently diverge.
   */
  #checkHistory(migrations: readonly Migration[], rows: ReadonlyMap<string, StateRow>, opts: UpOptions): void {
    const statuses = statusOf(migrations, rows);
    const changed = statuses.filter((s) => s.status === 'changed');
    if (changed.length && !opts.allowChanged) {
      throw new InvalidInputError(
        `${changed.length} applied migration${changed.length === 1 ? ' was' : 's were'} edited after running (checksum mismatch); nothing was run`,
        changed.map((s) => ({ file: migrations.find((m) => m.name === s.name)!.path, message: `changed since it was applied at ${s.recorded?.applied_at}` })),
        { hint: 'Restore the file and put the new change in a new migration, or pass --allow-changed to go on anyway.' },
      );
    }
    for (const s of statuses.filter((x) => x.status === 'missing')) {
      this.#logger.warn(`${s.name} is recorded as applied but its file is missing from ${this.#opts.migrationsDir}`);
    }
    const lastApplied = statuses.filter((s) => s.status === 'applied' || s.status === 'changed').at(-1)?.name;
    const early = lastApplied ? statuses.filter((s) => s.status === 'pending' && s.name < lastApplied) : [];
    if (early.length && !opts.allowOutOfOrder) {
      throw new InvalidInputError(
        `${early.length} pending migration${early.length === 1 ? ' sorts' : 's sort'} before the last applied one (${lastApplied}); nothing was run`,
        early.map((s) => ({ file: migrations.find((m) => m.name === s.name)!.path, message: 'pending, but named before an applied migration' })),
        { hint: 'Rename it to sort after the applied ones, or pass --allow-out-of-order to run it anyway.' },
      );
    }
  }

  /** Runs `fn` holding the lock when one is configured and the run changes Milvus; state is read after acquiring it. */
  async #locked<T>(changes: boolean, fn: () => Promise<T>): Promise<T> {
    const lock = changes ? this.#opts.lock : undefined;
    if (!lock) return fn();
    await lock.acquire();
    try {
      return await fn();
    } finally {
      await lock.release();
    }
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
      dir: this.#opts.backup?.dir ?? resolve(dirname(this.#opts.migrationsDir), DEFAULT_BACKUP_DIR),
      byDefault: this.#opts.backup?.byDefault ?? false,
    };
    // Milvus as it is now, read once for the preflight and a dry run's facts alike.
    const reads = cachingReads(milvus);
    await preflight(milvus, plan, { backupDir: backup.dir, reads });
    const destructive = plan.flatMap((p, i) =>
      results[i]!.steps.filter((s) => s.destructive && s.status === 'planned').map((s) => ({ migration: p.migration.name, index: s.index, step: s.step, summary: s.summary })),
    );
    if (dryRun) {
      await this.#addFacts(plan, results, reads);
      return run;
    }
    if (destructive.length && !this.#opts.allowDestructive) throw new DestructiveRefusedError(destructive, direction);

    const { Umzug, MigrationError } = await loadUmzug();
    await store.ensure();
    const writer = new StateWriter(store);
    const finals = new Map<string, { row: StateRow; deferrable: boolean }>();
    const storage = new UmzugStateStorage(writer, rows, (name) => finals.get(name)!);
    const ctx = {
      milvus,
      store: writer,
      logger: this.#logger,
      allowDestructive: this.#opts.allowDestructive ?? false,
      toolVersion: this.#opts.toolVersion ?? TOOL_VERSION,
      lock: this.#opts.lock,
      backup,
    };
    const umzug = new Umzug({
      migrations: plan.map((p, i) => {
        const exec = () => executeMigration(ctx, p, results[i]!, (row, deferrable) => finals.set(p.migration.name, { row, deferrable }));
        return { name: p.migration.name, path: p.migration.path, up: exec, down: exec };
      }),
      storage,
      logger: undefined,
    });
    umzug.on(direction === 'up' ? 'migrating' : 'reverting', ({ name }) => this.#logger.info(`${direction === 'up' ? 'Applying' : 'Reverting'} ${name}`));
    umzug.on(direction === 'up' ? 'migrated' : 'reverted', ({ name }) => {
      const r = results.find((x) => x.name === name)!;
      r.status = 'success';
      this.#logger.info(`${direction === 'up' ? 'Applied' : 'Reverted'} ${name} in ${r.durationMs ?? 0} ms`);
    });
    const names = plan.map((p) => p.migration.name);
    try {
      if (direction === 'up') await umzug.up({ migrations: names });
      else await umzug.down({ migrations: names });
    } catch (err) {
      const cause = err instanceof MigrationError ? (err.cause as unknown) : err;
      const failed = results.find((r) => r.error) ?? results.find((r) => r.status === 'not-executed');
      if (failed) {
        failed.status = 'error';
        failed.error ??= { message: errorMessage(cause) };
      }
      run.error = cause instanceof MigrateError ? cause : new MilvusCallError(direction, errorMessage(cause), undefined, { cause });
      for (const r of results) for (const step of r.steps) if (step.status === 'planned') step.status = 'not-run';
    }
    // Final rows the writer kept back are written whatever happened.
    await writer.flush().catch((err: unknown) => {
      run.error ??= err instanceof MigrateError ? err : new MilvusCallError('state', `could not record applied migrations: ${errorMessage(err)}`, undefined, { cause: err });
    });
    return run;
  }

  /**
   * Read-only facts for a dry run, per step. Facts describe Milvus as it is now: a step acting on a
   * collection that an earlier step of the plan creates says so instead of "does not exist".
   * `reads` are the preflight's cached reads: steps ask the same questions (is it loaded, does it
   * exist), and each is asked once.
   */
  async #addFacts(plan: PlannedMigration[], results: MigrationResult[], reads: Milvus): Promise<void> {
    const createdByPlan = new Set<string>();
    for (const [i, p] of plan.entries()) {
      for (const outcome of results[i]!.steps) {
        if (outcome.status !== 'planned') continue;
        const call = p.steps![outcome.index]!;
        const target = call.params as { collection_name?: string; db_name?: string };
        const key = target.collection_name ? `${target.db_name ?? ''}.${target.collection_name}` : undefined;
        if (key && createdByPlan.has(key)) {
          outcome.facts = ['its collection is created by an earlier step of this plan'];
          continue;
        }
        const facts = await definitionOf(call).facts?.(reads, call.params);
        if (facts?.length) outcome.facts = [...facts];
        if (call.step === 'createCollection' && key && !facts?.length) createdByPlan.add(key);
      }
    }
  }
}

/** Joins files and state rows into statuses (pure, exported for unit tests). */
export function statusOf(migrations: readonly Migration[], rows: ReadonlyMap<string, StateRow>): MigrationStatus[] {
  const out: MigrationStatus[] = migrations.map((m) => {
    const row = rows.get(m.name);
    const status: MigrationState = !row ? 'pending' : row.status === 'failed' ? 'failed' : row.checksum !== m.checksum ? 'changed' : 'applied';
    return { name: m.name, status, description: m.description, recorded: row };
  });
  const files = new Set(migrations.map((m) => m.name));
  for (const row of rows.values()) if (!files.has(row.name)) out.push({ name: row.name, status: 'missing', recorded: row });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
