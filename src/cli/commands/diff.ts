import type { JsonDocument } from '../json-shapes.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.js';
import { emptySchema, withoutRebuildLeftovers, type DatabaseSchema } from '../../schema/model.js';
import { EXIT } from '../exit-codes.js';
import type { Output } from '../output.js';
import { loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { withThrowaway } from '../throwaway.js';

export interface DiffArgs extends GlobalArgs {
  readonly against?: string | undefined;
  readonly docker?: boolean | undefined;
}

/**
 * `diff`: the schema the applied migrations should have produced (replayed on a throwaway Milvus,
 * or read from a snapshot with `--against`) against the live one. Exit 0 without drift, 1 with.
 */
export async function diff(args: DiffArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const [{ loadMigrations }, { readManagedSchema, appliedToReplay }, { compareSchemas, describeDifference }] = await Promise.all([
    import('../../migrations/load.js'),
    import('../../verify/drift.js'),
    import('../../schema/compare.js'),
  ]);
  const against = args.against ? path.resolve(args.against) : undefined;
  const fromFile = against ? await readSnapshot(against) : undefined;
  const migrations = await loadMigrations(cfg.migrationsDir);
  const { expected, actual, where } = await withMilvus(cfg, out, async (live) => {
    let expected = fromFile;
    let where: string | null = null;
    if (!expected) {
      const { MilvusStateStore } = await import('../../state/milvus-store.js');
      const rows = await new MilvusStateStore(live, cfg.stateCollection, cfg.database).readAll();
      const applied = appliedToReplay(rows, migrations, out.logger());
      if (applied.length === 0) expected = emptySchema();
      else {
        const { schemaOfApplied } = await import('../../verify/verify.js');
        const replayed = await withThrowaway(cfg, args, out, async (throwaway) => ({
          where: throwaway.where,
          schema: await schemaOfApplied({ throwaway, migrationsDir: cfg.migrationsDir, migrations, applied, logger: out.logger() }),
        }));
        // The old collections rebuilds keep aside are not compared (the live read leaves them out too).
        expected = withoutRebuildLeftovers(replayed.schema);
        where = replayed.where;
      }
    }
    const actual = await readManagedSchema(live, { migrations, database: cfg.database, stateCollection: cfg.stateCollection, expected });
    return { expected, actual, where };
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
