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

  it('holds bin/, dist/, schemas/, LICENSE, README and package.json, and no source maps or sources', async () => {
    const top = ['LICENSE', 'README.md', 'package.json'];
    const schemas = ['schemas/migration.schema.json', 'schemas/config.schema.json'];
    expect(files).toEqual(
      expect.arrayContaining([...top, 'bin/milvus-migrate.js', 'dist/index.js', 'dist/index.d.ts', 'dist/bundle/cli.cjs', ...schemas]),
    );
    expect(files.filter((f) => !/^(bin|dist|schemas)\//.test(f) && !top.includes(f))).toEqual([]);
    // Where the files init and create write point their editor at (`# yaml-language-server: $schema=`).
    for (const s of schemas)
      expect(JSON.parse(await readFile(join(app, 'node_modules/milvus-migrate', s), 'utf8'))).toHaveProperty('$schema');
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
    expect(init.created.map((p) => p.replace(app, ''))).toEqual(
      expect.arrayContaining(['/milvus.config.yaml', '/migrations', '/.gitignore']),
    );
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
    // One tsc run over both files: the good one passes, the bad one fails where the SDK's client type
    // (reached through this package's declarations) has no such method, so the types are real, not `any`.
    await writeFile(join(app, 'good.ts'), good);
    await writeFile(join(app, 'bad.ts'), good.replace('client.showCollections()', 'client.showCollectionz()'));
    const compilerOptions = {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    };
    // Node's types come from this repository.
    const types = { typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] };
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...types }, files: ['good.ts', 'bad.ts'] }),
    );
    const bad = await sh(process.execPath, [TSC, '-p', '.']).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(bad.split('\n').filter((l) => /error TS/.test(l))).toEqual([
      expect.stringMatching(/^bad\.ts\(\d+,\d+\): error TS2551: Property 'showCollectionz' does not exist/),
    ]);
  });

  it('verify --docker without testcontainers (an optional peer dependency) exits 2 with the install command', async () => {
    const res = await cli('verify', '--docker', '--json').then(
      () => {
        throw new Error('verify --docker succeeded without testcontainers');
      },
      (err: { code: number; stdout: string }) => err,
    );
    expect(res.code).toBe(2);
    expect(JSON_DOCUMENTS.failure.parse(JSON.parse(res.stdout)).error).toMatchObject({
      kind: 'invalid-input',
      message: 'testcontainers is not installed: --docker needs it (npm install --save-dev testcontainers@11)',
    });
  });
});

describe('npm ci --omit=dev in the repository', () => {
  it('succeeds: prepare skips the build when TypeScript is absent, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-ci-'));
    try {
      // prepare is the only script of this package that npm runs on install.
      for (const f of ['package.json', 'package-lock.json', 'scripts/prepare.mjs']) {
        await mkdir(join(dir, f, '..'), { recursive: true });
        await writeFile(join(dir, f), await readFile(join(ROOT, f)));
      }
      const env = { ...process.env, NODE_ENV: undefined };
      const res = await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
        cwd: dir,
        env,
      });
      expect(res.stdout + res.stderr).toContain('milvus-migrate: not building dist/ (typescript not installed: devDependencies omitted?)');
      expect(existsSync(join(dir, 'node_modules/@zilliz/milvus2-sdk-node'))).toBe(true);
      expect(existsSync(join(dir, 'node_modules/typescript'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
