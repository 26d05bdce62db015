import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidInputError } from '../../errors.js';
import { schemaComment } from '../../editor/schema-paths.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, type GlobalArgs } from '../session.js';

export interface CreateArgs extends GlobalArgs {
  readonly name: string;
  readonly format: 'yaml' | 'ts' | 'js';
}

/** New migration files, by `--format`: commented, and valid as they are (the tests run `validate` on them). */
export const TEMPLATES = {
  yaml: `# Shown by status and plan: say what this migration changes and why.
description: TODO say what this migration changes

# Steps run in order, each as <stepName>: <params>. Step names are the Node SDK's method names
# and params its request fields (snake_case), e.g. createCollection, createIndex, loadCollection,
# createPartition, dropPartition, createAlias, alterAlias, insert, copyRows. The whole file is
# validated before anything runs: unknown steps or params are errors with the line.
up:
  - createPartition:
      collection_name: my_collection
      partition_name: my_partition

# down is optional: without it, the inverse of each up step runs in reverse order (here:
# dropPartition). Write it when the inverse is not what you want, or when a step has none
# (dropCollection). Steps that delete data need --allow-destructive.
# down:
#   - dropPartition:
#       collection_name: my_collection
#       partition_name: my_partition
`,
  ts: `// A code migration, loaded with tsx (no build step). \`steps\` is the YAML step catalogue with the
// same checks, waits and state recording; \`client\` is the connected MilvusClient of the Node SDK
// for anything else; \`log\` writes to milvus-migrate's log. The import is types only, so the file
// also runs with a milvus-migrate installed elsewhere (npx); defineMigration() works too.
// \`steps\` is typed: your editor checks each step's params against that step's schema.
import type { MigrationDefinition } from 'milvus-migrate';

export default {
  description: 'TODO say what this migration changes',
  async up({ steps }) {
    await steps.createPartition({ collection_name: 'my_collection', partition_name: 'my_partition' });
  },
  // Code migrations have no derived down: without this, \`down\` refuses to revert it.
  async down({ steps }) {
    await steps.dropPartition({ collection_name: 'my_collection', partition_name: 'my_partition' });
  },
} satisfies MigrationDefinition;
`,
  js: `// A code migration (ES module). \`steps\` is the YAML step catalogue with the same checks, waits
// and state recording; \`client\` is the connected MilvusClient of the Node SDK for anything else;
// \`log\` writes to milvus-migrate's log.

/** @type {import('milvus-migrate').MigrationDefinition} */
export default {
  description: 'TODO say what this migration changes',
  async up({ steps }) {
    await steps.createPartition({ collection_name: 'my_collection', partition_name: 'my_partition' });
  },
  // Code migrations have no derived down: without this, \`down\` refuses to revert it.
  async down({ steps }) {
    await steps.dropPartition({ collection_name: 'my_collection', partition_name: 'my_partition' });
  },
};
`,
} as const;

/** `YYYYMMDDHHMMSS` in UTC. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Lower-case words joined by underscores. */
export function slugify(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** `create <name>`: a new migration file named `YYYYMMDDHHMMSS_<slug>.<ext>` (UTC). */
export async function create(args: CreateArgs, out: Output, now: Date = new Date()): Promise<number> {
  const slug = slugify(args.name);
  if (!slug) throw new InvalidInputError(`create: the name ${JSON.stringify(args.name)} has no letters or digits to make a file name from`);
  const cfg = await loadSettings(args, out);
  await mkdir(cfg.migrationsDir, { recursive: true });
  const ext = args.format === 'yaml' ? 'yaml' : args.format === 'ts' ? 'ts' : 'mjs';
  const file = join(cfg.migrationsDir, `${timestamp(now)}_${slug}.${ext}`);
  try {
    // YAML files point the editor at the shipped JSON Schema (completion and checks as one types).
    const text = args.format === 'yaml' ? `${schemaComment('migration', file, cfg.rootDir)}${TEMPLATES.yaml}` : TEMPLATES[args.format];
    await writeFile(file, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new InvalidInputError(`create: ${file} already exists`);
    throw err;
  }
  if (args.json)
    out.document({
      command: 'create',
      ok: true,
      exitCode: 0,
      path: file,
      name: `${timestamp(now)}_${slug}`,
      format: args.format,
    } satisfies JsonDocument<'create'>);
  else out.result(`${out.colors.green('created')} ${relative(process.cwd(), file) || file}`);
  return 0;
}
