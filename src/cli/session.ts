import type { LoadConfigOptions, ResolvedConfig } from '../config/load.js';
import { InvalidInputError } from '../errors.js';
import type { Milvus } from '../milvus/client.js';
import type { Migration } from '../migrations/model.js';
import type { Migrator } from '../runner/migrator.js';
import type { MilvusLock } from '../state/lock.js';
import type { Output } from './output.js';
import { commandOf } from './command-word.js';

/** Global options every command accepts. */
export interface GlobalArgs {
  readonly config?: string | undefined;
  readonly env?: string | undefined;
  readonly address?: string | undefined;
  readonly token?: string | undefined;
  readonly database?: string | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
}

/** How the CLI flags load the config (a fan-out loads its environment targets the same way). */
export function loadOptions(args: GlobalArgs, extra: { allowDestructive?: boolean | undefined } = {}): LoadConfigOptions {
  return {
    ...(args.config ? { configPath: args.config } : {}),
    ...(args.env ? { env: args.env } : {}),
    overrides: {
      ...(args.address ? { address: args.address } : {}),
      ...(args.token ? { token: args.token } : {}),
      ...(args.database ? { database: args.database } : {}),
      ...(extra.allowDestructive ? { allowDestructive: true } : {}),
    },
  };
}

/** Loads the config with CLI flags on top, and registers its secrets for scrubbing. */
export async function loadSettings(args: GlobalArgs, out: Output, extra: { allowDestructive?: boolean } = {}): Promise<ResolvedConfig> {
  const { loadConfig } = await import('../config/load.js');
  const cfg = await loadConfig(loadOptions(args, extra));
  out.addSecrets(cfg.secrets);
  return cfg;
}

/**
 * Connects to Milvus for one command (starting an Embedded Milvus first when the config asks for
 * one), runs `fn`, then closes the connection and stops the server, also when `fn` throws.
 * The same path as the API's `openProject` (`src/project.ts`).
 */
export async function withMilvus<T>(cfg: ResolvedConfig, out: Output, fn: (milvus: Milvus) => Promise<T>): Promise<T> {
  const { connectProject } = await import('../project.js');
  const { milvus, close } = await connectProject(cfg, { logger: out.logger() });
  try {
    return await fn(milvus);
  } finally {
    await close();
  }
}

/** Only the command name: the arguments may hold a token. */
export const lockCommand = () => `milvus-migrate ${commandOf(process.argv.slice(2)) ?? ''}`.trim();

/** The run lock of the configured database; `--lock-timeout` (seconds) beats the config's `lockTimeout`. */
export async function createLock(cfg: ResolvedConfig, milvus: Milvus, out: Output, lockTimeout?: number): Promise<MilvusLock> {
  const { createLock } = await import('../project.js');
  return createLock(cfg, milvus, { lockTimeoutSeconds: lockTimeout, command: lockCommand(), logger: out.logger() });
}

/** A migrator over the state collection of the configured database, holding the run lock while it changes Milvus. */
export async function createMigrator(
  cfg: ResolvedConfig,
  milvus: Milvus,
  out: Output,
  allowDestructive: boolean,
  opts: { lockTimeout?: number | undefined; backup?: boolean | undefined; migrations?: readonly Migration[] | undefined } = {},
): Promise<Migrator> {
  const { createMigrator } = await import('../project.js');
  return createMigrator(cfg, milvus, {
    allowDestructive,
    lockTimeoutSeconds: opts.lockTimeout,
    command: lockCommand(),
    logger: out.logger(),
    backup: opts.backup,
    migrations: opts.migrations,
  });
}

/** `--lock-timeout` must be a number of seconds, 0 or more. */
export function parseSeconds(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidInputError(`${flag} must be a number of seconds (0 or more), got ${JSON.stringify(value)}`);
  return n;
}

/** `--step N` must be a positive integer. */
export function parseStep(step: unknown): number | undefined {
  if (step === undefined) return undefined;
  const n = Number(step);
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`--step must be a positive whole number, got ${JSON.stringify(step)}`);
  return n;
}
