/**
 * Embedded Milvus: a local Milvus 2.3.5 started for the length of one command (or one test run).
 *
 * It is the PyPI package `milvus==2.3.5` ("Milvus Lite" of the 2.3 line), installed once into a
 * Python venv in the user's cache. Its `milvus-server` script is a Python wrapper that unpacks
 * ~450 MB of binaries into the data folder and spawns the real `DATA/bin/milvus run standalone`.
 *
 * Things this module exists to get right:
 * - Killing the wrapper alone leaves the `milvus` child running, so the wrapper is started in its
 *   own process group and the whole group is stopped, on every path out of the process.
 * - Only one Embedded Milvus fits a machine: its embedded etcd always binds 127.0.0.1:2380.
 *   A second start for the same data folder reuses the running server; one for another folder
 *   fails with an error that names the running one.
 * - The wrapper silently moves to the next free port when the one asked for is taken, so the
 *   port we talk to is read back from the config file it writes.
 * - Two commands starting at once must not both install or both spawn: a machine-wide start lock
 *   in the cache root serialises the "is one running? else spawn and record it" step.
 *
 * Files: the venv `<cacheRoot>/milvus-2.3.5`; `<cacheRoot>/running.json` (the server this tool
 * last started, to name it in errors) and `<cacheRoot>/start.lock`; `DATA/milvus-migrate-server.json`
 * (pid record of the server running for DATA); logs in `DATA/logs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { ConnectionError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { processAlive } from '../util/process.js';
import { resolveCacheRoot } from '../util/cache-root.js';

export { resolveCacheRoot };

/** The Milvus version Embedded Milvus runs (the PyPI `milvus` package version). */
export const EMBEDDED_MILVUS_VERSION = '2.3.5';
/** First proxy port tried when none is given. */
export const DEFAULT_EMBEDDED_PORT = 19530;
/**
 * How long a start may take before it counts as failed. A start takes ~10 s, but ~35 s when the
 * same data folder was stopped less than ~30 s before (Milvus 2.3.5 waits for the old etcd
 * sessions to expire), and the first start in a folder unpacks ~450 MB.
 */
export const DEFAULT_READY_TIMEOUT_MS = 120_000;
/** How long a stop waits after SIGTERM before it SIGKILLs the process group (a graceful stop was seen to take ~10 s; a killed one makes the next start slow). */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** The embedded etcd's peer port. Fixed in Milvus Lite 2.3.5, so "in use" means "a server runs here". */
export const EMBEDDED_ETCD_PEER_PORT = 2380;
/** Credentials of an Embedded Milvus started with `authorization: true` (Milvus' built-in root user). */
export const EMBEDDED_ROOT_CREDENTIALS = { username: 'root', password: 'Milvus' } as const;
/** Name of the record written into the data folder while a server runs. */
export const PID_FILE_NAME = 'milvus-migrate-server.json';
/** Log of the Python wrapper itself (banner, Python errors), beside Milvus' own logs in `DATA/logs`. */
export const WRAPPER_LOG_NAME = 'milvus-server-wrapper.log';
/** Name of the machine-wide record (in the cache root) of the server this tool last started. */
export const RUNNING_FILE_NAME = 'running.json';

/** Options of {@link startEmbedded}. */
export interface EmbeddedOptions {
  /** Folder for Milvus' data, config, logs and unpacked binaries; created when missing. */
  dataDir: string;
  /** Proxy port. Default: the first free port from {@link DEFAULT_EMBEDDED_PORT}. */
  port?: number;
  /** Start with authentication on; then connect as {@link EMBEDDED_ROOT_CREDENTIALS}. */
  authorization?: boolean;
  logger?: Logger;
  /** Where the Embedded Milvus venv is installed. Default: {@link resolveCacheRoot}. */
  cacheDir?: string;
  /** Default {@link DEFAULT_READY_TIMEOUT_MS}. */
  readyTimeoutMs?: number;
}

/** A running Embedded Milvus. */
export interface EmbeddedServer {
  /** `127.0.0.1:PORT`, ready for `MilvusClient`. */
  address: string;
  port: number;
  /** Absolute data folder. */
  dataDir: string;
  /** Process group id of the server (the wrapper's pid). */
  pid: number;
  /** true when an already running server for the same dataDir was reused */
  reused: boolean;
  /**
   * Stops the whole process group and waits until it is gone. Safe to call twice. A no-op when
   * {@link reused}: the process that started the server owns it.
   */
  stop(): Promise<void>;
}

/** What the pid file in the data folder (and the machine-wide record) holds. */
export interface EmbeddedPidRecord {
  /** Process group id; equals the wrapper's pid because it was spawned detached. */
  pgid: number;
  port: number;
  /** ISO timestamp. */
  startedAt: string;
  authorization: boolean;
  /** Absolute data folder. */
  dataDir: string;
  /** The Node process that started it and will stop it. */
  ownerPid?: number;
}

/** An Embedded Milvus found running on this machine. */
export interface RunningEmbedded {
  dataDir: string;
  /** Proxy port, from its config file; undefined when that cannot be read. */
  port: number | undefined;
  /** Process group id (the wrapper's pid). */
  pid: number;
}

/**
 * Embedded Milvus cannot be installed, started or reached. `kind` is `connection` (exit 5): the
 * command cannot get a Milvus to talk to.
 */
export class EmbeddedMilvusError extends ConnectionError {
  constructor(message: string, options?: { address?: string; cause?: unknown; hint?: string }) {
    super(options?.address ?? 'embedded', message, options);
  }
}

/** Another Embedded Milvus (for another data folder) already runs on this machine. */
export class EmbeddedMilvusBusyError extends EmbeddedMilvusError {
  /** The server found running, when it could be identified. */
  readonly running: RunningEmbedded | undefined;
  constructor(dataDir: string, running: RunningEmbedded | undefined) {
    const address = running?.port !== undefined ? `127.0.0.1:${running.port}` : undefined;
    const who = running
      ? `another Embedded Milvus is already running on this machine (data in ${running.dataDir}${
          address ? `, address ${address}` : ''
        }, pid ${running.pid})`
      : `127.0.0.1:${EMBEDDED_ETCD_PEER_PORT} is already in use (another Embedded Milvus, or an etcd, runs on this machine)`;
    super(
      `Cannot start Embedded Milvus for ${dataDir}: ${who}. Only one Embedded Milvus fits a machine ` +
        `(its etcd always binds 127.0.0.1:${EMBEDDED_ETCD_PEER_PORT}): stop it, or ${
          address ? `use it with --address ${address}` : 'use a running Milvus with --address'
        }.`,
      {
        ...(address ? { address } : {}),
        hint: `Stop the running server, or use it (or any Milvus) with --address ${address ?? 'HOST:PORT'} or MILVUS_ADDRESS.`,
      },
    );
    this.running = running;
  }
}

const ADDRESS_HINT = 'or use a running Milvus instead with --address HOST:PORT (or MILVUS_ADDRESS)';

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit tested)
// ---------------------------------------------------------------------------------------------

/** The venv folder of Embedded Milvus inside a cache root. */
export function embeddedVenvDir(cacheRoot: string): string {
  return path.join(cacheRoot, `milvus-${EMBEDDED_MILVUS_VERSION}`);
}

/** Parses a pid record; `undefined` for anything that is not one (a stale or foreign file). */
export function parsePidRecord(text: string): EmbeddedPidRecord | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!isPositiveInt(r.pgid) || !isPositiveInt(r.port) || r.port > 65535) return undefined;
  if (typeof r.startedAt !== 'string' || typeof r.dataDir !== 'string' || !r.dataDir) return undefined;
  return {
    pgid: r.pgid,
    port: r.port,
    startedAt: r.startedAt,
    authorization: r.authorization === true,
    dataDir: r.dataDir,
    ...(isPositiveInt(r.ownerPid) ? { ownerPid: r.ownerPid } : {}),
  };
}

/**
 * The proxy port from the `milvus.yaml` the wrapper writes: `port:` directly under the top-level
 * `proxy:` section (deeper `port:` keys, e.g. `proxy.http`, do not count).
 */
export function proxyPortFromConfig(yamlText: string): number | undefined {
  let inProxy = false;
  for (const line of yamlText.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inProxy = /^proxy:\s*(#.*)?$/.test(line);
      continue;
    }
    if (!inProxy) continue;
    const m = /^ {2}port:\s*(\d+)\s*(#.*)?$/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** One line of `/proc/PID/stat`, reduced to what we need. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
}

/** Parses `/proc/PID/stat`. The command name may hold spaces and parentheses, hence `lastIndexOf`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const [state, ppid, pgid] = rest;
  if (!Number.isInteger(pid) || state === undefined || ppid === undefined || pgid === undefined) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid: Number(ppid), pgid: Number(pgid) };
}

/**
 * The data folder of a `milvus run standalone` process from its argv: the wrapper runs
 * `DATA/bin/milvus`, so DATA is two levels up. `undefined` for any other process.
 */
export function dataDirFromMilvusArgv(argv: readonly string[]): string | undefined {
  const [exe, run, role] = argv;
  if (!exe || run !== 'run' || role !== 'standalone') return undefined;
  if (path.basename(exe) !== 'milvus' || path.basename(path.dirname(exe)) !== 'bin') return undefined;
  return path.dirname(path.dirname(exe));
}

/** Arguments for the wrapper, after the Python interpreter. */
export function serverArgs(script: string, dataDir: string, port: number, authorization: boolean): string[] {
  // Milvus 2.3.5 keeps a stopped server's etcd sessions for `common.session.ttl` (30 s) and a
  // restart on the same data waits them out: ~45 s instead of ~9 s. One local server needs no
  // such grace, so 5 s lets commands run one after another (measured: restart ~9 s).
  // A stop that lands while Milvus is still starting can hang in retry loops for up to
  // `common.gracefulStopTimeout` (1800 s by default): let Milvus force-quit itself after 3 s (measured: the proxy otherwise retries dead coordinators until the timeout, so every stop took exactly that long).
  const args = [
    script,
    '--data',
    dataDir,
    '--proxy-port',
    String(port),
    '--extra-config',
    'common.session.ttl=5',
    '--extra-config',
    'common.gracefulStopTimeout=3',
    // A Strong read waits for the next time tick: every 200 ms by default, so reads of the state
    // took 200-400 ms each. One local server can afford 50 ms ticks (measured: 50-100 ms a read).
    '--extra-config',
    'proxy.timeTickInterval=50',
    // The query coordinator acts on load/release requests once a second by default (measured:
    // release 600 ms -> 200 ms with these).
    '--extra-config',
    'queryCoord.checkInterval=200',
    '--extra-config',
    'queryCoord.distPullInterval=100',
  ];
  // The wrapper's flag takes a value; argparse turns any non-empty string into True.
  if (authorization) args.push('--authorization-enabled', 'true');
  return args;
}

/** The last `n` non-empty lines of a text. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

/** The first port from `start` that `isFree` accepts, trying `tries` ports. */
export async function findFreePort(
  start: number = DEFAULT_EMBEDDED_PORT,
  options: { tries?: number; isFree?: (port: number) => Promise<boolean> } = {},
): Promise<number> {
  const tries = options.tries ?? 100;
  const isFree = options.isFree ?? isPortFree;
  for (let port = start; port < start + tries && port <= 65535; port++) {
    if (await isFree(port)) return port;
  }
  throw new EmbeddedMilvusError(`No free port for Embedded Milvus in ${start}-${start + tries - 1}.`, {
    hint: `Pass a free port, ${ADDRESS_HINT}.`,
  });
}

/**
 * Whether a TCP port can be listened on. Milvus listens on every interface while the wrapper
 * only tries 127.0.0.1, so both are checked: either being taken makes the port unusable.
 */
export async function isPortFree(port: number, hosts: readonly (string | undefined)[] = [undefined, '127.0.0.1']): Promise<boolean> {
  for (const host of hosts) {
    if (!(await canListen(port, host))) return false;
  }
  return true;
}

function canListen(port: number, host: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // Only "taken" (or "not allowed") means not free; e.g. no IPv6 on the host is not our concern.
      resolve(!(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Install
// ---------------------------------------------------------------------------------------------

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command, keeping the tail of its combined output. Rejects only when it cannot spawn. */
function run(cmd: string, args: readonly string[], logger: Logger): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_NO_INPUT: '1' } });
    let output = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of lastLines(text, 1000)) logger.debug(line);
      output = (output + text).slice(-64 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

function describeExit(r: RunResult): string {
  return r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
}

function indent(lines: readonly string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}

/**
 * Installs Embedded Milvus into `<cacheRoot>/milvus-2.3.5` (a Python venv with `milvus==2.3.5`)
 * unless it is there already, and returns the path of its `milvus-server` script.
 *
 * Safe when several processes install at once: each builds its own venv beside the target and
 * renames it into place; the first rename wins and the others throw theirs away.
 *
 * @throws {@link EmbeddedMilvusError} when python3, its venv module or pip fails, saying what to
 *   install or to use `--address` instead.
 */
export async function ensureEmbeddedInstalled(opts: { cacheDir?: string; logger?: Logger } = {}): Promise<string> {
  const logger = opts.logger ?? silentLogger;
  const cacheRoot = path.resolve(opts.cacheDir ?? resolveCacheRoot());
  const venv = embeddedVenvDir(cacheRoot);
  const script = path.join(venv, 'bin', 'milvus-server');
  if (fs.existsSync(script)) return script;

  await fsp.mkdir(cacheRoot, { recursive: true });
  await removeAbandonedInstalls(cacheRoot, venv);
  const tmp = path.join(cacheRoot, `${tmpPrefix(venv)}${process.pid}-${randomBytes(4).toString('hex')}`);
  logger.info(`Installing Embedded Milvus ${EMBEDDED_MILVUS_VERSION} into ${venv} (first use, ~35 s)`);
  const started = Date.now();
  try {
    let venvRun: RunResult;
    try {
      venvRun = await run('python3', ['-m', 'venv', tmp], logger);
    } catch (err) {
      throw new EmbeddedMilvusError(`Cannot install Embedded Milvus: python3 was not found (${errorMessage(err)}).`, {
        cause: err,
        hint: `Install Python 3 with its venv module (e.g. apt-get install python3 python3-venv), ${ADDRESS_HINT}.`,
      });
    }
    if (venvRun.code !== 0) {
      throw new EmbeddedMilvusError(
        `Cannot install Embedded Milvus: "python3 -m venv" failed (${describeExit(venvRun)}):\n${indent(lastLines(venvRun.output, 20))}`,
        {
          hint: `Install Python's venv and ensurepip modules (e.g. apt-get install python3-venv), ${ADDRESS_HINT}.`,
        },
      );
    }
    const pipRun = await run(
      path.join(tmp, 'bin', 'python3'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `milvus==${EMBEDDED_MILVUS_VERSION}`],
      logger,
    );
    if (pipRun.code !== 0) {
      throw new EmbeddedMilvusError(
        `Cannot install Embedded Milvus: "pip install milvus==${EMBEDDED_MILVUS_VERSION}" failed (${describeExit(pipRun)}):\n${indent(
          lastLines(pipRun.output, 20),
        )}`,
        { hint: `Check that pip can reach PyPI (proxy, network), ${ADDRESS_HINT}.` },
      );
    }
    if (!fs.existsSync(path.join(tmp, 'bin', 'milvus-server'))) {
      throw new EmbeddedMilvusError(
        `Cannot install Embedded Milvus: pip installed milvus==${EMBEDDED_MILVUS_VERSION} but no milvus-server script appeared in ${path.join(tmp, 'bin')}.`,
        { hint: `Install it by hand (python3 -m venv ${venv} && ${venv}/bin/pip install milvus==${EMBEDDED_MILVUS_VERSION}), ${ADDRESS_HINT}.` },
      );
    }
    // A venv hard-codes its own path in script shebangs and activate scripts. Point them at the
    // final folder before the rename so the venv works as if it had been created there.
    await relocateVenvScripts(tmp, venv);
    await moveIntoPlace(tmp, venv, script);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
  if (!fs.existsSync(script)) {
    throw new EmbeddedMilvusError(`Cannot install Embedded Milvus: ${script} is missing after the install.`, {
      hint: `Remove ${venv} and try again, ${ADDRESS_HINT}.`,
    });
  }
  logger.info(`Installed Embedded Milvus ${EMBEDDED_MILVUS_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return script;
}

function tmpPrefix(venv: string): string {
  return `.${path.basename(venv)}.tmp-`;
}

/** Half-built venvs (~450 MB each) of installers that died, e.g. on Ctrl-C during pip. */
async function removeAbandonedInstalls(cacheRoot: string, venv: string): Promise<void> {
  const prefix = tmpPrefix(venv);
  for (const name of await fsp.readdir(cacheRoot).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const owner = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      await fsp.rm(path.join(cacheRoot, name), { recursive: true, force: true }).catch(() => {});
    }
  }
}

async function relocateVenvScripts(from: string, to: string): Promise<void> {
  const files = [path.join(from, 'pyvenv.cfg')];
  for (const name of await fsp.readdir(path.join(from, 'bin'))) files.push(path.join(from, 'bin', name));
  for (const file of files) {
    const st = await fsp.lstat(file).catch(() => undefined);
    if (!st?.isFile() || st.size > 1024 * 1024) continue;
    const text = await fsp.readFile(file, 'utf8');
    if (text.includes(from)) await fsp.writeFile(file, text.split(from).join(to));
  }
}

/** Renames the finished venv into place; losing the race to another installer is fine. */
async function moveIntoPlace(tmp: string, venv: string, script: string): Promise<void> {
  try {
    await fsp.rename(tmp, venv);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  if (fs.existsSync(script)) return; // another process finished first
  // A broken venv (no script, e.g. an interrupted install by hand) is in the way: move it aside
  // atomically, so a concurrent reader never sees half of it, then take its place.
  const aside = `${venv}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fsp.rename(venv, aside).catch(() => {});
  await fsp.rm(aside, { recursive: true, force: true }).catch(() => {});
  await fsp.rename(tmp, venv).catch((err: NodeJS.ErrnoException) => {
    if (!fs.existsSync(script)) throw err;
  });
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

const onLinux = process.platform === 'linux';

/** Members of a process group, from /proc; `undefined` where there is no /proc. */
function groupMembers(pgid: number): ProcStat[] | undefined {
  if (!onLinux) return undefined;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: ProcStat[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat?.pgid === pgid) members.push(stat);
    } catch {
      // the process ended while we looked
    }
  }
  return members;
}

/**
 * Whether any live process remains in the group. Zombies do not count: an orphaned `milvus`
 * child is reaped by PID 1, and in some containers PID 1 never reaps.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const members = groupMembers(pgid);
  return members === undefined || members.some((m) => m.state !== 'Z');
}

/** Whether a process group is an Embedded Milvus, not an unrelated group that got the old id. */
function looksLikeEmbedded(pgid: number): boolean {
  const members = groupMembers(pgid);
  if (members === undefined) return true;
  return members.some((m) => {
    if (m.state === 'Z') return false;
    if (m.comm === 'milvus') return true;
    try {
      return fs.readFileSync(`/proc/${m.pid}/cmdline`, 'utf8').includes('milvus-server');
    } catch {
      return false;
    }
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, wait until the group is gone, SIGKILL after `timeoutMs`. */
async function stopGroup(pgid: number, logger: Logger, timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      logger.warn(`Embedded Milvus (process group ${pgid}) did not stop within ${timeoutMs / 1000} s; killing it.`);
      killGroup(pgid, 'SIGKILL');
      const killDeadline = Date.now() + 5_000;
      while (groupAlive(pgid) && Date.now() < killDeadline) await sleep(100);
      if (groupAlive(pgid)) logger.warn(`Embedded Milvus (process group ${pgid}) is still alive after SIGKILL.`);
      return;
    }
    await sleep(100);
  }
}

/** Embedded Milvus servers running on this machine, found through /proc (Linux only). */
export function findRunningEmbedded(): RunningEmbedded[] {
  if (!onLinux) return [];
  const found: RunningEmbedded[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const dataDir = dataDirFromMilvusArgv(argv);
      if (dataDir === undefined) continue;
      const stat = parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat?.state === 'Z') continue;
      found.push({ dataDir, port: readProxyPort(dataDir), pid: stat?.pgid ?? Number(name) });
    } catch {
      // not ours to read, or gone
    }
  }
  return found;
}

function readProxyPort(dataDir: string): number | undefined {
  try {
    return proxyPortFromConfig(fs.readFileSync(path.join(dataDir, 'configs', 'milvus.yaml'), 'utf8'));
  } catch {
    return undefined;
  }
}

function readRecord(file: string): EmbeddedPidRecord | undefined {
  try {
    return parsePidRecord(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeRecord(file: string, record: EmbeddedPidRecord): void {
  // Write then rename, so a concurrent reader never sees half a record.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Removes a record only if it still describes process group `pgid` (another run may own it now). */
function removeRecord(file: string, pgid: number): void {
  if (readRecord(file)?.pgid !== pgid) return;
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // best effort: a stale record is detected and removed on the next start
  }
}

/**
 * Asks the proxy a real question: Connect, then CheckHealth. Never throws and never leaves an
 * unhandled rejection behind (a client for a dead address rejects `connectPromise`).
 */
export async function probeMilvus(
  address: string,
  options: { authorization?: boolean; timeoutMs?: number } = {},
): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const client = new MilvusClient({
    address,
    timeout: timeoutMs,
    maxRetries: 0,
    ...(options.authorization ? EMBEDDED_ROOT_CREDENTIALS : {}),
    // Probes fail on purpose while Milvus starts; the SDK would log each one (at debug level
    // whenever NODE_ENV is `test`). Same level as the client factory (client.ts) sets.
    logLevel: 'error',
    __SKIP_CONNECT__: true,
  });
  try {
    client.connect(MilvusClient.sdkInfo.version);
    client.connectPromise.catch(() => {});
    const answer = (async () => {
      await client.connectPromise;
      const health = await client.checkHealth();
      return health.isHealthy === true;
    })();
    answer.catch(() => {});
    // Belt and braces over the SDK deadline; cleared so it never keeps the process alive.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs + 1_000);
    });
    try {
      return await Promise.race([answer, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return false;
  } finally {
    await client.closeConnection().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup on every way out of the process
// ---------------------------------------------------------------------------------------------

interface Owned {
  pgid: number;
  pidFile: string;
  runningFile: string;
  stop(): Promise<void>;
}

/** Servers this process started and has not stopped yet, by process group. */
const owned = new Map<number, Owned>();
const EXIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let exitHookInstalled = false;
let signalHooksInstalled = false;

/** Last resort, synchronous: the event loop is gone, so no waiting, just SIGKILL the groups. */
function onExit(): void {
  for (const s of owned.values()) {
    killGroup(s.pgid, 'SIGKILL');
    removeRecord(s.pidFile, s.pgid);
    removeRecord(s.runningFile, s.pgid);
  }
  owned.clear();
}

/**
 * Stops the servers gracefully, then lets the signal do what it would have done: re-raised with
 * our handler removed, unless someone else (the CLI, a test runner) also listens and decides.
 * A second Ctrl-C during the stop hits the default handler and the exit hook SIGKILLs the group.
 */
function onSignal(signal: NodeJS.Signals): void {
  removeSignalHooks();
  void Promise.allSettled([...owned.values()].map((s) => s.stop())).then(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function removeSignalHooks(): void {
  for (const sig of EXIT_SIGNALS) process.removeListener(sig, onSignal);
  signalHooksInstalled = false;
}

function installHooks(): void {
  if (!exitHookInstalled) {
    process.on('exit', onExit);
    exitHookInstalled = true;
  }
  if (!signalHooksInstalled) {
    for (const sig of EXIT_SIGNALS) process.on(sig, onSignal);
    signalHooksInstalled = true;
  }
}

function uninstallHooksIfIdle(): void {
  if (owned.size > 0) return;
  process.removeListener('exit', onExit);
  exitHookInstalled = false;
  removeSignalHooks();
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

function reusedServer(record: { port: number; dataDir: string; pgid: number }): EmbeddedServer {
  return {
    address: `127.0.0.1:${record.port}`,
    port: record.port,
    dataDir: record.dataDir,
    pid: record.pgid,
    reused: true,
    stop: async () => {},
  };
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** How long to wait for another process that is starting (or installing) Embedded Milvus. */
const START_LOCK_TIMEOUT_MS = 10 * 60_000;

function lockAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Runs `fn` holding the machine-wide start lock (`<cacheRoot>/start.lock`, holding the owner's
 * pid). Without it, two commands starting at once would both see no server, both install, both
 * spawn, and one would die on the etcd port with an unhelpful log. With it, the second one finds
 * the first one's records: it reuses the server (same folder) or is refused (other folder).
 */
async function withStartLock<T>(cacheRoot: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(cacheRoot, { recursive: true });
  const lock = path.join(cacheRoot, 'start.lock');
  const deadline = Date.now() + START_LOCK_TIMEOUT_MS;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text = '';
    try {
      text = fs.readFileSync(lock, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const owner = Number(text);
    // A lock being written is empty for an instant; it is stale only if its owner is dead, or if
    // it stayed empty (its owner died between creating and writing it).
    const stale = text === '' ? lockAgeMs(lock) > 5_000 : !(Number.isInteger(owner) && owner > 0 && processAlive(owner));
    if (stale) {
      // Remove it only if it is still that lock: another waiter may have replaced it meanwhile.
      try {
        if (fs.readFileSync(lock, 'utf8') === text) fs.rmSync(lock, { force: true });
      } catch {
        // gone already
      }
      continue;
    }
    if (!told) {
      logger.info(`Waiting for another milvus-migrate (pid ${text || '?'}) that is starting Embedded Milvus`);
      told = true;
    }
    if (Date.now() >= deadline) {
      throw new EmbeddedMilvusError(`Timed out waiting for another process (pid ${text || '?'}) that is starting Embedded Milvus.`, {
        hint: `If no such process runs, remove ${lock}, ${ADDRESS_HINT}.`,
      });
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    try {
      if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  }
}

/** What happened under the start lock: a server to reuse, or a child we spawned that must get ready. */
type StartOutcome =
  | { reused: EmbeddedServer }
  | { reused?: undefined; pgid: number; port: number; authorization: boolean; started: number; exited: () => string | undefined; stop: () => Promise<void> };

/**
 * Starts Embedded Milvus for `dataDir` and waits until it answers, or reuses the one already
 * running for that folder.
 *
 * The server belongs to this process: it is stopped by {@link EmbeddedServer.stop}, and also on
 * exit, on an uncaught error, and on SIGINT/SIGTERM/SIGHUP, so it never outlives the command.
 *
 * @throws {@link EmbeddedMilvusBusyError} when an Embedded Milvus for another folder runs here.
 * @throws {@link EmbeddedMilvusError} when it cannot be installed, exits early or never answers.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const logger = opts.logger ?? silentLogger;
  const dataDir = path.resolve(opts.dataDir);
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const cacheRoot = path.resolve(opts.cacheDir ?? resolveCacheRoot());
  const pidFile = path.join(dataDir, PID_FILE_NAME);
  const runningFile = path.join(cacheRoot, RUNNING_FILE_NAME);

  if (process.platform === 'win32') {
    // Stopping it relies on POSIX process groups.
    throw new EmbeddedMilvusError('Embedded Milvus is not supported on Windows.', {
      hint: 'Run Milvus yourself (e.g. in Docker) and use it with --address HOST:PORT (or MILVUS_ADDRESS).',
    });
  }
  await fsp.mkdir(dataDir, { recursive: true });

  const outcome = await withStartLock(cacheRoot, logger, async (): Promise<StartOutcome> => {
    const reused = await findReusable(opts, dataDir, pidFile, runningFile, readyTimeoutMs, logger);
    if (reused) return { reused };
    return spawnServer(opts, dataDir, cacheRoot, pidFile, runningFile, logger);
  });
  if (outcome.reused) return outcome.reused;

  const { pgid, started, stop } = outcome;
  let port: number;
  try {
    port = await waitUntilReady({
      pgid,
      port: outcome.port,
      explicitPort: opts.port !== undefined,
      authorization: outcome.authorization,
      dataDir,
      readyTimeoutMs,
      logger,
      exited: outcome.exited,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  if (port !== outcome.port) {
    // The wrapper moved to another port: fix the records so reuse and errors name the right one.
    for (const file of [pidFile, runningFile]) {
      const record = readRecord(file);
      if (record?.pgid === pgid) writeRecord(file, { ...record, port });
    }
  }
  logger.info(`Embedded Milvus ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { address: `127.0.0.1:${port}`, port, dataDir, pid: pgid, reused: false, stop };
}

/**
 * A running server for this folder, if there is one; throws {@link EmbeddedMilvusBusyError} if
 * one for another folder holds the machine. Removes a stale pid file on the way.
 */
async function findReusable(
  opts: EmbeddedOptions,
  dataDir: string,
  pidFile: string,
  runningFile: string,
  readyTimeoutMs: number,
  logger: Logger,
): Promise<EmbeddedServer | undefined> {
  // 1. A server milvus-migrate started for this folder.
  const record = readRecord(pidFile);
  if (record) {
    if (groupAlive(record.pgid) && looksLikeEmbedded(record.pgid)) {
      if (opts.authorization !== undefined && opts.authorization !== record.authorization) {
        throw new EmbeddedMilvusError(
          `Embedded Milvus for ${dataDir} is already running ${record.authorization ? 'with' : 'without'} authorization (pid ${record.pgid}), ` +
            `so it cannot serve a command that needs it ${opts.authorization ? 'on' : 'off'}.`,
          { address: `127.0.0.1:${record.port}`, hint: 'Stop the running server first.' },
        );
      }
      // It may still be starting (another process just spawned it): give it the time we would.
      const deadline = Date.now() + readyTimeoutMs;
      while (groupAlive(record.pgid)) {
        // Re-read: its starter rewrites the port if the wrapper had to move to another one.
        const current = readRecord(pidFile) ?? record;
        if (await probeMilvus(`127.0.0.1:${current.port}`, { authorization: current.authorization })) {
          logger.info(`Using the Embedded Milvus already running on 127.0.0.1:${current.port} (data in ${dataDir})`);
          return reusedServer({ ...current, dataDir });
        }
        if (Date.now() >= deadline) {
          throw new EmbeddedMilvusError(
            `Embedded Milvus for ${dataDir} runs (pid ${record.pgid}) but does not answer on 127.0.0.1:${current.port}.`,
            { address: `127.0.0.1:${current.port}`, hint: `Stop it (kill -TERM -${record.pgid}) and try again, ${ADDRESS_HINT}.` },
          );
        }
        await sleep(500);
      }
    }
    logger.debug(`Removing stale ${pidFile} (process group ${record.pgid} is gone)`);
    removeRecord(pidFile, record.pgid);
  }

  // 2. Another server holds the machine: the one milvus-migrate last started (it may still be
  // starting, its etcd not bound yet), or whoever holds the etcd port. Reuse it if it serves this
  // folder (e.g. started by hand), else refuse.
  const machine = readRecord(runningFile);
  const machineAlive = machine !== undefined && groupAlive(machine.pgid) && looksLikeEmbedded(machine.pgid);
  if (machineAlive || !(await isPortFree(EMBEDDED_ETCD_PEER_PORT, ['127.0.0.1']))) {
    const candidates: RunningEmbedded[] = [];
    if (machine && machineAlive) candidates.push({ dataDir: machine.dataDir, port: machine.port, pid: machine.pgid });
    candidates.push(...findRunningEmbedded());
    const mine = candidates.find((c) => sameDir(c.dataDir, dataDir) && c.port !== undefined);
    if (mine?.port !== undefined) {
      const address = `127.0.0.1:${mine.port}`;
      if (await probeMilvus(address, { authorization: opts.authorization ?? false })) {
        logger.info(`Using the Embedded Milvus already running on ${address} (data in ${dataDir})`);
        return reusedServer({ port: mine.port, dataDir, pgid: mine.pid });
      }
      throw new EmbeddedMilvusError(
        `An Embedded Milvus for ${dataDir} runs (pid ${mine.pid}, not started by milvus-migrate) but does not answer on ${address}` +
          `${opts.authorization ? ' as root' : ' (authorization may be on)'}.`,
        { address, hint: `Stop it (kill -TERM -${mine.pid}) and let milvus-migrate start it, ${ADDRESS_HINT}.` },
      );
    }
    throw new EmbeddedMilvusBusyError(dataDir, candidates.find((c) => !sameDir(c.dataDir, dataDir)) ?? candidates[0]);
  }
  return undefined;
}

/** Installs if needed, spawns the wrapper in its own process group, records it, hooks cleanup. */
async function spawnServer(
  opts: EmbeddedOptions,
  dataDir: string,
  cacheRoot: string,
  pidFile: string,
  runningFile: string,
  logger: Logger,
): Promise<StartOutcome> {
  let port: number;
  if (opts.port !== undefined) {
    if (!(await isPortFree(opts.port))) {
      throw new EmbeddedMilvusError(`Cannot start Embedded Milvus on port ${opts.port}: the port is in use.`, {
        address: `127.0.0.1:${opts.port}`,
        hint: `Choose another port, ${ADDRESS_HINT}.`,
      });
    }
    port = opts.port;
  } else {
    port = await findFreePort(DEFAULT_EMBEDDED_PORT);
  }
  const script = await ensureEmbeddedInstalled({ cacheDir: cacheRoot, logger });
  const authorization = opts.authorization ?? false;

  const logsDir = path.join(dataDir, 'logs');
  await fsp.mkdir(logsDir, { recursive: true });
  // Old files would make the read-back port and the log tails of a failed start lie.
  for (const f of [path.join(dataDir, 'configs', 'milvus.yaml'), path.join(logsDir, 'milvus-stdout.log'), path.join(logsDir, 'milvus-stderr.log')]) {
    await fsp.rm(f, { force: true });
  }

  logger.info(`Starting Embedded Milvus on 127.0.0.1:${port} (data in ${dataDir})`);
  const started = Date.now();
  const logFd = fs.openSync(path.join(logsDir, WRAPPER_LOG_NAME), 'w');
  let child: ChildProcess;
  try {
    // Run the script with the venv's python rather than through its shebang: shebangs have a
    // length limit that a deep cache path can exceed.
    child = spawn(path.join(path.dirname(script), 'python3'), serverArgs(script, dataDir, port, authorization), {
      cwd: dataDir,
      // Own process group, so that the group (wrapper + milvus child) can be signalled at once,
      // and Ctrl-C in a terminal reaches us, not Milvus: we stop it in order.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
  } finally {
    fs.closeSync(logFd);
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let exited: string | undefined;
  const wrapperGone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  // Let this process end without stop(); the exit hook then kills the group.
  child.unref();
  const spawnFailure = await Promise.race([spawnError, sleep(50).then(() => undefined)]);
  if (spawnFailure || child.pid === undefined) {
    throw new EmbeddedMilvusError(`Cannot start Embedded Milvus: ${errorMessage(spawnFailure ?? 'no pid')}`, {
      cause: spawnFailure,
      hint: `Remove ${embeddedVenvDir(cacheRoot)} to reinstall it, ${ADDRESS_HINT}.`,
    });
  }
  const pgid = child.pid;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.debug(`Stopping Embedded Milvus (process group ${pgid})`);
      await stopGroup(pgid, logger);
      // The wrapper is our child: wait until Node has reaped it, so that once stop() resolves
      // not even a zombie of it is left in the group.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wrapperGone, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
      removeRecord(pidFile, pgid);
      removeRecord(runningFile, pgid);
      owned.delete(pgid);
      uninstallHooksIfIdle();
      logger.debug('Embedded Milvus stopped');
    })();
    return stopping;
  };
  owned.set(pgid, { pgid, pidFile, runningFile, stop });
  installHooks();

  const record: EmbeddedPidRecord = { pgid, port, startedAt: new Date(started).toISOString(), authorization, dataDir, ownerPid: process.pid };
  try {
    writeRecord(pidFile, record);
    writeRecord(runningFile, record);
  } catch (err) {
    await stop();
    throw new EmbeddedMilvusError(`Cannot record the Embedded Milvus server: ${errorMessage(err)}`, { cause: err });
  }
  return { pgid, port, authorization, started, exited: () => exited, stop };
}

async function waitUntilReady(w: {
  pgid: number;
  port: number;
  /** The caller asked for this port (rather than "any free one"). */
  explicitPort: boolean;
  authorization: boolean;
  dataDir: string;
  readyTimeoutMs: number;
  logger: Logger;
  exited: () => string | undefined;
}): Promise<number> {
  const deadline = Date.now() + w.readyTimeoutMs;
  let port: number | undefined;
  let milvusSeen = false;
  for (;;) {
    // The wrapper does not notice when its milvus child dies (it waits forever), so watch both.
    const members = groupMembers(w.pgid);
    const milvusAlive = members?.some((m) => m.comm === 'milvus' && m.state !== 'Z');
    if (milvusAlive) milvusSeen = true;
    const gone = w.exited()
      ? `the milvus-server wrapper ${w.exited()}`
      : milvusSeen && members !== undefined && !milvusAlive
        ? 'the milvus process exited'
        : undefined;
    if (gone) throw startFailure(w.dataDir, `${gone} before Milvus was ready`, w.port);

    if (port === undefined) {
      const actual = readProxyPort(w.dataDir);
      if (actual !== undefined) {
        if (actual !== w.port) {
          // Python binds without SO_REUSEADDR, so a port Node saw free (e.g. in TIME_WAIT after a
          // killed server) can still be refused to the wrapper, which then takes the next one.
          const say = w.explicitPort ? w.logger.warn : w.logger.info;
          say.call(w.logger, `Embedded Milvus is on 127.0.0.1:${actual} instead (${w.port} was not free for it)`);
        }
        port = actual;
      }
    }
    if (port !== undefined && (await probeMilvus(`127.0.0.1:${port}`, { authorization: w.authorization }))) return port;
    if (Date.now() >= deadline) {
      throw startFailure(w.dataDir, `it did not answer within ${Math.round(w.readyTimeoutMs / 1000)} s`, port ?? w.port);
    }
    await sleep(250);
  }
}

function startFailure(dataDir: string, why: string, port: number): EmbeddedMilvusError {
  const logs = path.join(dataDir, 'logs');
  const tails: string[] = [];
  for (const name of ['milvus-stderr.log', 'milvus-stdout.log', WRAPPER_LOG_NAME]) {
    const file = path.join(logs, name);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = lastLines(text, 20);
    if (lines.length) tails.push(`Last lines of ${file}:\n${indent(lines)}`);
  }
  return new EmbeddedMilvusError(
    `Embedded Milvus did not start (data in ${dataDir}, 127.0.0.1:${port}): ${why}.${tails.length ? `\n${tails.join('\n')}` : ` No logs in ${logs}.`}`,
    { address: `127.0.0.1:${port}`, hint: `See the logs in ${logs}, ${ADDRESS_HINT}.` },
  );
}
