import type { JsonDocument } from '../json-shapes.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import type { Migration } from '../../migrations/model.js';
import type { expectedSchema } from '../../runner/fold.js';
import { emptySchema, type DatabaseSchema } from '../../schema/model.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';
import { loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { withThrowaway } from '../throwaway.js';

export interface DiffArgs extends GlobalArgs {
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
  const [{ loadMigrations }, { readManagedSchema, appliedToReplay }, { compareSchemas, describeDifference }] = await Promise.all([
    import('../../migrations/load.js'),
    import('../../verify/drift.js'),
    import('../../schema/compare.js'),
  ]);
  const against = args.against ? path.resolve(args.against) : undefined;
  const fromFile = against ? await readSnapshot(against) : undefined;
  const migrations = await loadMigrations(cfg.migrationsDir);
  const { expected, actual, where, by } = await withMilvus(cfg, out, async (live) => {
    let expected = fromFile;
    let where: string | null = null;
    let by: ExpectedBy = 'snapshot';
    if (!expected) {
      const { MilvusStateStore } = await import('../../state/milvus-store.js');
      const rows = await new MilvusStateStore(live, cfg.stateCollection, cfg.database).readAll();
      const applied = appliedToReplay(rows, migrations, out.logger());
      by = args.replay || args.docker ? 'replay' : 'fold';
      if (applied.length === 0) expected = emptySchema();
      else if (by === 'fold') {
        const folded = await fold(migrations, applied, {
          database: cfg.database,
          backupDir: cfg.backupDir,
          serverVersion: await live.version(),
        });
        if (folded.folded) expected = folded.schema;
        else {
          out.log(`${folded.reason}: replaying them on a throwaway Milvus`);
          by = 'replay';
        }
      }
      if (!expected) {
        const { schemaOfApplied } = await import('../../verify/verify.js');
        const replayed = await withThrowaway(cfg, args, out, async (throwaway) => ({
          where: throwaway.where,
          schema: await schemaOfApplied({ throwaway, migrationsDir: cfg.migrationsDir, migrations, applied, logger: out.logger() }),
        }));
        expected = replayed.schema;
        where = replayed.where;
      }
    }
    const actual = await readManagedSchema(live, { migrations, database: cfg.database, stateCollection: cfg.stateCollection, expected });
    return { expected, actual, where, by };
  });
  const differences = compareSchemas(expected, actual);
  const exitCode = differences.length ? EXIT.migrationFailed : EXIT.ok;
  if (args.json) {
    out.document({
      command: 'diff',
      ok: exitCode === 0,
      exitCode,
      database: cfg.database,
      against: against ?? 'migrations',
      by,
      where,
      differences,
    } satisfies JsonDocument<'diff'>);
  } else {
    const c = out.colors;
    const source = against ? `snapshot ${against}` : 'the applied migrations';
    out.result(
      differences.length
        ? [
            `${c.red('✖')} Database ${cfg.database} has drifted from ${source}: ${differences.length} difference${differences.length === 1 ? '' : 's'}`,
            ...differences.map((d) => `  ${describeDifference(d)}`),
          ].join('\n')
        : `${c.green('✔')} No drift: database ${cfg.database} matches ${source}`,
    );
  }
  return exitCode;
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
