/**
 * Resolving milvus.config.yaml into the settings one command runs with: finding the file, and the
 * precedence of CLI flags, `MILVUS_*` variables, the chosen environment, the top level and
 * defaults. Reading the file itself is `file.ts`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import {
  CONFIG_FILE_NAMES,
  DEFAULT_ADDRESS,
  DEFAULT_BACKUP_DIR,
  DEFAULT_DATABASE,
  DEFAULT_EMBEDDED_DATA_DIR,
  DEFAULT_EMBEDDED_PORT,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_STATE_COLLECTION,
} from './defaults.js';
import { readLayers, type Layers } from './file.js';
import type { Environ } from './interpolate.js';
import { isValidMilvusName, MILVUS_NAME_RULE } from './names.js';
import type { ConfigLayer, TlsLayer } from './schema.js';
import type { TlsSettings } from '../milvus/tls.js';
import type { TargetSpec } from './targets.js';

/** Where settings come from besides the file. All fields are optional. */
export interface LoadConfigOptions {
  /** `--config PATH`, relative to `cwd`. When given, the file must exist (no discovery). */
  readonly configPath?: string;
  /** Directory discovery starts from; default `process.cwd()`. */
  readonly cwd?: string;
  /** `--env NAME`: picks `environments.NAME`, which overrides the top level key by key. */
  readonly env?: string;
  /**
   * CLI flags; they beat everything. Pass only flags the user gave: `allowDestructive: false`
   * overrides `allowDestructive: true` in the file. Empty strings count as not given.
   */
  readonly overrides?: {
    readonly address?: string;
    readonly token?: string;
    readonly database?: string;
    readonly username?: string;
    readonly password?: string;
    readonly allowDestructive?: boolean;
  };
  /** Variables for `${VAR}` and `MILVUS_*`; default `process.env` (tests pass their own). */
  readonly environ?: Readonly<Record<string, string | undefined>>;
}

/** The settings a command runs with, every layer applied. */
export interface ResolvedConfig {
  /** Absolute path of the config file; `undefined` when none was found (defaults apply). */
  configPath: string | undefined;
  /** Directory of the config file, or `cwd` when there is none; relative paths start here. */
  rootDir: string;
  /** Absolute migrations folder. */
  migrationsDir: string;
  stateCollection: string;
  database: string;
  /** The `--env` name, when one was chosen. */
  envName: string | undefined;
  /**
   * How to reach Milvus, in the shape `Milvus.connect` takes. `tls` (paths absolute), `timeoutMs`
   * and `retryWindowMs` are present only when set; `ssl` is true whenever `tls` is.
   */
  connection: {
    address: string;
    token?: string;
    username?: string;
    password?: string;
    ssl: boolean;
    tls?: TlsSettings;
    timeoutMs?: number;
    retryWindowMs?: number;
    importDir?: string;
  };
  /** The address was given for this command (`--address`, `MILVUS_ADDRESS`, `MILVUS_URI`), not taken from the file. */
  addressGiven: boolean;
  /**
   * Set when the chosen settings ask for an Embedded Milvus started for this command; then
   * `connection.address` is that server's (`127.0.0.1:<port>`) and `connection.ssl` is false.
   */
  embedded: { dataDir: string; port?: number; authorization?: boolean } | undefined;
  allowDestructive: boolean;
  /** `lockTimeout` from the file, in seconds; `undefined` leaves the default to the lock. */
  lockTimeout: number | undefined;
  /** `lockStaleAfter` from the file, in seconds; `undefined` leaves the default to the lock. */
  lockStaleAfter: number | undefined;
  /** `backup: true`: every destructive data step takes a backup first. */
  backup: boolean;
  /** Absolute folder of the backups (`backupDir`, default {@link DEFAULT_BACKUP_DIR}). */
  backupDir: string;
  /** `targetVersion`: the Milvus version the migrations are written for (lint's MM501), if set. */
  targetVersion: string | undefined;
  /** Every secret value (token, password) from the layers in use, so outputs can be scrubbed. */
  secrets: string[];
  /** `targets:` of the file: what `--targets all` fans out over; `undefined` when it has none. */
  targets: readonly TargetSpec[] | undefined;
}

/**
 * Finds the config file for a command started in `cwd`: the first of {@link CONFIG_FILE_NAMES}
 * in `cwd`, then in each parent directory up to the filesystem root. The search stops after a
 * directory containing `.git` (file or folder): a config above the repository belongs to
 * something else. Returns the absolute path, or `undefined`.
 */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if ((await statOrUndefined(candidate))?.isFile()) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir || (await statOrUndefined(path.join(dir, '.git')))) return undefined;
    dir = parent;
  }
}

/**
 * Loads the config and applies every layer. Precedence, highest first:
 * CLI flags (`overrides`) > `MILVUS_ADDRESS` (then `MILVUS_URI`, the name pymilvus users know) /
 * `MILVUS_TOKEN` / `MILVUS_USERNAME` / `MILVUS_PASSWORD` / `MILVUS_DATABASE` / `MILVUS_TLS_*` > the
 * chosen environment > the top level > defaults. Empty `MILVUS_*` variables count as unset (CI
 * systems often define them empty). `uri` in the file is `address` under another name.
 *
 * Embedded Milvus: the most specific file layer that sets `address` or `embedded` decides where
 * the server is. If that layer has `embedded: true` (or a map), an Embedded Milvus is started for
 * the command and file-level addresses are ignored, even one in the same layer. An address from
 * `--address` or `MILVUS_ADDRESS` always wins and turns embedded off: the user pointed at a
 * server. So `embedded: true` at the top level plus `address:` in `environments.production`
 * connects production to its address.
 *
 * `--env NAME` with no config file, an unknown environment name, and every invalid value throw
 * {@link InvalidInputError}, listing all problems with file, line and column. No error message
 * contains a token or password.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const environ: Environ = opts.environ ?? process.env;
  let configPath: string | undefined;
  if (opts.configPath !== undefined) {
    configPath = path.resolve(cwd, opts.configPath);
    const info = await statOrUndefined(configPath);
    if (!info) throw new InvalidInputError(`Config file not found: ${displayPath(cwd, configPath)}`);
    if (!info.isFile()) throw new InvalidInputError(`Config path is not a file: ${displayPath(cwd, configPath)}`);
  } else {
    configPath = await findConfigFile(cwd);
  }

  let layers: Layers = { top: {}, env: undefined };
  if (configPath) {
    layers = await readLayers(configPath, displayPath(cwd, configPath), opts.env, environ);
  } else if (opts.env !== undefined) {
    throw new InvalidInputError(
      `--env ${opts.env} was given, but no config file (${CONFIG_FILE_NAMES.join(' or ')}) was found in ${cwd} or its parent directories`,
    );
  }
  return resolveLayers(layers, {
    configPath,
    rootDir: configPath ? path.dirname(configPath) : cwd,
    envName: opts.env,
    overrides: opts.overrides ?? {},
    environ,
    cwd,
  });
}

function resolveLayers(
  { top, env, targets }: Layers,
  ctx: {
    configPath: string | undefined;
    rootDir: string;
    envName: string | undefined;
    overrides: NonNullable<LoadConfigOptions['overrides']>;
    environ: Environ;
    cwd: string;
  },
): ResolvedConfig {
  const { overrides, environ, rootDir } = ctx;
  const fromFile = <K extends keyof ConfigLayer>(key: K): ConfigLayer[K] => env?.[key] ?? top[key];
  const outside = (flag: string | undefined, variable: string) => nonEmpty(flag) ?? nonEmpty(environ[variable]);

  const database = checkDatabase(overrides.database, 'MILVUS_DATABASE', environ) ?? fromFile('database') ?? DEFAULT_DATABASE;
  const token = outside(overrides.token, 'MILVUS_TOKEN') ?? nonEmpty(fromFile('token'));
  const username = outside(overrides.username, 'MILVUS_USERNAME') ?? nonEmpty(fromFile('username'));
  const password = outside(overrides.password, 'MILVUS_PASSWORD') ?? nonEmpty(fromFile('password'));
  const explicitAddress = outside(overrides.address, 'MILVUS_ADDRESS') ?? nonEmpty(environ.MILVUS_URI);

  const deciding = env && (env.address !== undefined || env.embedded !== undefined) ? env : top;
  const wanted = explicitAddress === undefined ? deciding.embedded : undefined;
  let embedded: ResolvedConfig['embedded'];
  if (wanted === true || (typeof wanted === 'object' && wanted !== null)) {
    const settings = wanted === true ? {} : wanted;
    embedded = { dataDir: path.resolve(rootDir, settings.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR) };
    if (settings.port !== undefined) embedded.port = settings.port;
    if (settings.authorization !== undefined) embedded.authorization = settings.authorization;
  }

  const connection: ResolvedConfig['connection'] = {
    // 127.0.0.1 rather than localhost: Node 20 may resolve localhost to ::1 first, and the
    // embedded server listens on IPv4.
    address: embedded ? `127.0.0.1:${embedded.port ?? DEFAULT_EMBEDDED_PORT}` : (explicitAddress ?? fromFile('address') ?? DEFAULT_ADDRESS),
    // The embedded server speaks plain gRPC; an inherited `ssl: true` would only break it.
    ssl: embedded ? false : (fromFile('ssl') ?? false),
  };
  const tls = embedded ? undefined : resolveTls(fromFile('tls'), rootDir, environ, ctx.cwd);
  if (tls) {
    connection.tls = tls;
    connection.ssl = true;
  }
  const timeout = fromFile('timeout');
  if (timeout !== undefined) connection.timeoutMs = timeout * 1000;
  const retryWindow = fromFile('retryWindow');
  if (retryWindow !== undefined) connection.retryWindowMs = retryWindow * 1000;
  if (token !== undefined) connection.token = token;
  if (username !== undefined) connection.username = username;
  if (password !== undefined) connection.password = password;
  const importDir = nonEmpty(environ.MILVUS_MIGRATE_IMPORT_DIR) ?? fromFile('importDir');
  // Without one, an Embedded Milvus gets its own (see startProjectServer).
  if (importDir !== undefined) connection.importDir = path.resolve(rootDir, importDir);

  // Every secret the layers in use hold, even overridden ones: scrubbing too much is harmless.
  const secrets = [
    token,
    password,
    overrides.token,
    overrides.password,
    environ.MILVUS_TOKEN,
    environ.MILVUS_PASSWORD,
    top.token,
    top.password,
    env?.token,
    env?.password,
  ].filter((s): s is string => typeof s === 'string' && s !== '');

  return {
    configPath: ctx.configPath,
    rootDir,
    migrationsDir: path.resolve(rootDir, fromFile('migrations') ?? DEFAULT_MIGRATIONS_DIR),
    stateCollection: fromFile('stateCollection') ?? DEFAULT_STATE_COLLECTION,
    database,
    envName: ctx.envName,
    connection,
    addressGiven: explicitAddress !== undefined,
    embedded,
    allowDestructive: overrides.allowDestructive ?? fromFile('allowDestructive') ?? false,
    lockTimeout: fromFile('lockTimeout'),
    lockStaleAfter: fromFile('lockStaleAfter'),
    backup: fromFile('backup') ?? false,
    backupDir: path.resolve(rootDir, fromFile('backupDir') ?? DEFAULT_BACKUP_DIR),
    targetVersion: fromFile('targetVersion'),
    secrets: [...new Set(secrets)],
    targets,
  };
}

/** The `MILVUS_TLS_*` variable of each `tls:` key; they override the file key by key. */
const TLS_VARIABLES = {
  caFile: 'MILVUS_TLS_CA_FILE',
  certFile: 'MILVUS_TLS_CERT_FILE',
  keyFile: 'MILVUS_TLS_KEY_FILE',
  serverName: 'MILVUS_TLS_SERVER_NAME',
  skipVerify: 'MILVUS_TLS_SKIP_VERIFY',
} as const;

/**
 * The file's `tls:` (paths relative to the config file) with `MILVUS_TLS_*` on top (paths relative
 * to the working directory, where the user typed them); `undefined` when neither sets anything.
 */
function resolveTls(file: TlsLayer | undefined, rootDir: string, environ: Environ, cwd: string): TlsSettings | undefined {
  const tls: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = {};
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const value = nonEmpty(environ[TLS_VARIABLES[key]]);
    if (value !== undefined) tls[key] = path.resolve(cwd, value);
    else if (file?.[key] !== undefined) tls[key] = path.resolve(rootDir, file[key]);
  }
  const serverName = nonEmpty(environ[TLS_VARIABLES.serverName]) ?? file?.serverName;
  if (serverName !== undefined) tls.serverName = serverName;
  const skip = nonEmpty(environ[TLS_VARIABLES.skipVerify]);
  if (skip !== undefined && !/^(true|false|1|0)$/.test(skip)) {
    throw new InvalidInputError('Invalid TLS setting', [{ file: TLS_VARIABLES.skipVerify, message: 'must be true, false, 1 or 0' }]);
  }
  // Only `true` counts: `MILVUS_TLS_SKIP_VERIFY=false` set in CI must not turn TLS on by itself.
  if (skip !== undefined ? skip === 'true' || skip === '1' : file?.skipVerify) tls.skipVerify = true;
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new InvalidInputError('Invalid TLS setting', [
      { file: 'tls', message: 'certFile and keyFile go together (a client certificate and its key): give both, or neither' },
    ]);
  }
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** `--database` / `MILVUS_DATABASE` skip the file's schema, so they are checked here. */
function checkDatabase(flag: string | undefined, variable: string, environ: Environ): string | undefined {
  const fromFlag = nonEmpty(flag);
  const value = fromFlag ?? nonEmpty(environ[variable]);
  if (value === undefined || isValidMilvusName(value)) return value;
  throw new InvalidInputError('Invalid database name', [
    { file: fromFlag !== undefined ? '--database' : variable, message: `must be a valid Milvus database name: ${MILVUS_NAME_RULE}` },
  ]);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Shown in messages: relative to cwd, which is how users typed it or see it in their shell. */
function displayPath(cwd: string, file: string): string {
  return path.relative(cwd, file) || file;
}

async function statOrUndefined(file: string) {
  try {
    return await stat(file);
  } catch {
    return undefined;
  }
}
