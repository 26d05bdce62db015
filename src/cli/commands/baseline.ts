import { writeFile } from 'node:fs/promises';
import path, { relative } from 'node:path';
import { InvalidInputError } from '../../errors.js';
import type { BaselineDatabase } from '../../generate/plan.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { DEFAULT_SNAPSHOT_FILE } from './snapshot.js';
import { migrationText, newMigrationFile, writeGenerated } from './generated-file.js';

export interface BaselineArgs extends GlobalArgs {
  readonly name?: string | undefined;
  readonly out?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** `--databases a,b`: other databases the same migration re-creates (each gets its own schema file). */
  readonly databases?: string | undefined;
}

/** The databases `--databases` names besides the configured one, in the order given, each once. */
export function otherDatabaseNames(list: string | undefined, configured: string): string[] {
  const names = (list ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return [...new Set(names)].filter((n) => n !== configured);
}

/**
 * Where the schema of another database goes: next to the configured database's file, with the
 * database in its name (`schema.yaml` -> `schema.tenant_a.yaml`), so each file is exactly what
 * `snapshot --database tenant_a --out schema.tenant_a.yaml` writes.
 */
export function schemaFileOf(schemaFile: string, database: string): string {
  const ext = path.extname(schemaFile);
  return `${schemaFile.slice(0, schemaFile.length - ext.length)}.${database}${ext || '.yaml'}`;
}

/**
 * `baseline`: adopts a database built without milvus-migrate. Reads everything it holds, writes
 * one migration that re-creates it and schema.yaml, and records the migration as applied there
 * (nothing runs). A database that already has state, or a project that already has migrations,
 * is refused: baseline starts a history.
 */
export async function baseline(args: BaselineArgs, out: Output, now: Date = new Date()): Promise<number> {
  const cfg = await loadSettings(args, out);
  const [{ loadMigrations }, { readSchema }, { withoutRebuildLeftovers }, { baselineMigration }, { schemaToYaml }] = await Promise.all([
    import('../../migrations/load.js'),
    import('../../schema/read.js'),
    import('../../schema/model.js'),
    import('../../generate/plan.js'),
    import('../../schema/yaml.js'),
  ]);
  const existing = await loadMigrations(cfg.migrationsDir).catch(() => []);
  if (existing.length)
    throw new InvalidInputError(
      `${cfg.migrationsDir} already holds ${existing.length} migration${existing.length === 1 ? '' : 's'} (${existing
        .slice(0, 3)
        .map((m) => m.name)
        .join(
          ', ',
        )}${existing.length > 3 ? ', ...' : ''}): baseline starts the history of a database, so it needs an empty migrations folder`,
      [],
      { hint: 'Move them away (an example written by `init` can be deleted), or record them with `mark <name> --applied`.' },
    );
  const { name, file } = newMigrationFile(cfg, args.name ?? 'baseline', now);
  const schemaFile = args.out ? path.resolve(args.out) : path.join(cfg.rootDir, DEFAULT_SNAPSHOT_FILE);

  const otherNames = otherDatabaseNames(args.databases, cfg.database);

  return withMilvus(cfg, out, async (milvus) => {
    const { collectionExists } = await import('../../milvus/reads/lookups.js');
    if (otherNames.length) {
      const onServer = new Set((await milvus.call('listDatabases', {})).db_names);
      const missing = otherNames.filter((n) => !onServer.has(n));
      if (missing.length)
        throw new InvalidInputError(
          `--databases names ${missing.length === 1 ? 'a database' : 'databases'} the server does not have: ${missing.join(', ')}`,
          [],
          { hint: `The server has: ${[...onServer].sort().join(', ')}.` },
        );
    }
    for (const db of [cfg.database, ...otherNames]) {
      if (await collectionExists(milvus, { collection_name: cfg.stateCollection, db_name: db })) {
        throw new InvalidInputError(
          `database ${db} already has milvus-migrate state (collection ${cfg.stateCollection}): it is managed, there is nothing to baseline`,
          [],
          {
            hint:
              db === cfg.database
                ? 'Edit schema.yaml and run `milvus-migrate generate "<name>"`, or `status` to see what it has applied.'
                : `Leave it out of --databases: it has a history of its own (\`--database ${db} status\`).`,
          },
        );
      }
    }
    const readDatabase = async (database: string) =>
      withoutRebuildLeftovers(await readSchema(milvus, { database, exclude: [cfg.stateCollection, `${cfg.stateCollection}_lock`] }));
    const schema = await readDatabase(cfg.database);
    const others: BaselineDatabase[] = [];
    for (const name of otherNames) others.push({ name, schema: await readDatabase(name) });
    const collections = Object.keys(schema.collections);
    const aliases = Object.keys(schema.aliases);
    const document = (fields: { migration: { name: string; path: string } | null; marked: boolean; schemaFile: string | null }) =>
      ({
        command: 'baseline',
        ok: true,
        exitCode: 0,
        database: cfg.database,
        dryRun: Boolean(args.dryRun),
        ...fields,
        collections,
        aliases,
        otherDatabases: others.map((d) => ({
          database: d.name,
          collections: Object.keys(d.schema.collections),
          aliases: Object.keys(d.schema.aliases),
          schemaFile: fields.schemaFile === null ? null : schemaFileOf(fields.schemaFile, d.name),
        })),
      }) satisfies JsonDocument<'baseline'>;
    if (!collections.length && !others.length) {
      if (args.json) out.document(document({ migration: null, marked: false, schemaFile: null }));
      else out.result(`Nothing to baseline: database ${cfg.database} holds no collections. Start with \`create\` or \`generate\`.`);
      return 0;
    }
    const m = baselineMigration(schema, { serverVersion: await milvus.version(), migrationName: name }, others);
    const text = await migrationText(
      cfg,
      file,
      m,
      `Written by \`milvus-migrate baseline\` from database ${cfg.database}${
        others.length ? ` and ${others.map((d) => d.name).join(', ')}` : ''
      } as they were, and recorded as applied in ${cfg.database}.`,
    );
    if (args.dryRun) {
      if (args.json) out.document({ ...document({ migration: { name, path: file }, marked: false, schemaFile: null }), yaml: text });
      else out.result(text);
      return 0;
    }
    await writeGenerated(file, text, m);
    await writeFile(schemaFile, schemaToYaml(schema));
    for (const d of others) await writeFile(schemaFileOf(schemaFile, d.name), schemaToYaml(d.schema));
    const marked = await (
      await createMigrator(cfg, milvus, out, false, { migrations: await loadMigrations(cfg.migrationsDir) })
    ).mark(name, 'applied');
    if (marked.error) throw marked.error;
    if (args.json) out.document(document({ migration: { name, path: file }, marked: true, schemaFile }));
    else {
      const rel = (p: string) => relative(process.cwd(), p) || p;
      out.result(
        [
          `${out.colors.green('✔')} Baseline of database ${cfg.database}: ${collections.length} collection${collections.length === 1 ? '' : 's'}, ${aliases.length} alias${aliases.length === 1 ? '' : 'es'}`,
          ...others.map(
            (d) =>
              `  and database ${d.name}: ${Object.keys(d.schema.collections).length} collection${Object.keys(d.schema.collections).length === 1 ? '' : 's'}${d.name === 'default' ? '' : ', created by the migration'}`,
          ),
          `  wrote ${rel(file)} (${m.up.length} steps), recorded as applied in ${cfg.database} (nothing was run)`,
          `  wrote ${rel(schemaFile)}: edit it, then \`milvus-migrate generate "<name>"\``,
          ...others.map((d) => `  wrote ${rel(schemaFileOf(schemaFile, d.name))} (database ${d.name})`),
        ].join('\n'),
      );
    }
    return 0;
  });
}
