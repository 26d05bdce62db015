/**
 * Which databases a fan-out runs on: `--targets` (or the config's `targets:` for `all`) resolved
 * against the live servers, before anything runs. A target is one database on one server, with the
 * settings one command would use for it: the base settings with its `database`, or its
 * environment's settings.
 */
import type { ResolvedConfig } from '../config/load.js';
import { databaseSpec, matchesTargetPattern, specName, type TargetSpec } from '../config/targets.js';
import { InvalidInputError, MigrateError } from '../errors.js';
import type { PoolItem } from './pool.js';

/** One database a fan-out runs on. */
export interface Target {
  /** How output names it: the database, or `env:NAME` for an environment. */
  readonly name: string;
  readonly kind: 'database' | 'environment';
  /** The settings its run uses (secrets included: never print it). */
  readonly config: ResolvedConfig;
}

/** What resolving needs from the outside: the databases on a config's server, and an environment's settings. */
export interface ResolveDeps {
  /** Names of the databases on the server of `config` (one `listDatabases`, cached per server by the caller). */
  databasesOf(config: ResolvedConfig): Promise<readonly string[]>;
  /** The settings `--env NAME` would give, flags and `MILVUS_*` variables included. */
  loadEnvironment(name: string): Promise<ResolvedConfig>;
}

/**
 * Parses `--targets`: `all`, or a comma-separated list of database names, patterns (`tenant_*`)
 * and `env:NAME` entries; `all` inside a list stands for the config's targets.
 */
export function parseTargetsFlag(text: string, configured: readonly TargetSpec[] | undefined): TargetSpec[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new InvalidInputError('--targets is empty: give `all`, database names, patterns such as tenant_*, or env:NAME');
  const specs: TargetSpec[] = [];
  const bad: string[] = [];
  for (const item of items) {
    if (item === 'all') {
      if (!configured)
        throw new InvalidInputError('--targets all: the config has no `targets:` list', [], {
          hint: 'Add `targets:` to milvus.config.yaml (database names, patterns such as tenant_*, or { env: NAME }), or list them: --targets a,b',
        });
      specs.push(...configured);
    } else if (item.startsWith('env:')) specs.push({ kind: 'environment', env: item.slice(4) });
    else {
      const spec = databaseSpec(item);
      if (spec) specs.push(spec);
      else bad.push(item);
    }
  }
  if (bad.length)
    throw new InvalidInputError(
      `--targets: not a database name, pattern or env:NAME: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
      [],
      { hint: 'Database names are letters, digits and underscores; patterns add * and ?; environments are written env:NAME.' },
    );
  return specs;
}

/** A key per server, for sharing one server and one database list between targets; never printed. */
export function serverKey(config: ResolvedConfig): string {
  if (config.embedded) return `embedded:${config.embedded.dataDir}`;
  const c = config.connection;
  return JSON.stringify([c.address, c.ssl, c.username ?? '', c.token ?? '']);
}

/** Where a target is, in words and without secrets: `database tenant_a at localhost:19530`. */
export function describeTarget(config: ResolvedConfig): string {
  return `database ${config.database} at ${config.embedded ? 'the Embedded Milvus' : config.connection.address}`;
}

/**
 * Resolves target specs to targets, in the order given (a pattern's matches sorted by name), each
 * database once. A database that does not exist on its server, or a server that cannot be reached
 * (environments), becomes a target with a `problem`, so the fan-out refuses it without touching
 * any other (unless told to go on). A pattern matching no database is invalid input for the whole
 * command: a typo there would otherwise be a silent success.
 */
export async function resolveTargets(base: ResolvedConfig, specs: readonly TargetSpec[], deps: ResolveDeps): Promise<PoolItem<Target>[]> {
  const items: PoolItem<Target>[] = [];
  const seen = new Set<string>();
  const add = (target: Target, problem?: MigrateError) => {
    const key = `${serverKey(target.config)}/${target.config.database}`;
    if (seen.has(key)) return;
    seen.add(key);
    items.push(problem ? { target, problem } : { target });
  };
  const missing = (config: ResolvedConfig, name: string) =>
    new InvalidInputError(`Target ${name}: ${describeTarget(config)} does not exist`, [], {
      hint: 'Create the database first (its state collection lives in it), or leave it out of the targets.',
    });

  for (const spec of specs) {
    if (spec.kind === 'environment') {
      const config = await deps.loadEnvironment(spec.env);
      const target: Target = { name: specName(spec), kind: 'environment', config };
      let databases: readonly string[];
      try {
        databases = await deps.databasesOf(config);
      } catch (err) {
        if (!(err instanceof MigrateError)) throw err;
        add(target, err);
        continue;
      }
      add(target, databases.includes(config.database) ? undefined : missing(config, target.name));
      continue;
    }
    const databases = await deps.databasesOf(base);
    const forDatabase = (database: string): Target => ({ name: database, kind: 'database', config: { ...base, database } });
    if (spec.kind === 'database') {
      const target = forDatabase(spec.database);
      add(target, databases.includes(spec.database) ? undefined : missing(target.config, target.name));
      continue;
    }
    const matched = databases.filter((d) => matchesTargetPattern(spec.pattern, d)).sort();
    if (!matched.length)
      throw new InvalidInputError(
        `Targets ${spec.pattern}: no database matches on ${describeTarget(base).replace(/^database \S+ at /, '')}`,
        [],
        {
          hint: `Databases there: ${[...databases].sort().join(', ') || 'none'}.`,
        },
      );
    for (const database of matched) add(forDatabase(database));
  }
  return items;
}
