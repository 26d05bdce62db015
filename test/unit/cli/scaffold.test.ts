import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_TEMPLATE } from '../../../src/cli/commands/init.js';
import { JSON_DOCUMENTS } from '../../../src/cli/json-shapes.js';
import { loadConfig } from '../../../src/config/load.js';
import { EMBEDDED_KEYS, LAYER_KEYS } from '../../../src/config/schema.js';
import { runInProcess } from '../../support/cli-help.js';

describe('init and create', () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mm-scaffold-'));
    config = join(dir, 'milvus.config.yaml');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('init writes a config, a migrations folder and an example migration, then leaves them alone', async () => {
    const first = await runInProcess(['init', '--json', '--config', config]);
    expect(first.code).toBe(0);
    const doc = JSON_DOCUMENTS.init.parse(JSON.parse(first.stdout));
    expect(doc.created.map((p) => basename(p).replace(/^\d{14}_/, ''))).toEqual([
      'milvus.config.yaml',
      'migrations',
      'create_example_collection.yaml',
      '.gitignore',
    ]);
    expect(doc.kept).toEqual([]);
    expect(await readFile(config, 'utf8')).toBe(
      `# yaml-language-server: $schema=node_modules/milvus-migrate/schemas/config.schema.json\n${CONFIG_TEMPLATE}`,
    );
    const example = doc.created.find((p) => p.endsWith('_create_example_collection.yaml'))!;
    expect((await readFile(example, 'utf8')).split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../node_modules/milvus-migrate/schemas/migration.schema.json',
    );
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(
      '# milvus-migrate: Embedded Milvus data, backups\n.milvus/\n.milvus-migrate/\n',
    );

    const again = JSON_DOCUMENTS.init.parse(JSON.parse((await runInProcess(['init', '--json', '--config', config])).stdout));
    expect(again).toMatchObject({ created: [], updated: [], kept: [config, join(dir, 'migrations'), join(dir, '.gitignore')] });
  });

  it('the config explains every key and loads as it is, in each of its environments', async () => {
    for (const key of [...LAYER_KEYS, ...EMBEDDED_KEYS, 'environments'])
      expect(CONFIG_TEMPLATE, key).toMatch(new RegExp(`^#?\\s*${key}:`, 'm'));
    // The top level works on a fresh machine: an Embedded Milvus, data in .milvus/.
    const top = await loadConfig({ configPath: config, environ: {} });
    expect(top).toMatchObject({
      stateCollection: 'milvus_migrations',
      database: 'default',
      connection: { address: '127.0.0.1:19530' },
      migrationsDir: join(dir, 'migrations'),
    });
    expect(top.embedded).toEqual({ dataDir: join(dir, '.milvus') });
    const pointed = await loadConfig({ configPath: config, environ: { MILVUS_ADDRESS: 'milvus.internal:19530' } });
    expect(pointed).toMatchObject({ connection: { address: 'milvus.internal:19530' }, embedded: undefined });
    const server = await loadConfig({ configPath: config, env: 'server', environ: {} });
    expect(server).toMatchObject({ connection: { address: 'localhost:19530' }, embedded: undefined });
    const production = await loadConfig({
      configPath: config,
      env: 'production',
      environ: { MILVUS_ADDRESS: 'milvus.example.com:443', MILVUS_TOKEN: 't0ken' },
    });
    expect(production).toMatchObject({
      connection: { address: 'milvus.example.com:443', token: 't0ken', ssl: true },
      lockTimeout: 300,
      embedded: undefined,
    });
  });

  it('init adds the local folders to an existing .gitignore once, keeping what is there', async () => {
    const sub = await mkdtemp(join(dir, 'gi-'));
    const gitignore = join(sub, '.gitignore');
    await writeFile(gitignore, 'node_modules\n/.milvus\n*.log');
    const first = JSON_DOCUMENTS.init.parse(
      JSON.parse((await runInProcess(['init', '--json', '--config', join(sub, 'milvus.config.yaml')])).stdout),
    );
    expect(first.updated).toEqual([gitignore]);
    expect(await readFile(gitignore, 'utf8')).toBe(
      'node_modules\n/.milvus\n*.log\n\n# milvus-migrate: Embedded Milvus data, backups\n.milvus-migrate/\n',
    );
    const again = JSON_DOCUMENTS.init.parse(
      JSON.parse((await runInProcess(['init', '--json', '--config', join(sub, 'milvus.config.yaml')])).stdout),
    );
    expect(again).toMatchObject({ created: [], updated: [] });
    expect(again.kept).toContain(gitignore);
    expect(await readFile(gitignore, 'utf8')).toBe(
      'node_modules\n/.milvus\n*.log\n\n# milvus-migrate: Embedded Milvus data, backups\n.milvus-migrate/\n',
    );
  });

  it('create writes commented templates of every format that validate as they are', async () => {
    const names: string[] = [];
    for (const format of ['yaml', 'ts', 'js'] as const) {
      const r = await runInProcess(['create', `add partition ${format}`, '--format', format, '--json', '--config', config]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON_DOCUMENTS.create.parse(JSON.parse(r.stdout));
      expect(doc.format).toBe(format);
      expect(doc.path.endsWith(`_add_partition_${format}.${format === 'js' ? 'mjs' : format}`)).toBe(true);
      expect(await readFile(doc.path, 'utf8')).toMatch(/^(#|\/\/) /);
      if (format === 'yaml') {
        expect((await readFile(doc.path, 'utf8')).split('\n')[0]).toBe(
          '# yaml-language-server: $schema=../node_modules/milvus-migrate/schemas/migration.schema.json',
        );
      }
      names.push(doc.name);
    }
    const v = await runInProcess(['validate', '--offline', '--json', '--config', config]);
    expect(v.code, v.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.validate.parse(JSON.parse(v.stdout));
    // Files written within one second sort by slug.
    expect(doc.migrations.map((m) => [m.name.replace(/^\d{14}_/, ''), m.format]).sort()).toEqual([
      ['add_partition_js', 'code'],
      ['add_partition_ts', 'code'],
      ['add_partition_yaml', 'yaml'],
      ['create_example_collection', 'yaml'],
    ]);
    expect(doc.migrations.map((m) => m.name)).toEqual(expect.arrayContaining(names));
  });
});
