import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedMilvusError } from '../../../../src/milvus/embedded/errors.js';
import { embeddedVenvDir, ensureEmbeddedInstalled } from '../../../../src/milvus/embedded/install.js';
import { resolveCacheRoot } from '../../../../src/util/cache-root.js';

describe('resolveCacheRoot', () => {
  it('prefers MILVUS_MIGRATE_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(resolveCacheRoot({ MILVUS_MIGRATE_CACHE: '/c/mm', XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/c/mm');
    expect(resolveCacheRoot({ XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/xdg/milvus-migrate');
    expect(resolveCacheRoot({}, '/home/u')).toBe('/home/u/.cache/milvus-migrate');
  });

  it('treats empty variables as unset', () => {
    expect(resolveCacheRoot({ MILVUS_MIGRATE_CACHE: '', XDG_CACHE_HOME: '' }, '/home/u')).toBe('/home/u/.cache/milvus-migrate');
  });

  it('puts the venv in a folder named after the Milvus version', () => {
    expect(embeddedVenvDir('/c/mm')).toBe('/c/mm/milvus-2.3.5');
  });
});

describe('ensureEmbeddedInstalled', () => {
  let cacheDir: string | undefined;
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    cacheDir = undefined;
  });

  it('returns the milvus-server script of an existing install without installing', async () => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'milvus-migrate-unit-'));
    const bin = path.join(cacheDir, 'milvus-2.3.5', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'milvus-server'), '#!/bin/sh\n');
    const infos: string[] = [];
    const logger = { debug() {}, info: (m: string) => void infos.push(m), warn() {} };
    await expect(ensureEmbeddedInstalled({ cacheDir, logger })).resolves.toBe(path.join(bin, 'milvus-server'));
    expect(infos).toEqual([]);
  });

  it('says what to install when python3 is missing, and leaves no half-built venv', async () => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'milvus-migrate-unit-'));
    process.env.PATH = path.join(cacheDir, 'no-such-bin');
    const err = await ensureEmbeddedInstalled({ cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedMilvusError);
    expect((err as EmbeddedMilvusError).kind).toBe('connection');
    expect((err as Error).message).toMatch(/^Cannot install Embedded Milvus: python3 was not found/);
    expect((err as EmbeddedMilvusError).hint).toMatchInlineSnapshot(
      `"Install Python 3 with its venv module (e.g. apt-get install python3 python3-venv), or use a running Milvus instead with --address HOST:PORT (or MILVUS_ADDRESS)."`,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('ensureEmbeddedInstalled with a failing Python', () => {
  let dir: string | undefined;
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Puts a fake `python3` first on PATH; `venvPython` is the body of the venv's own python3. */
  function fakePython(venvScript: string, venvPython: string): string {
    dir = mkdtempSync(path.join(os.tmpdir(), 'milvus-migrate-unit-'));
    const bin = path.join(dir, 'fake-bin');
    mkdirSync(bin);
    // `python3 -m venv DIR` runs venvScript with DIR as $3.
    const python = path.join(bin, 'python3');
    writeFileSync(python, `#!/bin/sh\n${venvScript}\n`);
    chmodSync(python, 0o755);
    writeFileSync(path.join(bin, 'venv-python3'), `#!/bin/sh\n${venvPython}\n`);
    chmodSync(path.join(bin, 'venv-python3'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
    return path.join(dir, 'cache');
  }

  it('says to install python3-venv when the venv module (ensurepip) is missing', async () => {
    const cacheDir = fakePython(
      'echo "The virtual environment was not created successfully because ensurepip is not available." >&2; exit 1',
      'exit 1',
    );
    // What an installer killed by Ctrl-C during pip leaves behind; it is cleaned up on the next install.
    const deadPid = spawnSync('true').pid;
    mkdirSync(path.join(cacheDir, `.milvus-2.3.5.tmp-${deadPid}-0badcafe`, 'bin'), { recursive: true });
    const err = (await ensureEmbeddedInstalled({ cacheDir }).catch((e: unknown) => e)) as EmbeddedMilvusError;
    expect(err).toBeInstanceOf(EmbeddedMilvusError);
    expect(err.message).toMatchInlineSnapshot(`
      "Cannot install Embedded Milvus: "python3 -m venv" failed (exit code 1):
        The virtual environment was not created successfully because ensurepip is not available."
    `);
    expect(err.hint).toMatchInlineSnapshot(
      `"Install Python's venv and ensurepip modules (e.g. apt-get install python3-venv), or use a running Milvus instead with --address HOST:PORT (or MILVUS_ADDRESS)."`,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('shows what pip said when the install fails, and leaves no half-built venv', async () => {
    const cacheDir = fakePython(
      'mkdir -p "$3/bin" && cp "$(dirname "$0")/venv-python3" "$3/bin/python3"',
      'echo "ERROR: No matching distribution found for milvus==2.3.5" >&2; exit 1',
    );
    const err = (await ensureEmbeddedInstalled({ cacheDir }).catch((e: unknown) => e)) as EmbeddedMilvusError;
    expect(err).toBeInstanceOf(EmbeddedMilvusError);
    expect(err.message).toMatchInlineSnapshot(`
      "Cannot install Embedded Milvus: "pip install milvus==2.3.5" failed (exit code 1):
        ERROR: No matching distribution found for milvus==2.3.5"
    `);
    expect(err.hint).toMatch(/^Check that pip can reach PyPI/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('refuses an install that did not produce the milvus-server script', async () => {
    const cacheDir = fakePython('mkdir -p "$3/bin" && cp "$(dirname "$0")/venv-python3" "$3/bin/python3"', 'exit 0');
    const err = (await ensureEmbeddedInstalled({ cacheDir }).catch((e: unknown) => e)) as EmbeddedMilvusError;
    expect(err).toBeInstanceOf(EmbeddedMilvusError);
    expect(err.message).toMatch(/but no milvus-server script appeared/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
