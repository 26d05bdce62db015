/**
 * The package as npm users receive it: `npm pack`, installed into a new project with
 * `--omit=dev`, used through its bin, imported from ES modules and CommonJS, and type-checked
 * against. Needs no Milvus. Installs from npm's cache when it can (`--prefer-offline`): inside a
 * network namespace without a network, the cache must already hold the dependencies (any earlier
 * `npm ci` of this repository, or one run of this test with a network, fills it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

describe('npm pack, installed with --omit=dev', () => {
  let dir: string;
  let app: string;
  let files: string[];
  // What a user's shell has: no vitest NODE_ENV; the CLI's compile cache kept out of the way.
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, MILVUS_MIGRATE_CACHE: join(dir, 'cache'), NO_COLOR: '1' };
    delete e.NODE_ENV;
    return e;
  };
  const sh = (file: string, args: string[], cwd = app) => run(file, args, { cwd, env: env(), maxBuffer: 16 * 1024 * 1024 });
  const cli = (...args: string[]) => sh(process.execPath, [join(app, 'node_modules/.bin/milvus-migrate'), ...args]);

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/bundle/cli.cjs'))) throw new Error('dist/ is not built: run `npm run build` first');
    dir = await mkdtemp(join(tmpdir(), 'mm-pack-'));
    app = join(dir, 'app');
    // dist/ is already built (the tests run after `npm run build`): no need for prepare to build it again.
    const packed = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    files = info.files.map((f) => f.path);
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await sh('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info.filename)]);
  }, 120_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('holds bin/, dist/, LICENSE, README and package.json, and no source maps or sources', async () => {
    const top = ['LICENSE', 'README.md', 'package.json'];
    expect(files).toEqual(expect.arrayContaining([...top, 'bin/milvus-migrate.js', 'dist/index.js', 'dist/index.d.ts', 'dist/bundle/cli.cjs']));
    expect(files.filter((f) => !/^(bin|dist)\//.test(f) && !top.includes(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const license = await readFile(join(app, 'node_modules/milvus-migrate/LICENSE'), 'utf8');
    expect(license).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    const pkg = JSON.parse(await readFile(join(app, 'node_modules/milvus-migrate/package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      license: 'Apache-2.0',
      repository: { url: expect.any(String) },
      homepage: expect.any(String),
      bugs: { url: expect.any(String) },
    });
    expect(pkg.keywords).toContain('milvus');
    // Dev dependencies stayed out.
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
  });

  it('--help, init, create and validate --offline work from the installed bin', async () => {
    expect((await cli('--help')).stdout).toContain('milvus-migrate <command> [options]');
    expect((await cli('-v')).stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
    const init = JSON_DOCUMENTS.init.parse(JSON.parse((await cli('init', '--json')).stdout));
    expect(init.created.map((p) => p.replace(app, ''))).toEqual(expect.arrayContaining(['/milvus.config.yaml', '/migrations', '/.gitignore']));
    for (const format of ['ts', 'js']) {
      JSON_DOCUMENTS.create.parse(JSON.parse((await cli('create', `add ${format}`, '--format', format, '--json')).stdout));
    }
    // Value imports of the library from code migrations resolve to the installed package.
    const valueImport = "import { defineMigration } from 'milvus-migrate';\nexport default defineMigration({ async up() {} });\n";
    await writeFile(join(app, 'migrations/29990101000000_value_import.ts'), valueImport);
    await writeFile(join(app, 'migrations/29990101000001_value_import.mjs'), valueImport);
    const validate = JSON_DOCUMENTS.validate.parse(JSON.parse((await cli('validate', '--offline', '--json')).stdout));
    expect(validate.migrations.map((m) => m.format).sort()).toEqual(['code', 'code', 'code', 'code', 'yaml']);
    expect((await readdir(join(app, 'migrations'))).length).toBe(5);
  });

  it('imports from ES modules and from CommonJS (require of an ES module, Node 20.19+)', async () => {
    const show = 'console.log(typeof m.defineMigration, typeof m.openProject, m.STEP_NAMES.length > 0)';
    const esm = await sh(process.execPath, ['--input-type=module', '-e', `import * as m from 'milvus-migrate'; ${show}`]);
    expect(esm.stdout.trim()).toBe('function function true');
    const cjs = await sh(process.execPath, ['--input-type=commonjs', '-e', `const m = require('milvus-migrate'); ${show}`]);
    expect(cjs.stdout.trim()).toBe('function function true');
    expect(cjs.stderr).toBe('');
  });

  it('type-checks a TypeScript file against its declarations, and they catch mistakes', async () => {
    const good = `import { defineMigration, openProject, type MigrationDefinition, type RunResult } from 'milvus-migrate';
export const migration: MigrationDefinition = defineMigration({
  description: 'typed',
  async up({ steps, client, log }) {
    await steps.createPartition({ collection_name: 'c', partition_name: 'p' });
    log(String((await client.showCollections()).data.length));
  },
});
export async function deploy(): Promise<RunResult> {
  const project = await openProject({ env: 'production' });
  try {
    return await project.up();
  } finally {
    await project.close();
  }
}
`;
    const tsconfig = (file: string) => ({
      compilerOptions: {
        ...{ module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true },
        // Check the package's own declarations too; Node's types come from this repository.
        ...{ skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] },
      },
      files: [file],
    });
    await writeFile(join(app, 'good.ts'), good);
    await writeFile(join(app, 'tsconfig.good.json'), JSON.stringify(tsconfig('good.ts')));
    await sh(process.execPath, [TSC, '-p', 'tsconfig.good.json']);
    await writeFile(join(app, 'bad.ts'), good.replace('client.showCollections()', 'client.showCollectionz()'));
    await writeFile(join(app, 'tsconfig.bad.json'), JSON.stringify(tsconfig('bad.ts')));
    const bad = await sh(process.execPath, [TSC, '-p', 'tsconfig.bad.json']).then(
      () => undefined,
      (err: { stdout: string }) => err.stdout,
    );
    expect(bad).toContain("Property 'showCollectionz' does not exist");
  });
});
