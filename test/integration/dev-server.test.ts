/**
 * `milvus-migrate dev`: an Embedded Milvus left running for a project, which every command then
 * uses instead of starting its own.
 *
 * Only one Embedded Milvus fits a network namespace (its etcd binds 127.0.0.1:2380) and the suite's
 * own server holds this one, so the dev server runs in a namespace of its own: a `sleep` started
 * under `unshare -n` holds it, and every CLI run (and the SDK check) enters it with `nsenter`.
 * That needs root (or a user namespace allowed), as CI has; without it the file is skipped, saying so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { ensureEmbeddedInstalled, PID_FILE_NAME } from '../../src/milvus/embedded/index.js';
import { uniqueName } from '../support/milvus.js';
import { groupAlive } from '../support/processes.js';
import { collectionYaml, runCli, type CliResult } from '../support/project.js';

const REPO = resolve(import.meta.dirname, '../..');
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['-n', 'true']).status === 0 && existsSync('/usr/bin/nsenter');

/** The network namespace the dev server lives in, held by a `sleep` (see the file comment). */
let holder: ChildProcess;
let netns: string;
let dir: string;
let dataDir: string;
let cacheDir: string;
const collection = uniqueName('dev');

/** Runs the CLI in the project, inside the dev server's namespace, with nothing pointing it elsewhere. */
function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, {
    cwd: dir,
    prefix: ['nsenter', '-t', String(holder.pid), '-n'],
    env: {
      MILVUS_MIGRATE_CACHE: cacheDir,
      MILVUS_ADDRESS: undefined,
      MILVUS_TOKEN: undefined,
      MILVUS_USERNAME: undefined,
      MILVUS_PASSWORD: undefined,
    },
  });
}

function devDoc(r: CliResult) {
  expect(r.code, r.stderr).toBe(0);
  return JSON_DOCUMENTS.dev.parse(r.json());
}

/** Pids of the Embedded Milvus processes (wrapper and `milvus`) in the dev server's namespace, sorted. */
function milvusProcessesInNamespace(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/net`) !== netns) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (argv.includes('milvus-server') || /\/bin\/milvus\0run\0standalone/.test(argv)) pids.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Whether the collection exists, asked with the SDK from inside the namespace (not the tool's own view). */
function hasCollectionInNamespace(address: string, name: string): boolean {
  const script = `import { MilvusClient } from '@zilliz/milvus2-sdk-node';
const c = new MilvusClient({ address: ${JSON.stringify(address)}, logLevel: 'error' });
const r = await c.hasCollection({ collection_name: ${JSON.stringify(name)} });
process.stdout.write(String(r.value));
await c.closeConnection();
process.exit(0);`;
  const r = spawnSync('nsenter', ['-t', String(holder.pid), '-n', process.execPath, '--input-type=module', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: undefined },
  });
  if (r.status !== 0) throw new Error(`SDK check failed: ${r.stderr}`);
  return r.stdout === 'true';
}

describe.runIf(canUnshare)('dev: a server that stays up (in a network namespace of its own: needs unshare -n, Linux as root)', () => {
  beforeAll(async () => {
    // Nothing is reachable from inside the namespace: install (if needed) out here first.
    const venv = dirname(dirname(await ensureEmbeddedInstalled()));
    holder = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec sleep 100000'], { stdio: 'ignore' });
    const ours = readlinkSync('/proc/self/ns/net');
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        netns = readlinkSync(`/proc/${holder.pid}/ns/net`);
        // `exec sleep` done: the namespace is set up (lo up) once sleep runs in it.
        if (netns !== ours && readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').startsWith('sleep')) break;
      } catch {
        // not there yet
      }
      if (Date.now() > deadline) throw new Error('the namespace holder did not start');
      await sleep(20);
    }
    dir = await mkdtemp(join(tmpdir(), 'mm-dev-'));
    dataDir = join(dir, '.milvus');
    // A cache root of its own (the venv linked in), so the suite's records (running.json, start.lock) are not touched.
    cacheDir = join(dir, 'cache');
    await mkdir(cacheDir);
    await symlink(venv, join(cacheDir, basename(venv)));
    await mkdir(join(dir, 'migrations'));
    await writeFile(join(dir, 'milvus.config.yaml'), 'migrations: migrations\nembedded: true\n');
    await writeFile(join(dir, 'migrations', '001_create.yaml'), `up:\n${collectionYaml(collection)}`);
  });

  afterAll(async () => {
    // Whatever a failed test left running in the namespace goes with it.
    for (const pid of milvusProcessesInNamespace()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    holder?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let pid: number;
  let address: string;
  let processes: number[];

  it('dev start starts Embedded Milvus and leaves it running after the CLI exits', async () => {
    const doc = devDoc(await cli('dev', 'start', '--json'));
    expect(doc).toMatchObject({ action: 'start', dataDir, running: true, changed: true, killed: false, notes: [] });
    expect(doc.server).toMatchObject({ role: 'dev', ownerPid: null, reachable: true, logsDir: join(dataDir, 'logs') });
    expect(doc.server!.version).toMatch(/2\.3/);
    pid = doc.server!.pid;
    address = doc.server!.address!;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    // The CLI has exited; the server's process group lives on, its output in the data folder.
    expect(groupAlive(pid)).toBe(true);
    processes = milvusProcessesInNamespace();
    expect(processes).toContain(pid);
    expect(processes.length).toBeGreaterThanOrEqual(2); // the wrapper and its milvus child
    expect(existsSync(join(dataDir, 'logs', 'milvus-server-wrapper.log'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, PID_FILE_NAME), 'utf8'))).toMatchObject({ pgid: pid, keepRunning: true });
  });

  it('dev start again says it runs already, and exits 0', async () => {
    const r = await cli('dev', 'start');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`The dev server is already running on ${address} (pid ${pid}`);
    expect(milvusProcessesInNamespace()).toEqual(processes);
  });

  it('status and up use it: no server started, none stopped', async () => {
    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON_DOCUMENTS.status.parse(status.json())).toMatchObject({ address, counts: { pending: 1 } });
    expect(status.stderr).toContain(`Using the dev server on ${address} (pid ${pid}`);
    expect(status.stderr).not.toContain('Starting Embedded Milvus');

    const up = await cli('up', '--json');
    expect(up.code, up.stderr).toBe(0);
    expect(JSON_DOCUMENTS.up.parse(up.json()).migrations.map((m) => m.status)).toEqual(['success']);
    expect(up.stderr).toContain(`Using the dev server on ${address} (pid ${pid}`);
    expect(up.stderr).not.toContain('Starting Embedded Milvus');

    // The same processes as before: nothing was started, and neither command stopped it on exit.
    expect(milvusProcessesInNamespace()).toEqual(processes);
    expect(hasCollectionInNamespace(address, collection)).toBe(true);
  });

  it('dev status shows address, pid, data folder, uptime and version', async () => {
    const doc = devDoc(await cli('dev', 'status', '--json'));
    expect(doc).toMatchObject({ action: 'status', dataDir, running: true, changed: false, staleRecordRemoved: false });
    expect(doc.server).toMatchObject({ address, pid, role: 'dev', reachable: true, authorization: false });
    expect(doc.server!.version).toMatch(/2\.3/);
    expect(doc.server!.uptimeMs).toBeGreaterThan(0);
    expect(Date.parse(doc.server!.startedAt!)).toBeLessThan(Date.now());

    const text = await cli('dev', 'status');
    expect(text.stdout).toMatch(new RegExp(`address +${address.replace(/\./g, '\\.')}\\n`));
    expect(text.stdout).toMatch(new RegExp(`pid +${pid}\\n`));
    expect(text.stdout).toContain(dataDir);
    expect(text.stdout).toMatch(/uptime +\d/);
  });

  it('dev stop stops the whole process group; nothing is left running in the namespace', async () => {
    const doc = devDoc(await cli('dev', 'stop', '--json'));
    expect(doc).toMatchObject({ action: 'stop', running: false, changed: true, server: { pid, address } });
    expect(groupAlive(pid)).toBe(false);
    expect(milvusProcessesInNamespace()).toEqual([]);
    expect(existsSync(join(dataDir, PID_FILE_NAME))).toBe(false);

    const again = await cli('dev', 'stop');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`No dev server runs for ${dataDir}: nothing to stop.`);
  });

  it('with 19530 taken, dev start takes the next free port and says clearly who holds 19530', async () => {
    // Something else listening on 19530 in the namespace, as a Milvus in Docker would.
    const squatter = spawn(
      'nsenter',
      [
        '-t',
        String(holder.pid),
        '-n',
        process.execPath,
        '-e',
        "require('net').createServer().listen(19530, () => console.log('listening'))",
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      await new Promise((resolve) => squatter.stdout!.once('data', resolve));
      const doc = devDoc(await cli('dev', 'start', '--json'));
      expect(doc.server!.address).not.toBe('127.0.0.1:19530');
      expect(doc.notes).toEqual([
        expect.stringMatching(
          new RegExp(
            `^127\\.0\\.0\\.1:19530 was taken \\(by pid ${squatter.pid} \\(node\\)\\), so it listens on ${doc.server!.address} instead`,
          ),
        ),
      ]);
      // Commands find it all the same.
      const status = await cli('status', '--json');
      expect(status.code, status.stderr).toBe(0);
      expect(status.json()).toMatchObject({ address: doc.server!.address });
      expect(devDoc(await cli('dev', 'stop', '--json'))).toMatchObject({ changed: true, server: { pid: doc.server!.pid } });
      expect(milvusProcessesInNamespace()).toEqual([]);
    } finally {
      squatter.kill('SIGKILL');
    }
  });

  it('a record of a server that is gone is removed, and reported', async () => {
    // A pid that certainly is not running any more: a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const record = {
      pgid: Number(gone.stdout),
      port: 19530,
      startedAt: new Date().toISOString(),
      authorization: false,
      dataDir,
      keepRunning: true,
    };
    await writeFile(join(dataDir, PID_FILE_NAME), JSON.stringify(record));
    const doc = devDoc(await cli('dev', 'status', '--json'));
    expect(doc).toMatchObject({ running: false, server: null, staleRecordRemoved: true });
    expect(existsSync(join(dataDir, PID_FILE_NAME))).toBe(false);
  });
});
