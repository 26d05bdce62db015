import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EmbeddedMilvusBusyError,
  EmbeddedMilvusError,
  dataDirFromMilvusArgv,
  embeddedVenvDir,
  ensureEmbeddedInstalled,
  findFreePort,
  isPortFree,
  lastLines,
  parsePidRecord,
  parseProcStat,
  proxyPortFromConfig,
  resolveCacheRoot,
  serverArgs,
} from '../../src/milvus/embedded.js';

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

describe('parsePidRecord', () => {
  const valid = { pgid: 4242, port: 19530, startedAt: '2026-11-28T12:00:00.000Z', authorization: true, dataDir: '/d', ownerPid: 7 };

  it('reads a record written by startEmbedded', () => {
    expect(parsePidRecord(JSON.stringify(valid))).toEqual(valid);
  });

  it('defaults authorization to false and drops a bad ownerPid', () => {
    const { authorization: _a, ...rest } = valid;
    expect(parsePidRecord(JSON.stringify({ ...rest, ownerPid: 'x' }))).toEqual({
      pgid: 4242,
      port: 19530,
      startedAt: valid.startedAt,
      authorization: false,
      dataDir: '/d',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '42'],
    ['no pgid', JSON.stringify({ ...valid, pgid: undefined })],
    ['pgid 0 (would signal our own group)', JSON.stringify({ ...valid, pgid: 0 })],
    ['negative pgid', JSON.stringify({ ...valid, pgid: -1 })],
    ['port out of range', JSON.stringify({ ...valid, port: 70000 })],
    ['no dataDir', JSON.stringify({ ...valid, dataDir: '' })],
  ])('rejects %s', (_what, text) => {
    expect(parsePidRecord(text)).toBeUndefined();
  });
});

describe('proxyPortFromConfig', () => {
  // Shape of the milvus.yaml that milvus-server 2.3.5 writes (abridged).
  const config = [
    'etcd:',
    '  endpoints: localhost:2379',
    'rootCoord:',
    '  port: 53100',
    'proxy:',
    '  timeTickInterval: 200 # ms',
    '  http:',
    '    enabled: true',
    '    port: 8080',
    '  ip: # if not specify address, will use the first unicastable address as local ip',
    '  port: 19541',
    '  internalPort: 19529',
    'queryCoord:',
    '  port: 19531',
  ].join('\n');

  it('reads proxy.port, not another section or a nested port', () => {
    expect(proxyPortFromConfig(config)).toBe(19541);
  });

  it('is undefined when there is no proxy port', () => {
    expect(proxyPortFromConfig('rootCoord:\n  port: 53100\n')).toBeUndefined();
    expect(proxyPortFromConfig('')).toBeUndefined();
  });
});

describe('parseProcStat', () => {
  it('reads pid, command, state, parent and process group', () => {
    expect(parseProcStat('3395 (milvus) S 3387 3387 3387 0 -1 4194560 24869')).toEqual({
      pid: 3395,
      comm: 'milvus',
      state: 'S',
      ppid: 3387,
      pgid: 3387,
    });
  });

  it('copes with spaces and parentheses in the command name', () => {
    expect(parseProcStat('12 (a (b) c) Z 1 12 12 0')).toMatchObject({ pid: 12, comm: 'a (b) c', state: 'Z', pgid: 12 });
  });

  it('is undefined for garbage', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (x)')).toBeUndefined();
  });
});

describe('dataDirFromMilvusArgv', () => {
  it('finds the data folder of `DATA/bin/milvus run standalone`', () => {
    expect(dataDirFromMilvusArgv(['/tmp/devmilvus/bin/milvus', 'run', 'standalone', ''])).toBe('/tmp/devmilvus');
  });

  it('ignores other processes', () => {
    expect(dataDirFromMilvusArgv(['/usr/bin/milvus', 'run', 'proxy'])).toBeUndefined();
    expect(dataDirFromMilvusArgv(['/opt/milvus', 'run', 'standalone'])).toBeUndefined();
    expect(dataDirFromMilvusArgv(['python3', 'milvus-server', '--data', '/d'])).toBeUndefined();
    expect(dataDirFromMilvusArgv([])).toBeUndefined();
  });
});

describe('serverArgs', () => {
  const TUNING = ['--extra-config', 'proxy.timeTickInterval=50', '--extra-config', 'queryCoord.checkInterval=200', '--extra-config', 'queryCoord.distPullInterval=100'];
  it('passes data folder and port, and turns authorization on only when asked', () => {
    expect(serverArgs('/v/bin/milvus-server', '/d', 19530, false)).toEqual([
      '/v/bin/milvus-server', '--data', '/d', '--proxy-port', '19530', '--extra-config', 'common.session.ttl=5', '--extra-config', 'common.gracefulStopTimeout=3',
      ...TUNING,
    ]);
    expect(serverArgs('/v/bin/milvus-server', '/d', 19531, true)).toEqual([
      '/v/bin/milvus-server',
      '--data',
      '/d',
      '--proxy-port',
      '19531',
      '--extra-config',
      'common.session.ttl=5',
      '--extra-config',
      'common.gracefulStopTimeout=3',
      ...TUNING,
      '--authorization-enabled',
      'true',
    ]);
  });
});

describe('lastLines', () => {
  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\r\nc\n\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('', 5)).toEqual([]);
  });
});

describe('findFreePort', () => {
  it('returns the first port the check accepts', async () => {
    const taken = new Set([19530, 19531]);
    await expect(findFreePort(19530, { isFree: async (p) => !taken.has(p) })).resolves.toBe(19532);
  });

  it('gives up after the given number of tries, with a hint', async () => {
    const err = await findFreePort(19530, { tries: 3, isFree: async () => false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedMilvusError);
    expect((err as EmbeddedMilvusError).kind).toBe('connection');
    expect((err as Error).message).toMatchInlineSnapshot(`"No free port for Embedded Milvus in 19530-19532."`);
    expect((err as EmbeddedMilvusError).hint).toMatchInlineSnapshot(
      `"Pass a free port, or use a running Milvus instead with --address HOST:PORT (or MILVUS_ADDRESS)."`,
    );
  });
});

describe('isPortFree', () => {
  it('sees a port taken on 127.0.0.1 and sees it free again once released', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('EmbeddedMilvusBusyError', () => {
  it('names the running server and says that only one fits a machine', () => {
    const err = new EmbeddedMilvusBusyError('/work/.milvus', { dataDir: '/tmp/devmilvus', port: 19530, pid: 3387 });
    expect(err.kind).toBe('connection');
    expect(err.address).toBe('127.0.0.1:19530');
    expect(err.message).toMatchInlineSnapshot(
      `"Cannot start Embedded Milvus for /work/.milvus: another Embedded Milvus is already running on this machine (data in /tmp/devmilvus, address 127.0.0.1:19530, pid 3387). Only one Embedded Milvus fits a machine (its etcd always binds 127.0.0.1:2380): stop it, or use it with --address 127.0.0.1:19530."`,
    );
    expect(err.hint).toMatchInlineSnapshot(`"Stop the running server, or use it (or any Milvus) with --address 127.0.0.1:19530 or MILVUS_ADDRESS."`);
  });

  it('still says what to do when the holder of the etcd port is unknown', () => {
    const err = new EmbeddedMilvusBusyError('/work/.milvus', undefined);
    expect(err.running).toBeUndefined();
    expect(err.message).toMatchInlineSnapshot(
      `"Cannot start Embedded Milvus for /work/.milvus: 127.0.0.1:2380 is already in use (another Embedded Milvus, or an etcd, runs on this machine). Only one Embedded Milvus fits a machine (its etcd always binds 127.0.0.1:2380): stop it, or use a running Milvus with --address."`,
    );
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
