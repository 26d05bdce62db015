/**
 * Process groups, through `/proc`: the wrapper and its `milvus` child are one group, watched and
 * stopped as one; and the Embedded Milvus servers running on this machine.
 *
 * "This machine" is this network namespace: an Embedded Milvus holds 127.0.0.1:2380 (its etcd)
 * of the namespace it runs in, so one in another namespace (`unshare -n`) takes nothing from us,
 * although its processes show in /proc like any other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import { readProxyPort } from './ports.js';
import type { RunningEmbedded } from './server.js';

/** How long a stop waits after SIGTERM before it SIGKILLs the process group (a graceful stop was seen to take ~10 s; a killed one makes the next start slow). */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

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
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
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

const onLinux = process.platform === 'linux';

/** Members of a process group, from /proc; `undefined` where there is no /proc. */
export function groupMembers(pgid: number): ProcStat[] | undefined {
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
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const members = groupMembers(pgid);
  return members === undefined || members.some((m) => m.state !== 'Z');
}

/** Whether a process group is an Embedded Milvus, not an unrelated group that got the old id. */
export function looksLikeEmbedded(pgid: number): boolean {
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

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** How a {@link stopGroup} ended: gone after SIGTERM, gone after SIGKILL, or still there. */
export type StopOutcome = 'stopped' | 'killed' | 'alive';

/** SIGTERM, wait until the group is gone, SIGKILL after `timeoutMs` (Milvus' graceful stop can hang). */
export async function stopGroup(pgid: number, logger: Logger, timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StopOutcome> {
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      logger.warn(`Embedded Milvus (process group ${pgid}) did not stop within ${timeoutMs / 1000} s; killing it.`);
      killGroup(pgid, 'SIGKILL');
      const killDeadline = Date.now() + 5_000;
      while (groupAlive(pgid) && Date.now() < killDeadline) await sleep(100);
      if (!groupAlive(pgid)) return 'killed';
      logger.warn(`Embedded Milvus (process group ${pgid}) is still alive after SIGKILL.`);
      return 'alive';
    }
    await sleep(100);
  }
  return 'stopped';
}

/**
 * Whether `pid` runs in this process's network namespace. True where that cannot be told (not
 * Linux, or /proc not readable), so such a server still counts as ours, as before namespaces.
 */
export function inOurNetworkNamespace(pid: number): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/net`) === fs.readlinkSync('/proc/self/ns/net');
  } catch {
    return true;
  }
}

/** Embedded Milvus servers running in this network namespace, found through /proc (Linux only). */
export function findRunningEmbedded(): RunningEmbedded[] {
  if (!onLinux) return [];
  const found: RunningEmbedded[] = [];
  let entries: string[];
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
      if (stat?.state === 'Z' || !inOurNetworkNamespace(Number(name))) continue;
      found.push({ dataDir, port: readProxyPort(dataDir), pid: stat?.pgid ?? Number(name) });
    } catch {
      // not ours to read, or gone
    }
  }
  return found;
}
