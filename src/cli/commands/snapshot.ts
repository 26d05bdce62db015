import type { JsonDocument } from '../json-shapes.js';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Output } from '../output.js';
import { loadSettings, withMilvus, type GlobalArgs } from '../session.js';

export interface SnapshotArgs extends GlobalArgs {
  readonly out?: string | undefined;
}

/** File name of the snapshot, next to milvus.config.yaml, when `--out` is not given. */
export const DEFAULT_SNAPSHOT_FILE = 'schema.yaml';

/** `snapshot`: writes the live schema of what the migrations manage to a stable YAML file. */
export async function snapshot(args: SnapshotArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const file = args.out ? path.resolve(args.out) : path.join(cfg.rootDir, DEFAULT_SNAPSHOT_FILE);
  const [{ loadMigrations }, { readManagedSchema }, { schemaToYaml }] = await Promise.all([
    import('../../migrations/load.js'),
    import('../../verify/drift.js'),
    import('../../schema/yaml.js'),
  ]);
  const migrations = await loadMigrations(cfg.migrationsDir);
  const schema = await withMilvus(cfg, out, (milvus) =>
    readManagedSchema(milvus, { migrations, database: cfg.database, stateCollection: cfg.stateCollection }),
  );
  const text = schemaToYaml(schema);
  const before = await readFile(file, 'utf8').catch(() => undefined);
  if (before !== text) await writeFile(file, text);
  const collections = Object.keys(schema.collections);
  if (args.json)
    out.document({
      command: 'snapshot',
      ok: true,
      exitCode: 0,
      file,
      changed: before !== text,
      collections,
      aliases: Object.keys(schema.aliases),
    } satisfies JsonDocument<'snapshot'>);
  else
    out.result(
      `${before === text ? 'Unchanged' : 'Wrote'} ${file}: ${collections.length} collection${collections.length === 1 ? '' : 's'} of database ${cfg.database}`,
    );
  return 0;
}
