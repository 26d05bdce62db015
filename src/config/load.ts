/**
 * Finding, reading and resolving milvus.config.yaml into the settings one command runs with.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Document, Node, YAMLError } from 'yaml';
import { isAlias, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { InvalidInputError, type Problem } from '../errors.js';
import { suggest } from '../util/suggest.js';
import { DEFAULT_BACKUP_DIR } from './defaults.js';
import {
  CONFIG_FILE_NAMES,
  DEFAULT_ADDRESS,
  DEFAULT_DATABASE,
  DEFAULT_EMBEDDED_DATA_DIR,
  DEFAULT_EMBEDDED_PORT,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_STATE_COLLECTION,
} from './defaults.js';
import { type Environ, type InterpolationProblem, hasReference, interpolateNode } from './interpolate.js';
import {
  type ConfigLayer,
  EMBEDDED_KEYS,
  isValidMilvusName,
  LAYER_KEYS,
  LayerSchema,
  MILVUS_NAME_RULE,
  ROOT_KEYS,
} from './schema.js';

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
  connection: { address: string; token?: string; username?: string; password?: string; ssl: boolean };
  /** The address was given for this command (`--address`, `MILVUS_ADDRESS`), not taken from the file. */
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
  /** Every secret value (token, password) from the layers in use, so outputs can be scrubbed. */
  secrets: string[];
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
 * CLI flags (`overrides`) > `MILVUS_ADDRESS` / `MILVUS_TOKEN` / `MILVUS_USERNAME` /
 * `MILVUS_PASSWORD` / `MILVUS_DATABASE` > the chosen environment > the top level > defaults.
 * Empty `MILVUS_*` variables count as unset (CI systems often define them empty).
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
  });
}

interface Layers {
  top: ConfigLayer;
  env: ConfigLayer | undefined;
}

function resolveLayers(
  { top, env }: Layers,
  ctx: {
    configPath: string | undefined;
    rootDir: string;
    envName: string | undefined;
    overrides: NonNullable<LoadConfigOptions['overrides']>;
    environ: Environ;
  },
): ResolvedConfig {
  const { overrides, environ, rootDir } = ctx;
  const fromFile = <K extends keyof ConfigLayer>(key: K): ConfigLayer[K] => env?.[key] ?? top[key];
  const outside = (flag: string | undefined, variable: string) => nonEmpty(flag) ?? nonEmpty(environ[variable]);

  const database = checkDatabase(overrides.database, 'MILVUS_DATABASE', environ) ?? fromFile('database') ?? DEFAULT_DATABASE;
  const token = outside(overrides.token, 'MILVUS_TOKEN') ?? nonEmpty(fromFile('token'));
  const username = outside(overrides.username, 'MILVUS_USERNAME') ?? nonEmpty(fromFile('username'));
  const password = outside(overrides.password, 'MILVUS_PASSWORD') ?? nonEmpty(fromFile('password'));
  const explicitAddress = outside(overrides.address, 'MILVUS_ADDRESS');

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
    address: embedded
      ? `127.0.0.1:${embedded.port ?? DEFAULT_EMBEDDED_PORT}`
      : (explicitAddress ?? fromFile('address') ?? DEFAULT_ADDRESS),
    // The embedded server speaks plain gRPC; an inherited `ssl: true` would only break it.
    ssl: embedded ? false : (fromFile('ssl') ?? false),
  };
  if (token !== undefined) connection.token = token;
  if (username !== undefined) connection.username = username;
  if (password !== undefined) connection.password = password;

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
    secrets: [...new Set(secrets)],
  };
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

/** Parses, interpolates and validates the file; returns the top level and the chosen environment. */
async function readLayers(file: string, display: string, envName: string | undefined, environ: Environ): Promise<Layers> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a secret.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const at = (offset: number | undefined): Pick<Problem, 'file' | 'line' | 'column'> => {
    if (offset === undefined || offset < 0) return { file: display };
    const { line, col } = lineCounter.linePos(offset);
    return { file: display, line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new InvalidInputError(
      `Invalid YAML in config ${display}`,
      doc.errors.map((e) => ({ ...at(e.pos[0]), message: yamlMessage(e) })),
    );
  }

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    // An empty file (or only comments) means "all defaults".
    if (envName !== undefined) throw unknownEnvironment(envName, [], display);
    return { top: {}, env: undefined };
  }
  if (!isMap(root)) {
    throw new InvalidInputError(`Invalid config ${display}`, [
      { ...at(root.range?.[0]), message: `must be a map of settings (allowed keys: ${ROOT_KEYS.join(', ')})` },
    ]);
  }

  // Environments, by name, as written (aliases resolved) for interpolation.
  const envPairs = new Map<string, unknown>();
  const envsPair = root.items.find((p) => keyOf(p.key) === 'environments');
  const envsNode = isAlias(envsPair?.value) ? envsPair.value.resolve(doc) : envsPair?.value;
  if (isMap(envsNode)) {
    for (const pair of envsNode.items) if (isPair(pair)) envPairs.set(keyOf(pair.key), pair.value);
  }
  if (envName !== undefined && !envPairs.has(envName)) throw unknownEnvironment(envName, [...envPairs.keys()], display);

  // Interpolate only what this run uses: the top level and the chosen environment. The others
  // are checked for malformed references only, since their variables may be unset here (e.g.
  // production's ${MILVUS_TOKEN} on a laptop running --env local). Check runs first because
  // resolving mutates nodes that an unchosen environment may share through an alias.
  const interpolationProblems: InterpolationProblem[] = [];
  const done = new Set<Node>();
  for (const [name, value] of envPairs) {
    if (name !== envName) interpolateNode(doc, value, ['environments', name], environ, 'check', done, interpolationProblems);
  }
  for (const pair of root.items) {
    const key = keyOf(pair.key);
    if (key !== 'environments') interpolateNode(doc, pair.value, [key], environ, 'resolve', done, interpolationProblems);
  }
  if (envName !== undefined) {
    interpolateNode(doc, envPairs.get(envName), ['environments', envName], environ, 'resolve', done, interpolationProblems);
  }

  const problems: Problem[] = [];
  // A value whose interpolation failed already has its problem; its schema error would be noise.
  const failed = new Set(interpolationProblems.map((p) => dotted(p.path)));
  // Likewise an unset variable under a misspelt key: "unknown key" is the one to fix.
  const unknown: string[] = [];

  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  const { environments, ...topData } = isPlainObject(data) ? data : {};
  const validate = (value: unknown, prefix: string[], allowed: readonly string[]): ConfigLayer | undefined => {
    const result = LayerSchema.safeParse(value);
    if (result.success) return result.data;
    for (const { issue, path: issuePath } of flattenIssues(result.error.issues, prefix)) {
      if (failed.has(dotted(issuePath))) continue;
      if (issue.code === 'unrecognized_keys') {
        const keys = issuePath[issuePath.length - 1] === 'embedded' ? EMBEDDED_KEYS : allowed;
        for (const key of issue.keys) {
          problems.push(unknownKey(doc, at, issuePath, key, keys));
          unknown.push(dotted([...issuePath, key]));
        }
      } else {
        problems.push({ ...at(offsetOf(doc, issuePath)), path: dotted(issuePath), message: issue.message });
      }
    }
    return undefined;
  };

  const top = validate(topData, [], ROOT_KEYS);
  let env: ConfigLayer | undefined;
  if (environments !== undefined && environments !== null) {
    if (!isPlainObject(environments)) {
      problems.push({
        ...at(offsetOf(doc, ['environments'])),
        path: 'environments',
        message: 'must be a map of environment names to settings',
      });
    } else {
      for (const [name, settings] of Object.entries(environments)) {
        const prefix = ['environments', name];
        // `local:` with nothing under it is an environment that changes nothing.
        if (settings !== null && !isPlainObject(settings)) {
          problems.push({
            ...at(offsetOf(doc, prefix)),
            path: dotted(prefix),
            message: `must be a map of settings (allowed keys: ${LAYER_KEYS.join(', ')})`,
          });
          continue;
        }
        // Values still holding ${…} in other environments are unknown until chosen: only their
        // keys and literal values are checked.
        const chosen = name === envName;
        const layer = validate(chosen ? (settings ?? {}) : withoutReferences(settings ?? {}), prefix, LAYER_KEYS);
        if (chosen) env = layer;
      }
    }
  }

  for (const p of interpolationProblems) {
    const where = dotted(p.path);
    if (unknown.some((u) => where === u || where.startsWith(`${u}.`))) continue;
    problems.push({ ...at(p.node.range?.[0]), path: where, message: p.message });
  }
  if (problems.length > 0) throw new InvalidInputError(`Invalid config ${display}`, sortProblems(problems));
  return { top: top ?? {}, env };
}

function unknownEnvironment(name: string, available: string[], display: string): InvalidInputError {
  if (available.length === 0) {
    return new InvalidInputError(`Unknown environment "${name}": ${display} defines no environments`);
  }
  const guess = suggest(name, available);
  return new InvalidInputError(
    `Unknown environment "${name}" (available in ${display}: ${available.join(', ')}${guess ? `; did you mean "${guess}"?` : ''})`,
  );
}

function unknownKey(
  doc: Document,
  at: (offset: number | undefined) => Pick<Problem, 'file' | 'line' | 'column'>,
  parent: (string | number)[],
  key: string,
  allowed: readonly string[],
): Problem {
  const guess = suggest(key, allowed);
  const problem: Problem = {
    ...at(keyOffset(doc, parent, key) ?? offsetOf(doc, parent)),
    message: `unknown key "${key}" (allowed: ${allowed.join(', ')}${guess ? `; did you mean "${guess}"?` : ''})`,
  };
  if (parent.length > 0) problem.path = dotted(parent);
  return problem;
}

/**
 * Zod reports a failed union as one issue holding each option's issues. When the value had the
 * right type for exactly one option (e.g. `embedded:` is a map), that option's nested issues say
 * far more than "must be true, false or a map", so they replace the union issue.
 */
function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly (string | number)[],
): { issue: z.core.$ZodIssue; path: (string | number)[] }[] {
  const out: { issue: z.core.$ZodIssue; path: (string | number)[] }[] = [];
  for (const issue of issues) {
    const issuePath = [...prefix, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
    if (issue.code === 'invalid_union') {
      const typed = issue.errors.filter((option) => !option.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
      if (typed.length === 1) {
        out.push(...flattenIssues(typed[0]!, issuePath));
        continue;
      }
    }
    out.push({ issue, path: issuePath });
  }
  return out;
}

/** Position of the value at `keys` (or of its key when the value is empty), else of the nearest ancestor. */
function offsetOf(doc: Document, keys: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0];
  for (const key of keys) {
    if (isAlias(node)) node = node.resolve(doc);
    if (!isMap(node)) break;
    const pair = node.items.find((p) => keyOf(p.key) === String(key));
    if (!pair) break;
    const value = pair.value as Node | null;
    const keyNode = pair.key as Node | null;
    offset = (isScalar(value) && value.value === null) || !value?.range ? (keyNode?.range?.[0] ?? offset) : value.range[0];
    node = value;
  }
  return offset;
}

/** Position of `key` itself inside the map at `parent`. */
function keyOffset(doc: Document, parent: readonly (string | number)[], key: string): number | undefined {
  let node: unknown = doc.contents;
  for (const k of parent) {
    if (isAlias(node)) node = node.resolve(doc);
    if (!isMap(node)) return undefined;
    node = node.items.find((p) => keyOf(p.key) === String(k))?.value;
  }
  if (isAlias(node)) node = node.resolve(doc);
  if (!isMap(node)) return undefined;
  return (node.items.find((p) => keyOf(p.key) === key)?.key as Node | undefined)?.range?.[0];
}

/**
 * yaml's message without the source text some of them quote after a colon ("Not a YAML token:
 * …", "Block scalar header includes extra characters: …", "Invalid escape sequence \\q"): on a
 * `token:` line that text is part of the secret. Line and column still point at it.
 */
function yamlMessage(error: YAMLError): string {
  if (error.code === 'BAD_DQ_ESCAPE') {
    return 'Invalid escape sequence in a double-quoted string (use single quotes, or write \\\\ for a backslash)';
  }
  const colon = error.message.indexOf(': ');
  return colon === -1 ? error.message : error.message.slice(0, colon);
}

/** Copy of a settings map with every string still holding `${` replaced by undefined. */
function withoutReferences(value: unknown): unknown {
  if (typeof value === 'string') return hasReference(value) ? undefined : value;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutReferences(v)]));
  }
  return value;
}

function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const id = `${p.line}:${p.column}:${p.path}:${p.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function keyOf(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

function dotted(keys: readonly (string | number)[]): string {
  return keys.join('.');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
