/**
 * A project as the CLI sees it: the config loaded, Milvus connected (an Embedded Milvus started
 * first when the config asks for one), a migrator over the state collection holding the run lock.
 * The CLI's commands and scripts using the API go through the same functions here.
 */
import * as path from 'node:path';
import { EMBEDDED_IMPORT_SUBDIR } from './config/defaults.js';
import { loadConfig, type LoadConfigOptions, type ResolvedConfig } from './config/load.js';
import { silentLogger, type Logger } from './logger.js';
import { Milvus, type ConnectionSettings } from './milvus/client.js';
import { EMBEDDED_ROOT_CREDENTIALS, startEmbedded } from './milvus/embedded/index.js';
import type { Migration } from './migrations/model.js';
import { loadedMigrations, migrationsFolder } from './migrations/source.js';
import type { MigrationStatus } from './runner/history.js';
import { Migrator, type DownOptions, type MarkResult, type UpOptions } from './runner/migrator.js';
import type { RunResult } from './runner/results.js';
import { MilvusLock, type LockHolder } from './state/lock.js';
import { MilvusStateStore } from './state/milvus-store.js';

/** A connection to the project's Milvus; `close` also stops an Embedded Milvus started for it. */
export interface ProjectConnection {
  readonly milvus: Milvus;
  close(): Promise<void>;
}

/** Options of {@link createMigrator} and {@link createLock}. */
export interface MigratorSettings {
  readonly logger?: Logger | undefined;
  /** Run steps that delete data (`--allow-destructive`); `allowDestructive: true` in the config also allows them. */
  readonly allowDestructive?: boolean | undefined;
  /** Seconds to wait for another run's lock (`--lock-timeout`); beats the config's `lockTimeout`. */
  readonly lockTimeoutSeconds?: number | undefined;
  /** What the lock says is holding it, e.g. `milvus-migrate up` (never put arguments with secrets here). */
  readonly command?: string | undefined;
  /** Back up every destructive step that can be (`--backup`); `backup: true` in the config does too. */
  readonly backup?: boolean | undefined;
  /** The config's migrations, loaded already (validated before connecting); default: read from its folder. */
  readonly migrations?: readonly Migration[] | undefined;
}

/** Where a config's Milvus is, once it runs: its address and credentials, and how to stop it if it was started for us. */
export interface ProjectServer {
  readonly connection: Omit<ConnectionSettings, 'database'>;
  /** Stops an Embedded Milvus started for the config; absent for a server of the user's. */
  readonly stop?: (() => Promise<void>) | undefined;
}

/**
 * The server of a loaded config: its address, or an Embedded Milvus started (or one already
 * running for the same data folder reused) when the config says `embedded: true`. Connects to
 * nothing itself: a fan-out opens one connection per target database on the same server.
 */
export async function startProjectServer(config: ResolvedConfig, opts: { logger?: Logger | undefined } = {}): Promise<ProjectServer> {
  // TLS, timeouts and the retry window come along as they are; only address and credentials change for an embedded server.
  const { token, username } = config.connection;
  if (!config.embedded) return { connection: config.connection };
  const server = await startEmbedded({
    dataDir: config.embedded.dataDir,
    ...(config.embedded.port !== undefined ? { port: config.embedded.port } : {}),
    ...(config.embedded.authorization ? { authorization: true } : {}),
    logger: opts.logger ?? silentLogger,
  });
  // Without credentials of the user's, a server started with authorization on is reached as its root.
  const credentials = config.embedded.authorization && !token && !username ? { ...EMBEDDED_ROOT_CREDENTIALS } : {};
  // It reads import files by their local path; its own storage folder is `<dataDir>/data`.
  const importDir = config.connection.importDir ?? path.join(config.embedded.dataDir, 'data', EMBEDDED_IMPORT_SUBDIR);
  return { connection: { ...config.connection, address: server.address, ...credentials, importDir }, stop: () => server.stop() };
}

/**
 * Connects to the Milvus of a loaded config. When the config says `embedded: true`, an Embedded
 * Milvus is started first (or one already running for the same data folder is reused) and
 * stopped again by `close`, also when connecting fails.
 *
 * @throws {ConnectionError} (exit 5) when Milvus cannot be reached or refuses the credentials.
 */
export async function connectProject(config: ResolvedConfig, opts: { logger?: Logger | undefined } = {}): Promise<ProjectConnection> {
  const logger = opts.logger ?? silentLogger;
  const { connection, stop } = await startProjectServer(config, { logger });
  let milvus: Milvus;
  try {
    milvus = await Milvus.connect({ ...connection, database: config.database }, logger);
  } catch (err) {
    await stop?.();
    throw err;
  }
  return {
    milvus,
    async close() {
      try {
        await milvus.close();
      } finally {
        await stop?.();
      }
    },
  };
}

/** The run lock of the configured database (`<stateCollection>_lock`). */
export function createLock(config: ResolvedConfig, milvus: Milvus, opts: MigratorSettings = {}): MilvusLock {
  const seconds = opts.lockTimeoutSeconds ?? config.lockTimeout;
  return new MilvusLock(milvus, config.stateCollection, config.database, {
    ...(seconds !== undefined ? { timeoutMs: seconds * 1000 } : {}),
    ...(config.lockStaleAfter !== undefined ? { staleAfterMs: config.lockStaleAfter * 1000 } : {}),
    ...(opts.command !== undefined ? { command: opts.command } : {}),
    logger: opts.logger ?? silentLogger,
  });
}

/** A migrator over the config's migrations folder and state collection, holding the run lock while it changes Milvus. */
export function createMigrator(config: ResolvedConfig, milvus: Milvus, opts: MigratorSettings = {}): Migrator {
  return new Migrator({
    milvus,
    store: new MilvusStateStore(milvus, config.stateCollection, config.database),
    migrations: opts.migrations ? loadedMigrations(config.migrationsDir, opts.migrations) : migrationsFolder(config.migrationsDir),
    logger: opts.logger ?? silentLogger,
    allowDestructive: Boolean(opts.allowDestructive) || config.allowDestructive,
    lock: createLock(config, milvus, opts),
    backup: { dir: config.backupDir, byDefault: Boolean(opts.backup) || config.backup },
  });
}

/** Options of {@link openProject}: where the config is, which environment, what beats it. */
export interface OpenProjectOptions extends LoadConfigOptions, MigratorSettings {}

/** An open project: what the CLI's commands do, as methods. Call {@link Project.close} when done. */
export interface Project {
  /** The settings in use, every layer applied (secrets included: do not print it). */
  readonly config: ResolvedConfig;
  /** The connection, for calls of your own (`project.milvus.client` is the SDK's `MilvusClient`). */
  readonly milvus: Milvus;
  readonly migrator: Migrator;
  /** Every migration: applied | pending | failed | changed | missing (`milvus-migrate status`). */
  status(): Promise<MigrationStatus[]>;
  /** What `up` would run, with live facts; changes nothing (`milvus-migrate plan`). */
  plan(opts?: Omit<UpOptions, 'dryRun'>): Promise<RunResult>;
  /** Applies pending migrations (`milvus-migrate up`). Never rejects: any failure is the result's `error`. */
  up(opts?: UpOptions): Promise<RunResult>;
  /** Reverts the last applied migration, or more (`milvus-migrate down`). */
  down(opts?: DownOptions): Promise<RunResult>;
  /** Records a migration as applied without running it, or as pending (`milvus-migrate mark`). */
  mark(name: string, status: 'applied' | 'pending'): Promise<MarkResult>;
  /** Releases a lock left by a dead run (`milvus-migrate unlock`); resolves with who held it. */
  unlock(): Promise<LockHolder | undefined>;
  /** Closes the connection and stops an Embedded Milvus started for the project. */
  close(): Promise<void>;
}

/**
 * Opens a project as the CLI does: finds and loads `milvus.config.yaml` (or `configPath`),
 * applies `env` and `overrides` (`MILVUS_*` variables in between), starts an Embedded Milvus when
 * the config asks for one, connects, and returns a {@link Project}.
 *
 * @example
 * ```ts
 * const project = await openProject({ env: 'production', logger: console });
 * try {
 *   const result = await project.up();
 *   if (result.error) throw result.error;
 * } finally {
 *   await project.close();
 * }
 * ```
 * @throws {InvalidInputError} for an invalid config; {@link ConnectionError} when Milvus cannot be reached.
 */
export async function openProject(opts: OpenProjectOptions = {}): Promise<Project> {
  const config = await loadConfig(opts);
  const { milvus, close } = await connectProject(config, opts);
  const migrator = createMigrator(config, milvus, { command: 'milvus-migrate (API)', ...opts });
  return {
    config,
    milvus,
    migrator,
    status: () => migrator.status(),
    plan: (o = {}) => migrator.up({ ...o, dryRun: true }),
    up: (o) => migrator.up(o),
    down: (o) => migrator.down(o),
    mark: (name, status) => migrator.mark(name, status),
    unlock: () => createLock(config, milvus, opts).forceRelease(),
    close,
  };
}
