/**
 * What a pid record means now: the server is gone (a stale record), runs in another network
 * namespace (unreachable from here), or runs here, stopped by whom (its role).
 */
import { processAlive } from '../../util/process.js';
import { groupAlive, inOurNetworkNamespace, looksLikeEmbedded } from './processes.js';
import type { EmbeddedPidRecord } from './records.js';

/**
 * Who stops a running server: `dev` (marked keepRunning: only `dev stop`), `command` (the live
 * process that started it, when it ends), `orphan` (its starter died without stopping it, e.g.
 * SIGKILL: nobody will).
 */
export type ServerRole = 'dev' | 'command' | 'orphan';

export type RecordState =
  | { kind: 'stale' }
  | {
      kind: 'running';
      role: ServerRole;
      /** In this network namespace: its 127.0.0.1 is ours. */
      reachable: boolean;
    };

/** The process facts a record is judged by; the real ones by default, fakes in tests. */
export interface ProcessFacts {
  groupAlive(pgid: number): boolean;
  looksLikeEmbedded(pgid: number): boolean;
  inOurNetworkNamespace(pid: number): boolean;
  processAlive(pid: number): boolean;
}

export const LIVE_PROCESS_FACTS: ProcessFacts = { groupAlive, looksLikeEmbedded, inOurNetworkNamespace, processAlive };

/**
 * Judges a record. Stale when its process group is gone, or when the id now belongs to some
 * other program (pids are reused after a reboot).
 */
export function recordState(record: EmbeddedPidRecord, facts: ProcessFacts = LIVE_PROCESS_FACTS): RecordState {
  if (!facts.groupAlive(record.pgid) || !facts.looksLikeEmbedded(record.pgid)) return { kind: 'stale' };
  const role: ServerRole = record.keepRunning
    ? 'dev'
    : record.ownerPid !== undefined && facts.processAlive(record.ownerPid)
      ? 'command'
      : 'orphan';
  return { kind: 'running', role, reachable: facts.inOurNetworkNamespace(record.pgid) };
}
