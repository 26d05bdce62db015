import { readFile } from 'node:fs/promises';
import path, { relative } from 'node:path';
import type { ResolvedConfig } from '../../config/load.js';
import type { Migration } from '../../migrations/model.js';
import type { ExpectedSchema } from '../../runner/fold.js';
import type { DatabaseSchema } from '../../schema/model.js';
import { InvalidInputError } from '../../errors.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { DEFAULT_SNAPSHOT_FILE } from './snapshot.js';
import { withThrowaway } from '../throwaway.js';
import { migrationText, newMigrationFile, writeGenerated } from './generated-file.js';

export interface GenerateArgs extends GlobalArgs {
  readonly name: string;
  readonly schema?: string | undefined;
  readonly targetVersion?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly replay?: boolean | undefined;
  readonly docker?: boolean | undefined;
}

/**
 * `generate <name>`: the migration that takes the schema the existing migrations produce (folded
 * from their steps, no server needed for that) to the one schema.yaml describes. The server is
 * asked only its version, which decides what changes in place (`--target-version` instead: no
 * server at all). Nothing to change: no file, exit 0.
 */
export async function generate(args: GenerateArgs, out: Output, now: Date = new Date()): Promise<number> {
  const cfg = await loadSettings(args, out);
  const schemaFile = args.schema ? path.resolve(args.schema) : path.join(cfg.rootDir, DEFAULT_SNAPSHOT_FILE);
  const [{ loadMigrations }, { readDesiredSchema }, { expectedSchema }, { withoutRebuildLeftovers }, { planMigration }] = await Promise.all(
    [
      import('../../migrations/load.js'),
      import('../../generate/desired.js'),
      import('../../runner/fold.js'),
      import('../../schema/model.js'),
      import('../../generate/plan.js'),
    ],
  );
  let text: string;
  try {
    text = await readFile(schemaFile, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`Cannot read ${schemaFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, [], {
      hint: 'Write it with `milvus-migrate snapshot` (or `baseline` for a database built by hand), then edit it.',
    });
  }
  // The file is checked before anything else: a mistake there is exit 2 with its line.
  const desired = readDesiredSchema(text, schemaFile);
  const migrations = await loadMigrations(cfg.migrationsDir);
  const from = await startingSchema(cfg, args, out, migrations, () =>
    expectedSchema(migrations, { database: cfg.database, backupDir: cfg.backupDir }),
  );
  const serverVersion = args.targetVersion ?? (await withMilvus(cfg, out, (milvus) => milvus.version()));
  const { name, file } = newMigrationFile(cfg, args.name, now);
  const m = planMigration(withoutRebuildLeftovers(from.schema), desired.schema, desired.renames, { serverVersion, migrationName: name });

  const rel = (p: string) => relative(process.cwd(), p) || p;
  const base = {
    command: 'generate' as const,
    ok: true,
    exitCode: 0,
    dryRun: Boolean(args.dryRun),
    schemaFile,
    serverVersion,
    by: from.by,
    where: from.where,
    steps: m.up.map((s) => ({ step: s.call.step, why: s.why, destructive: Boolean(s.destructive) })),
    todos: [...m.todos],
    notes: [...m.notes],
  };
  if (!m.up.length) {
    if (args.json) out.document({ ...base, migration: null, templates: [] } satisfies JsonDocument<'generate'>);
    else
      out.result(
        `${out.colors.green('✔')} Nothing to change: the migrations already produce ${rel(schemaFile)}. No file written.\n  ${computedBy(from)}`,
      );
    return 0;
  }
  const yaml = await migrationText(
    cfg,
    file,
    m,
    `Written by \`milvus-migrate generate\`: from the schema the migrations before it produce, to ${path.basename(schemaFile)}.`,
  );
  const templates = args.dryRun ? m.templates.map((t) => path.join(path.dirname(file), t.path)) : await writeGenerated(file, yaml, m);
  if (args.json) {
    out.document({
      ...base,
      migration: { name, path: file },
      templates,
      ...(args.dryRun ? { yaml } : {}),
    } satisfies JsonDocument<'generate'>);
    return 0;
  }
  const c = out.colors;
  const lines = [
    args.dryRun
      ? `${yaml}\n(dry run: nothing written; without --dry-run it goes to ${rel(file)})`
      : `${c.green('✔')} wrote ${rel(file)}: ${m.up.length} step${m.up.length === 1 ? '' : 's'} (on Milvus ${serverVersion})`,
    `  ${computedBy(from)}`,
    ...templates.map((t) => `  ${args.dryRun ? 'would write' : 'wrote'} ${rel(t)}: a template to fill in`),
    ...m.up.filter((s) => s.destructive).map((s) => `  ${c.yellow('destructive')}: ${s.call.step} (up needs --allow-destructive)`),
    ...m.notes.map((n) => `  note: ${n}`),
    ...(m.todos.length
      ? [`${c.yellow('!')} Fill in before it validates (the file is refused until then):`, ...m.todos.map((t) => `  - ${t}`)]
      : []),
  ];
  out.result(lines.join('\n'));
  return 0;
}

/** The schema the existing migrations produce, and how it was had: folded from their steps, or replayed on a throwaway Milvus. */
interface StartingSchema {
  readonly schema: DatabaseSchema;
  readonly by: 'fold' | 'replay';
  /** The throwaway server or database of a replay. */
  readonly where: string | null;
}

/**
 * Folded (no server) unless `--replay`/`--docker` asks for a replay, or a code migration makes the
 * fold impossible (its steps are known only when it runs): then every migration is applied to a
 * throwaway Milvus and its schema read, as `diff --replay` does.
 */
async function startingSchema(
  cfg: ResolvedConfig,
  args: GenerateArgs,
  out: Output,
  migrations: readonly Migration[],
  fold: () => Promise<ExpectedSchema>,
): Promise<StartingSchema> {
  if (!args.replay && !args.docker) {
    const folded = await fold();
    if (folded.folded) {
      for (const p of folded.problems) out.logger().warn(`the migrations would fail on an empty database: ${p.file}: ${p.message}`);
      return { schema: folded.schema, by: 'fold', where: null };
    }
    out.log(`${folded.reason}: replaying them on a throwaway Milvus`);
  }
  const { schemaOfApplied } = await import('../../verify/verify.js');
  return withThrowaway(cfg, args, out, async (throwaway) => ({
    by: 'replay' as const,
    where: throwaway.where,
    schema: await schemaOfApplied({
      throwaway,
      migrationsDir: cfg.migrationsDir,
      migrations,
      applied: migrations.map((m) => m.name),
      logger: out.logger(),
    }),
  }));
}

function computedBy(from: StartingSchema): string {
  return from.by === 'fold'
    ? 'schema of the migrations: folded from their steps (no server)'
    : `schema of the migrations: replayed on a throwaway Milvus (${from.where})`;
}
