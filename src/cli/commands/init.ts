import { mkdir, writeFile, access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import type { GlobalArgs } from '../session.js';

export const CONFIG_TEMPLATE = `# milvus-migrate configuration. Docs: https://www.npmjs.com/package/milvus-migrate
migrations: migrations                # folder of migration files, relative to this file
stateCollection: milvus_migrations    # where applied migrations are recorded, in \`database\`
address: localhost:19530
database: default
# token: \${MILVUS_TOKEN}              # \${VAR} and \${VAR:-default} are read from the environment

environments:                         # --env NAME picks one; its keys override the ones above
  local:
    embedded: true                    # start a local Milvus for each command, data in .milvus/
  production:
    address: \${MILVUS_ADDRESS}
    token: \${MILVUS_TOKEN}
    ssl: true
    # allowDestructive: true          # let steps that delete data run without --allow-destructive
`;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `init`: writes milvus.config.yaml and the migrations folder, leaving existing ones alone. */
export async function init(args: GlobalArgs, out: Output): Promise<number> {
  const root = process.cwd();
  const configPath = resolve(root, args.config ?? 'milvus.config.yaml');
  const migrationsDir = join(root, 'migrations');
  const created: string[] = [];
  const kept: string[] = [];
  if (await exists(configPath)) kept.push(configPath);
  else {
    await writeFile(configPath, CONFIG_TEMPLATE, { flag: 'wx' });
    created.push(configPath);
  }
  if (await exists(migrationsDir)) kept.push(migrationsDir);
  else {
    await mkdir(migrationsDir, { recursive: true });
    created.push(migrationsDir);
  }
  if (args.json) out.document({ command: 'init', ok: true, exitCode: 0, created, kept } satisfies JsonDocument<'init'>);
  else {
    const c = out.colors;
    out.result(
      [
        ...created.map((p) => `${c.green('created')} ${p}`),
        ...kept.map((p) => `${c.dim('exists ')} ${p} ${c.dim('(left as it is)')}`),
        '',
        'Next: milvus-migrate create <name>, then milvus-migrate plan, then milvus-migrate up.',
      ].join('\n'),
    );
  }
  return 0;
}
