import type { JsonDocument } from '../json-shapes.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import type { expectedSchema } from '../../runner/fold.js';
import { emptySchema, withoutRebuildLeftovers, type DatabaseSchema } from '../../schema/model.js';
import type { Difference as SchemaDifference } from '../../schema/compare.js';
import type { ResolvedConfig } from '../../config/load.js';
import type { PoolResult, Target } from '../../fanout/index.js';
import type { Logger } from '../../logger.js';
import type { Milvus } from '../../milvus/client.js';
import type { Migration } from '../../migrations/model.js';
import { EXIT } from '../exit-codes.js';
import { fanOutExitCode, fanOutJson, fanOutOptions, summaryText, targetExitCode, type FanOutArgs, type TargetReport } from '../fanout.js';
import type { Output } from '../output.js';
import { loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { withThrowaway } from '../throwaway.js';

export interface DiffArgs extends GlobalArgs, FanOutArgs {
  readonly against?: string | undefined;
  readonly replay?: boolean | undefined;
  readonly docker?: boolean | undefined;
}

/** Where the expected schema came from: the migrations folded without a server, replayed on a throwaway Milvus, or a snapshot file. */
type ExpectedBy = 'fold' | 'replay' | 'snapshot';

/**
 * `diff`: the schema the applied migrations should have produced (folded over an empty model, no
 * server needed; replayed on a throwaway Milvus with `--replay`, or when a code migration cannot
 * be folded; or read from a snapshot with `--against`) against the live one. Exit 0 without
 * drift, 1 with.
 */
export async function diff(args: DiffArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  if (args.against && (args.replay || args.docker))
    throw new InvalidInputError('--against compares with a snapshot file: it cannot be combined with --replay or --docker', []);
  const { loadMigrations } = await import('../../migrations/load.js');
  const against = args.against ? path.resolve(args.against) : undefined;
  const fromFile = against ? await readSnapshot(against) : undefined;
  const migrations = await loadMigrations(cfg.migrationsDir);
  const replay: Replay = async (config, applied) => {
    const { schemaOfApplied } = await import('../../verify/verify.js');
    return withThrowaway(config, args, out, async (throwaway) => ({
      where: throwaway.where,
      // The old collections rebuilds keep aside are not compared (the live read leaves them out too).
      schema: withoutRebuildLeftovers(
        await schemaOfApplied({ throwaway, migrationsDir: config.migrationsDir, migrations, applied, logger: out.logger() }),
      ),
    }));
  };
  const byReplay = Boolean(args.replay || args.docker);
  const note = (message: string) => out.log(message);
  if (args.targets !== undefined)
    return diffTargets(args, out, cfg, { migrations, fromFile, against, replay: serialisedReplay(replay), byReplay, note });
  const drift = await withMilvus(cfg, out, (live) => driftOf(cfg, live, out.logger(), { migrations, fromFile, replay, byReplay, note }));
  const exitCode = drift.differences.length ? EXIT.migrationFailed : EXIT.ok;
  if (args.json) out.document(diffJson(cfg, drift, against));
  else out.result(await diffText(out, cfg, drift, against));
  return exitCode;
}

/** Replays the applied migrations on a throwaway Milvus: the schema they give, and where that was. */
type Replay = (config: ResolvedConfig, applied: readonly string[]) => Promise<{ schema: DatabaseSchema; where: string }>;

interface Drift {
  readonly differences: SchemaDifference[];
  readonly where: string | null;
  readonly by: ExpectedBy;
  /** With `--replay` where the migrations can also be folded: where the fold and the replay disagree (a bug of the tool's model, not drift). */
  readonly foldCheck: SchemaDifference[] | null;
}

/** How the expected schema is had: from a snapshot file, or from the applied migrations by fold (default) or by replay. */
interface DriftSources {
  readonly migrations: readonly Migration[];
  readonly fromFile: DatabaseSchema | undefined;
  readonly replay: Replay;
  /** `--replay`/`--docker`: replay even where the fold would do. */
  readonly byReplay: boolean;
  /** Says why a fold fell back to a replay (code migrations). */
  readonly note: (message: string) => void;
}

/** The expected schema (snapshot, or the live state's applied migrations replayed) against the live one. */
async function driftOf(cfg: ResolvedConfig, live: Milvus, logger: Logger, o: DriftSources): Promise<Drift> {
  const [{ readManagedSchema, appliedToReplay }, { compareSchemas }] = await Promise.all([
    import('../../verify/drift.js'),
    import('../../schema/compare.js'),
  ]);
  let expected = o.fromFile;
  let where: string | null = null;
  let by: ExpectedBy = 'snapshot';
  let foldedSchema: DatabaseSchema | undefined;
  let foldCheck: SchemaDifference[] | null = null;
  if (!expected) {
    const { MilvusStateStore } = await import('../../state/milvus-store.js');
    const rows = await new MilvusStateStore(live, cfg.stateCollection, cfg.database).readAll();
    const applied = appliedToReplay(rows, o.migrations, logger);
    by = o.byReplay ? 'replay' : 'fold';
    if (applied.length === 0) expected = emptySchema();
    else {
      const folded = await fold(o.migrations, applied, {
        database: cfg.database,
        backupDir: cfg.backupDir,
        serverVersion: await live.version(),
      });
      if (folded.folded) foldedSchema = withoutRebuildLeftovers(folded.schema);
      else if (by === 'fold') {
        o.note(`${folded.reason}: replaying them on a throwaway Milvus`);
        by = 'replay';
      }
      if (by === 'fold') expected = foldedSchema;
    }
    if (!expected) {
      ({ schema: expected, where } = await o.replay(cfg, applied));
      // --replay is also the check that the fold (what plan and the preflight rely on) agrees with the server.
      if (o.byReplay && foldedSchema) foldCheck = compareSchemas(expected, foldedSchema);
    }
  }
  const actual = await readManagedSchema(live, {
    migrations: o.migrations,
    database: cfg.database,
    stateCollection: cfg.stateCollection,
    expected,
  });
  return { differences: compareSchemas(expected, actual), where, by, foldCheck };
}

function diffJson(cfg: ResolvedConfig, drift: Drift, against: string | undefined): JsonDocument<'diff'> {
  const exitCode = drift.differences.length ? EXIT.migrationFailed : EXIT.ok;
  return {
    command: 'diff',
    ok: exitCode === 0,
    exitCode,
    database: cfg.database,
    against: against ?? 'migrations',
    by: drift.by,
    where: drift.where,
    foldCheck: drift.foldCheck && { agrees: drift.foldCheck.length === 0, differences: drift.foldCheck },
    differences: drift.differences,
  };
}

async function diffText(out: Output, cfg: ResolvedConfig, { differences, foldCheck }: Drift, against: string | undefined): Promise<string> {
  const { describeDifference } = await import('../../schema/compare.js');
  const c = out.colors;
  const source = against ? `snapshot ${against}` : 'the applied migrations';
  const check = !foldCheck
    ? []
    : foldCheck.length
      ? [
          `${c.yellow('⚠')} The migrations folded without a server (what plan and the preflight check against) disagree with their replay in ${foldCheck.length} place${foldCheck.length === 1 ? '' : 's'} (a bug of milvus-migrate: please report it; the replay was used):`,
          // Expected: the replay's; actual: the fold's.
          ...foldCheck.map((d) => `  ${describeDifference(d)}`),
        ]
      : [`${c.green('✔')} The fold of the applied migrations agrees with their replay`];
  return [...check, drift(differences)].join('\n');
  function drift(differences: SchemaDifference[]): string {
    return differences.length
      ? [
          `${c.red('✖')} Database ${cfg.database} has drifted from ${source}: ${differences.length} difference${differences.length === 1 ? '' : 's'}`,
          ...differences.map((d) => `  ${describeDifference(d)}`),
        ].join('\n')
      : `${c.green('✔')} No drift: database ${cfg.database} matches ${source}`;
  }
}

/**
 * Replays for a fan-out: targets at the same point of the same migrations share one replay, and
 * replays run one at a time (each may need a throwaway Embedded Milvus, and only one fits a machine).
 */
function serialisedReplay(replay: Replay): Replay {
  const done = new Map<string, ReturnType<Replay>>();
  let queue: Promise<unknown> = Promise.resolve();
  return (config, applied) => {
    const key = JSON.stringify([config.migrationsDir, applied]);
    let r = done.get(key);
    if (!r) {
      r = queue.then(() => replay(config, applied));
      queue = r.catch(() => {});
      done.set(key, r);
    }
    return r;
  };
}

/** `diff --targets`: each target's live schema against what its applied migrations say. */
async function diffTargets(
  args: DiffArgs,
  out: Output,
  cfg: ResolvedConfig,
  o: DriftSources & { against: string | undefined },
): Promise<number> {
  const { fanOut } = await import('../../fanout/index.js');
  const report = (r: PoolResult<Target, unknown>): TargetReport => {
    if (r.state === 'not-started' || !r.value)
      return { counts: null, document: null, exitCode: r.state === 'not-started' ? 0 : targetExitCode(r.error) };
    const document = diffJson(r.target.config, r.value as Drift, o.against);
    return { counts: null, document, exitCode: document.exitCode };
  };
  const opts = await fanOutOptions(args, cfg, out, report);
  const result = await fanOut<Drift>({ ...opts, readOnly: true }, async ({ target, milvus, logger }) => {
    if (target.config.migrationsDir !== cfg.migrationsDir)
      throw new InvalidInputError(
        `Target ${target.name} has a migrations folder of its own: diff --targets compares one set of migrations`,
      );
    const drift = await driftOf(target.config, milvus, logger, o);
    return { value: drift, failed: drift.differences.length > 0 };
  });
  if (args.json) out.document(fanOutJson('diff', result, report));
  else {
    const { describeDifference } = await import('../../schema/compare.js');
    const lines = [summaryText(out, result, report)];
    for (const r of result.targets)
      if (r.state === 'failed' && r.value?.differences.length)
        lines.push(
          `${r.target.name}: ${r.value.differences.length} difference(s)`,
          ...r.value.differences.map((d) => `  ${describeDifference(d)}`),
        );
    out.result(lines.join('\n'));
  }
  return fanOutExitCode(result, report);
}

/**
 * The expected schema by fold: the migrations a replay would apply (every one up to the last
 * applied, in name order), folded over an empty database. A problem the fold meets (a step naming
 * what does not exist at that point) would stop the replay too: reported as invalid input.
 */
async function fold(
  migrations: readonly Migration[],
  applied: readonly string[],
  opts: { database: string; backupDir: string; serverVersion: string },
): Promise<Awaited<ReturnType<typeof expectedSchema>>> {
  const { expectedSchema } = await import('../../runner/fold.js');
  const last = [...applied].sort().at(-1)!;
  const result = await expectedSchema(
    migrations.filter((m) => m.name <= last),
    opts,
  );
  if (result.folded && result.problems.length) {
    throw new InvalidInputError(
      'Cannot compute the expected schema: the applied migrations do not apply to an empty database',
      result.problems,
      {
        hint: '`diff --replay` runs them on a throwaway Milvus instead, to see where they fail.',
      },
    );
  }
  return result;
}

async function readSnapshot(file: string): Promise<DatabaseSchema> {
  const { schemaFromYaml } = await import('../../schema/yaml.js');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`Cannot read snapshot ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, [], {
      hint: 'Write one with `milvus-migrate snapshot`.',
    });
  }
  return schemaFromYaml(text, file);
}
