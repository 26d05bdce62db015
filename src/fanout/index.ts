/**
 * One migration set, many databases: the targets resolved before anything runs, then one
 * independent run per target (its own connection, state collection and lock, so each keeps the
 * guarantees of a single run), scheduled by the pool (`--parallel`, `--canary`, the stop policy).
 * Returns a result per target; the CLI renders them.
 */
import { loadConfig, type LoadConfigOptions, type ResolvedConfig } from '../config/load.js';
import type { TargetSpec } from '../config/targets.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import type { Migration } from '../migrations/model.js';
import { createMigrator, type MigratorSettings } from '../project.js';
import type { MigrationStatus } from '../runner/history.js';
import type { DownOptions, UpOptions } from '../runner/migrator.js';
import type { RunResult } from '../runner/results.js';
import { runPool, type PoolHooks, type PoolOptions, type PoolResult, type TargetWork } from './pool.js';
import { Servers } from './servers.js';
import { resolveTargets, type Target } from './targets.js';

export {
  DEFAULT_PARALLEL,
  runPool,
  type NotStartedReason,
  type PoolItem,
  type PoolOptions,
  type PoolResult,
  type TargetWork,
} from './pool.js';
export { describeTarget, parseTargetsFlag, resolveTargets, type Target } from './targets.js';

/** A fan-out's settings: where the base settings came from, which targets, how to schedule them. */
export interface FanOutOptions extends PoolOptions, PoolHooks<Target, unknown> {
  /** The settings of the command (`--config`, `--env`, flags); database targets run with these and their own `database`. */
  readonly base: ResolvedConfig;
  /** How `base` was loaded: environment targets load the same way, with their own `env`. */
  readonly load: LoadConfigOptions;
  readonly targets: readonly TargetSpec[];
  readonly logger?: Logger | undefined;
  /** The logger of one target's run; default: `logger` with `[name] ` before every message. */
  readonly loggerFor?: ((target: Target) => Logger) | undefined;
  /** Read-only commands visit every target: after a failure they go on (there is nothing to protect). */
  readonly readOnly?: boolean | undefined;
}

/** What one target's work gets: its settings, its own connection, its logger. */
export interface TargetContext {
  readonly target: Target;
  readonly milvus: Milvus;
  readonly logger: Logger;
}

/** The result of a fan-out: one entry per target, in the order they were resolved. */
export interface FanOutResult<R> {
  readonly targets: PoolResult<Target, R>[];
}

/**
 * Resolves the targets (every database checked to exist, before anything runs), then runs `work`
 * for each with a connection of its own, closed afterwards. Rejects only when the targets cannot
 * be resolved (invalid input, the base server unreachable); a target's failure is its result.
 */
export async function fanOut<R>(opts: FanOutOptions, work: (ctx: TargetContext) => Promise<TargetWork<R>>): Promise<FanOutResult<R>> {
  const logger = opts.logger ?? silentLogger;
  const servers = new Servers(logger);
  try {
    const items = await resolveTargets(opts.base, opts.targets, {
      databasesOf: (config) => servers.databasesOf(config),
      loadEnvironment: (env) => loadConfig({ ...opts.load, env }),
    });
    const loggerFor = opts.loggerFor ?? ((t: Target) => prefixed(logger, t.name));
    const results = await runPool<Target, R>(
      items,
      async (target) => {
        const log = loggerFor(target);
        const milvus = await servers.connect(target.config, log);
        try {
          return await work({ target, milvus, logger: log });
        } finally {
          await milvus.close();
        }
      },
      {
        parallel: opts.parallel,
        canary: opts.readOnly ? undefined : opts.canary,
        continueOnError: opts.readOnly || opts.continueOnError,
        onStart: opts.onStart,
        onSettled: opts.onSettled,
      },
    );
    return { targets: results };
  } finally {
    await servers.close();
  }
}

/** A logger that puts `[name] ` before every message of one target. */
export function prefixed(logger: Logger, name: string): Logger {
  const p = (m: string) => `[${name}] ${m}`;
  return {
    debug: (m) => logger.debug(p(m)),
    info: (m) => logger.info(p(m)),
    warn: (m) => logger.warn(p(m)),
    ...(logger.progress ? { progress: (m, u) => logger.progress!(p(m), u && { ...u, task: p(u.task) }) } : {}),
  };
}

/** Options of {@link migrateTargets}: a fan-out, the run's direction and options, the migrator's settings. */
export interface MigrateTargetsOptions extends FanOutOptions {
  readonly direction: 'up' | 'down';
  readonly up?: UpOptions | undefined;
  readonly down?: DownOptions | undefined;
  readonly settings?: MigratorSettings | undefined;
}

/**
 * `up` / `down` / `plan` on every target: each an independent {@link Migrator} run over its own
 * state collection, holding its own lock. The migrations are loaded (and validated) once per
 * migrations folder before any target starts: an invalid file refuses the whole fan-out.
 */
export async function migrateTargets(opts: MigrateTargetsOptions): Promise<FanOutResult<RunResult>> {
  const loaded = await migrationsByFolder(opts.base);
  return fanOut<RunResult>(opts, async ({ target, milvus, logger }) => {
    const migrator = createMigrator(target.config, milvus, {
      ...opts.settings,
      logger,
      migrations: await loaded(target.config),
    });
    const run = opts.direction === 'down' ? await migrator.down(opts.down) : await migrator.up(opts.up);
    return { value: run, error: run.error };
  });
}

/** `status` on every target (read-only: every target is visited). */
export async function statusTargets(opts: FanOutOptions): Promise<FanOutResult<MigrationStatus[]>> {
  const loaded = await migrationsByFolder(opts.base);
  return fanOut<MigrationStatus[]>({ ...opts, readOnly: true }, async ({ target, milvus, logger }) => {
    const migrator = createMigrator(target.config, milvus, { logger, migrations: await loaded(target.config) });
    return { value: await migrator.status() };
  });
}

/**
 * The migrations of each target's folder, loaded once per folder. The base folder is loaded
 * before returning, so invalid files fail before anything connects; an environment with a folder
 * of its own loads it when its first target runs.
 */
export async function migrationsByFolder(base: ResolvedConfig): Promise<(config: ResolvedConfig) => Promise<readonly Migration[]>> {
  const { loadMigrations } = await import('../migrations/load.js');
  const cache = new Map<string, Promise<readonly Migration[]>>();
  const of = (config: ResolvedConfig) => {
    let m = cache.get(config.migrationsDir);
    if (!m) cache.set(config.migrationsDir, (m = loadMigrations(config.migrationsDir)));
    return m;
  };
  await of(base);
  return of;
}
