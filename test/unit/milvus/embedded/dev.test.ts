/**
 * The dev server's record and lifecycle logic, without Milvus: what a record means, the
 * keepRunning hand-over, stale records, and `dev stop` by process group (SIGKILL after the
 * timeout) on stand-in process groups whose command line names `milvus-server`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDevServer, stopDevServer } from '../../../../src/milvus/embedded/dev.js';
import { recordState, type ProcessFacts } from '../../../../src/milvus/embedded/owner.js';
import { groupAlive } from '../../../../src/milvus/embedded/processes.js';
import {
  keptRunning,
  markKeepRunning,
  PID_FILE_NAME,
  readRecord,
  RUNNING_FILE_NAME,
  writeRecord,
  type EmbeddedPidRecord,
} from '../../../../src/milvus/embedded/records.js';

const record: EmbeddedPidRecord = { pgid: 4242, port: 19530, startedAt: '2026-12-01T10:00:00.000Z', authorization: false, dataDir: '/d' };

function facts(over: Partial<ProcessFacts> = {}): ProcessFacts {
  return { groupAlive: () => true, looksLikeEmbedded: () => true, inOurNetworkNamespace: () => true, processAlive: () => true, ...over };
}

describe('recordState', () => {
  it('a marked server is the dev server, whoever started it', () => {
    expect(recordState({ ...record, keepRunning: true, ownerPid: 7 }, facts())).toEqual({ kind: 'running', role: 'dev', reachable: true });
  });

  it('an unmarked one belongs to its live starter, or to nobody once that died', () => {
    expect(recordState({ ...record, ownerPid: 7 }, facts())).toEqual({ kind: 'running', role: 'command', reachable: true });
    expect(recordState({ ...record, ownerPid: 7 }, facts({ processAlive: () => false }))).toEqual({
      kind: 'running',
      role: 'orphan',
      reachable: true,
    });
    expect(recordState(record, facts())).toMatchObject({ role: 'orphan' });
  });

  it('is stale when the group is gone, or its id now belongs to another program', () => {
    expect(recordState({ ...record, keepRunning: true }, facts({ groupAlive: () => false }))).toEqual({ kind: 'stale' });
    expect(recordState({ ...record, keepRunning: true }, facts({ looksLikeEmbedded: () => false }))).toEqual({ kind: 'stale' });
  });

  it('says when it runs in another network namespace', () => {
    expect(recordState({ ...record, keepRunning: true }, facts({ inOurNetworkNamespace: () => false }))).toEqual({
      kind: 'running',
      role: 'dev',
      reachable: false,
    });
  });
});

let dir: string;
let dataDir: string;
let cacheDir: string;
const groups: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mm-dev-unit-'));
  dataDir = join(dir, 'data');
  cacheDir = join(dir, 'cache');
  await mkdir(dataDir);
  await mkdir(cacheDir);
});

afterEach(async () => {
  for (const g of groups.splice(0)) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in server: its own process group, `milvus-server` on its command line; `stubborn` ignores SIGTERM. */
async function fakeServer(stubborn = false): Promise<number> {
  const code = `${stubborn ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1e6); process.stdout.write('up');`;
  const child = spawn(process.execPath, ['-e', code, 'milvus-server'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.stdout.destroy();
  child.unref();
  groups.push(child.pid!);
  return child.pid!;
}

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('the keepRunning hand-over', () => {
  it('marks both records of the group, drops the starter, and leaves other groups alone', () => {
    const pidFile = join(dataDir, PID_FILE_NAME);
    const runningFile = join(cacheDir, RUNNING_FILE_NAME);
    writeRecord(pidFile, { ...record, dataDir, ownerPid: 7 });
    writeRecord(runningFile, { ...record, pgid: 9999, dataDir: '/other' });
    expect(keptRunning(pidFile, record.pgid)).toBe(false);
    markKeepRunning([pidFile, runningFile], record.pgid);
    expect(readRecord(pidFile)).toEqual({ ...record, dataDir, keepRunning: true });
    expect(keptRunning(pidFile, record.pgid)).toBe(true);
    expect(keptRunning(pidFile, 9999)).toBe(false);
    expect(readRecord(runningFile)).toEqual({ ...record, pgid: 9999, dataDir: '/other' });
  });
});

describe('findDevServer', () => {
  it('removes a record whose process group is gone, from the data folder and the cache root', () => {
    const pgid = deadPid();
    writeRecord(join(dataDir, PID_FILE_NAME), { ...record, pgid, dataDir, keepRunning: true });
    writeRecord(join(cacheDir, RUNNING_FILE_NAME), { ...record, pgid, dataDir, keepRunning: true });
    expect(findDevServer({ dataDir, cacheDir })).toEqual({ server: undefined, staleRecordRemoved: true });
    expect(existsSync(join(dataDir, PID_FILE_NAME))).toBe(false);
    expect(existsSync(join(cacheDir, RUNNING_FILE_NAME))).toBe(false);
  });

  it('finds a running dev server by its record', async () => {
    const pgid = await fakeServer();
    writeRecord(join(dataDir, PID_FILE_NAME), { ...record, pgid, dataDir, keepRunning: true });
    expect(findDevServer({ dataDir, cacheDir })).toEqual({
      server: {
        dataDir,
        address: '127.0.0.1:19530',
        port: 19530,
        pid: pgid,
        role: 'dev',
        ownerPid: undefined,
        startedAt: record.startedAt,
        authorization: false,
        reachable: true,
        logsDir: join(dataDir, 'logs'),
      },
      staleRecordRemoved: false,
    });
  });
});

describe('stopDevServer', () => {
  it('stops the process group and removes its records', async () => {
    const pgid = await fakeServer();
    writeRecord(join(dataDir, PID_FILE_NAME), { ...record, pgid, dataDir, keepRunning: true });
    writeRecord(join(cacheDir, RUNNING_FILE_NAME), { ...record, pgid, dataDir, keepRunning: true });
    const r = await stopDevServer({ dataDir, cacheDir });
    expect(r).toMatchObject({ outcome: 'stopped', stopped: { pid: pgid, role: 'dev' }, left: undefined });
    expect(groupAlive(pgid)).toBe(false);
    expect(existsSync(join(dataDir, PID_FILE_NAME))).toBe(false);
    expect(existsSync(join(cacheDir, RUNNING_FILE_NAME))).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM once the timeout is up', async () => {
    const pgid = await fakeServer(true);
    writeRecord(join(dataDir, PID_FILE_NAME), { ...record, pgid, dataDir, keepRunning: true });
    const r = await stopDevServer({ dataDir, cacheDir, timeoutMs: 300 });
    expect(r.outcome).toBe('killed');
    expect(groupAlive(pgid)).toBe(false);
  });

  it('leaves a server that a running command started to that command', async () => {
    const pgid = await fakeServer();
    writeRecord(join(dataDir, PID_FILE_NAME), { ...record, pgid, dataDir, ownerPid: process.pid });
    const r = await stopDevServer({ dataDir, cacheDir });
    expect(r).toMatchObject({ stopped: undefined, left: { pid: pgid, role: 'command', ownerPid: process.pid } });
    await sleep(100);
    expect(groupAlive(pgid)).toBe(true);
  });

  it('stops an orphan: a server whose starter died without stopping it', async () => {
    const pgid = await fakeServer();
    writeRecord(join(dataDir, PID_FILE_NAME), { ...record, pgid, dataDir, ownerPid: deadPid() });
    expect(await stopDevServer({ dataDir, cacheDir })).toMatchObject({ outcome: 'stopped', stopped: { role: 'orphan' } });
    expect(groupAlive(pgid)).toBe(false);
  });

  it('has nothing to stop when nothing runs', async () => {
    expect(await stopDevServer({ dataDir, cacheDir })).toEqual({
      stopped: undefined,
      outcome: undefined,
      left: undefined,
      staleRecordRemoved: false,
    });
  });
});
