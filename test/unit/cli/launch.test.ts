import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheVariant, compileCacheDir } from '../../../src/cli/launch.js';

const LAUNCH = pathToFileURL(path.resolve('src/cli/launch.ts')).href;

describe('compileCacheDir', () => {
  it('is under the cache root unless MILVUS_MIGRATE_COMPILE_CACHE says otherwise', () => {
    expect(compileCacheDir({ MILVUS_MIGRATE_CACHE: '/c/mm' })).toBe('/c/mm/compile-cache');
    expect(compileCacheDir({ MILVUS_MIGRATE_CACHE: '/c/mm', MILVUS_MIGRATE_COMPILE_CACHE: '/elsewhere' })).toBe('/elsewhere');
    for (const off of ['0', 'false', 'off']) expect(compileCacheDir({ MILVUS_MIGRATE_COMPILE_CACHE: off })).toBeUndefined();
  });
});

describe('cacheVariant', () => {
  it('names a cache after the command, or its first flag, and never after a path or value', () => {
    expect(cacheVariant(['create', 'add_docs'])).toBe('create');
    expect(cacheVariant(['--json', 'status'])).toBe('status');
    expect(cacheVariant(['--help'])).toBe('help');
    expect(cacheVariant(['-h'])).toBe('h');
    expect(cacheVariant([])).toBe('other');
    expect(cacheVariant(['--config', '../x/milvus.config.yaml', 'up'])).toBe('up');
    expect(cacheVariant(['--env', 'production', 'up'])).toBe('up');
    expect(cacheVariant(['../x/milvus.config.yaml'])).toBe('other');
    expect(cacheVariant(['Up'])).toBe('other');
  });
});

// Each test starts node with tsx a few times: seconds on a loaded 2-core machine (a hang guard, not a timing).
describe('loadWithCodeCache', { timeout: 60_000 }, () => {
  let dir: string;
  let cacheDir: string;
  let bundle: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mm-launch-'));
    cacheDir = path.join(dir, 'cache');
    bundle = path.join(dir, 'bundle.cjs');
    writeFileSync(path.join(dir, 'esm.mjs'), 'export const value = 42;\n');
    writeBundle('first');
    // A runner that loads the bundle like bin/milvus-migrate.js does, and reports what happened.
    writeFileSync(
      path.join(dir, 'run.mjs'),
      `const { loadWithCodeCache } = await import(${JSON.stringify(LAUNCH)});
const cacheDir = process.env.CACHE_DIR || undefined;
const { exports, cache } = loadWithCodeCache(${JSON.stringify(bundle)}, { cacheDir, variant: process.argv[2] });
console.log(JSON.stringify({ cache, ...(await exports.main((specifier) => import(specifier))) }));
`,
    );
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function writeBundle(tag: string): void {
    writeFileSync(
      bundle,
      `const { sep } = require('node:path');
exports.main = async (importer) => {
  const esm = await importer(require('node:url').pathToFileURL(__dirname + '/esm.mjs').href);
  return { tag: ${JSON.stringify(tag)}, sep, esm: esm.value, filename: __filename, dirname: __dirname };
};
`,
    );
  }

  function run(
    variant: string,
    cache: string | undefined = cacheDir,
  ): { cache: string; tag: string; sep: string; esm: number; filename: string; dirname: string } {
    // From the repository, where `--import tsx` resolves and loads launch.ts.
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, 'run.mjs'), variant], {
      env: { ...process.env, CACHE_DIR: cache ?? '' },
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    return JSON.parse(res.stdout.trim().split('\n').pop()!);
  }

  const cacheFiles = () => readdirSync(cacheDir).sort();

  it('runs the file as CommonJS with require and __filename, imports through the importer it is given, and reuses its cache', () => {
    const first = run('create');
    expect(first).toEqual({ cache: 'miss', tag: 'first', sep: '/', esm: 42, filename: bundle, dirname: dir });
    expect(cacheFiles()).toEqual([expect.stringMatching(/^cli-[0-9a-f]{16}-create\.bin$/)]);
    const second = run('create');
    expect(second).toEqual({ ...first, cache: 'hit' });
    expect(run('validate').cache).toBe('miss');
    expect(cacheFiles()).toHaveLength(2);
  });

  it('a corrupt cache is refused by V8, the command still runs, and the cache is made anew', () => {
    run('up');
    const [file] = cacheFiles();
    const bytes = readFileSync(path.join(cacheDir, file!));
    bytes.fill(7, 0, 64);
    writeFileSync(path.join(cacheDir, file!), bytes);
    expect(run('up')).toMatchObject({ cache: 'rejected', tag: 'first', esm: 42 });
    expect(run('up').cache).toBe('hit');
  });

  it('a changed file gets its own cache, and caches of the old one are removed', () => {
    run('up');
    run('status');
    const old = cacheFiles();
    writeBundle('second');
    expect(run('up')).toMatchObject({ cache: 'miss', tag: 'second' });
    const now = cacheFiles();
    expect(now).toHaveLength(1);
    expect(old).not.toContain(now[0]);
  });

  it('without a cache folder, or with one it cannot write, the file runs all the same', () => {
    expect(run('up', '')).toMatchObject({ cache: 'off', tag: 'first', esm: 42 });
    // Inside a regular file: no folder can be made there, not even by root.
    const unwritable = path.join(dir, 'esm.mjs', 'cache');
    expect(run('up', unwritable)).toMatchObject({ cache: 'miss', tag: 'first', esm: 42 });
    expect(run('up', unwritable).cache).toBe('miss');
  });
});
