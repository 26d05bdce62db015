/**
 * The dev server (`milvus-migrate dev`): an Embedded Milvus for a project's data folder that
 * stays up between commands, so each command reuses it (about a second) instead of starting and
 * stopping its own (15-35 s).
 *
 * It is an ordinary Embedded Milvus whose pid record says `keepRunning`: `dev start` starts one
 * (or takes over the one running for the folder), marks it, and lets it outlive the process. The
 * exit hooks of whichever process spawned it leave a marked server alone, and commands find it
 * through the record in the data folder exactly as they find one another command started
 * (reuse.ts): nothing else changes for them. Only `dev stop` stops it (by process group, SIGKILL
 * after a timeout). Its wrapper writes to `DATA/logs/`, never to the terminal that started it.
 */
import * as path from 'node:path';
import { DEFAULT_EMBEDDED_PORT } from '../../config/defaults.js';
import { silentLogger, type Logger } from '../../logger.js';
import { resolveCacheRoot } from '../../util/cache-root.js';
import { ADDRESS_HINT, EmbeddedMilvusError } from './errors.js';
import { disownServer } from './exit-hooks.js';
import { recordState, type ServerRole } from './owner.js';
import { portHolder } from './ports.js';
import { probeVersion } from './probe.js';
import { DEFAULT_STOP_TIMEOUT_MS, findRunningEmbedded, stopGroup, type StopOutcome } from './processes.js';
import { markKeepRunning, PID_FILE_NAME, readRecord, removeRecord, RUNNING_FILE_NAME } from './records.js';
import { sameDir } from './reuse.js';
import type { EmbeddedOptions } from './server.js';
import { startEmbedded } from './start.js';

/** Where the dev server of a data folder is recorded. */
export interface DevServerOptions {
  /** The project's Embedded Milvus data folder. */
  dataDir: string;
  /** Default: {@link resolveCacheRoot}. */
  cacheDir?: string | undefined;
  logger?: Logger | undefined;
}

/** The Embedded Milvus serving a data folder, whoever started it. */
export interface DevServer {
  dataDir: string;
  /** `127.0.0.1:PORT`; `undefined` when its port cannot be read. */
  address: string | undefined;
  port: number | undefined;
  /** Process group id (the wrapper's pid). */
  pid: number;
  /** Who stops it; `unrecorded` when milvus-migrate did not start it (no pid record). */
  role: ServerRole | 'unrecorded';
  /** The command that started it and stops it when it ends (role `command`). */
  ownerPid: number | undefined;
  /** ISO timestamp; `undefined` for an unrecorded server. */
  startedAt: string | undefined;
  authorization: boolean | undefined;
  /** Whether it runs in this network namespace (else its address is not ours to reach). */
  reachable: boolean;
  /** Folder of its logs: the wrapper's output and Milvus' own. */
  logsDir: string;
}

/** What a look at a data folder found. */
export interface DevServerLook {
  server: DevServer | undefined;
  /** A record of a server that is gone was found and removed. */
  staleRecordRemoved: boolean;
}

function files(opts: DevServerOptions): { dataDir: string; pidFile: string; runningFile: string } {
  const dataDir = path.resolve(opts.dataDir);
  return {
    dataDir,
    pidFile: path.join(dataDir, PID_FILE_NAME),
    runningFile: path.join(path.resolve(opts.cacheDir ?? resolveCacheRoot()), RUNNING_FILE_NAME),
  };
}

/**
 * The server running for a data folder: from its pid record, else (a server started by hand)
 * from the processes of this network namespace. A record of a server that is gone is removed.
 */
export function findDevServer(opts: DevServerOptions): DevServerLook {
  const { dataDir, pidFile, runningFile } = files(opts);
  const logsDir = path.join(dataDir, 'logs');
  const record = readRecord(pidFile);
  let staleRecordRemoved = false;
  if (record) {
    const state = recordState(record);
    if (state.kind === 'running') {
      return {
        server: {
          dataDir,
          address: `127.0.0.1:${record.port}`,
          port: record.port,
          pid: record.pgid,
          role: state.role,
          ownerPid: state.role === 'command' ? record.ownerPid : undefined,
          startedAt: record.startedAt,
          authorization: record.authorization,
          reachable: state.reachable,
          logsDir,
        },
        staleRecordRemoved,
      };
    }
    (opts.logger ?? silentLogger).debug(`Removing stale ${pidFile} (process group ${record.pgid} is gone)`);
    removeRecord(pidFile, record.pgid);
    removeRecord(runningFile, record.pgid);
    staleRecordRemoved = true;
  }
  const found = findRunningEmbedded().find((r) => sameDir(r.dataDir, dataDir));
  if (!found) return { server: undefined, staleRecordRemoved };
  return {
    server: {
      dataDir,
      address: found.port !== undefined ? `127.0.0.1:${found.port}` : undefined,
      port: found.port,
      pid: found.pid,
      role: 'unrecorded',
      ownerPid: undefined,
      startedAt: undefined,
      authorization: undefined,
      reachable: true,
      logsDir,
    },
    staleRecordRemoved,
  };
}

/** The version the server reports (e.g. `v2.3.5-lite`); `undefined` when it does not answer. */
export async function devServerVersion(server: DevServer): Promise<string | undefined> {
  if (!server.address || !server.reachable) return undefined;
  return probeVersion(server.address, { authorization: server.authorization ?? false });
}

/** What `dev start` did. */
export interface DevStart {
  server: DevServer;
  /** `started`: a new server; `kept`: one that ran for a command now stays up; `running`: it was the dev server already. */
  outcome: 'started' | 'kept' | 'running';
  staleRecordRemoved: boolean;
  /** It listens on another port than the one asked for (or 19530): that one was taken, by `takenBy` when known. */
  movedFrom: { port: number; takenBy: string | undefined } | undefined;
}

/**
 * Starts the dev server for `opts.dataDir` and leaves it running when this process exits; or
 * keeps the one already running for that folder (started by a command, or orphaned) running.
 *
 * @throws {@link EmbeddedMilvusError} as {@link startEmbedded} does: another folder's server holds
 *   the machine, it cannot start, or it runs in another network namespace.
 */
export async function startDevServer(opts: EmbeddedOptions): Promise<DevStart> {
  const { pidFile, runningFile } = files(opts);
  const before = findDevServer(opts);
  if (before.server?.role === 'dev' && before.server.reachable) {
    return { server: before.server, outcome: 'running', staleRecordRemoved: before.staleRecordRemoved, movedFrom: undefined };
  }
  // Starts one, or reuses the one running for this folder; refuses when another folder's holds the machine.
  const embedded = await startEmbedded(opts);
  markKeepRunning([pidFile, runningFile], embedded.pid);
  disownServer(embedded.pid);
  const after = findDevServer(opts).server;
  if (!after || after.pid !== embedded.pid) {
    // Its starter stopped it between our reuse and our mark.
    throw new EmbeddedMilvusError(`Embedded Milvus for ${embedded.dataDir} (pid ${embedded.pid}) stopped while dev start took it over.`, {
      address: embedded.address,
      hint: `Run milvus-migrate dev start again, ${ADDRESS_HINT}.`,
    });
  }
  const asked = opts.port ?? DEFAULT_EMBEDDED_PORT;
  return {
    server: after,
    outcome: embedded.reused ? 'kept' : 'started',
    staleRecordRemoved: before.staleRecordRemoved,
    movedFrom: !embedded.reused && embedded.port !== asked ? { port: asked, takenBy: portHolder(asked) } : undefined,
  };
}

/** What `dev stop` did. */
export interface DevStop {
  /** The server stopped; `undefined` when none ran (or one that is not ours to stop, see {@link left}). */
  stopped: DevServer | undefined;
  /** `stopped` after SIGTERM, `killed` after the timeout. */
  outcome: Exclude<StopOutcome, 'alive'> | undefined;
  /** A server a running command started: it stops when that command ends. */
  left: DevServer | undefined;
  staleRecordRemoved: boolean;
}

/**
 * Stops the server running for `opts.dataDir` by process group: SIGTERM, then SIGKILL after
 * `timeoutMs` (Milvus' graceful stop can hang). A server a live command started is left to it
 * (stopping it would break that command mid-run).
 *
 * @throws {@link EmbeddedMilvusError} when the group survives SIGKILL.
 */
export async function stopDevServer(opts: DevServerOptions & { timeoutMs?: number | undefined }): Promise<DevStop> {
  const logger = opts.logger ?? silentLogger;
  const { pidFile, runningFile } = files(opts);
  const { server, staleRecordRemoved } = findDevServer(opts);
  if (!server) return { stopped: undefined, outcome: undefined, left: undefined, staleRecordRemoved };
  if (server.role === 'command') return { stopped: undefined, outcome: undefined, left: server, staleRecordRemoved };
  logger.info(`Stopping the Embedded Milvus for ${server.dataDir} (pid ${server.pid})`);
  const outcome = await stopGroup(server.pid, logger, opts.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
  if (outcome === 'alive') {
    throw new EmbeddedMilvusError(`Embedded Milvus for ${server.dataDir} (process group ${server.pid}) is still alive after SIGKILL.`, {
      ...(server.address ? { address: server.address } : {}),
      hint: `Look at it with ps -g ${server.pid}; a process stuck in the kernel (state D) ends only when its I/O does.`,
    });
  }
  removeRecord(pidFile, server.pid);
  removeRecord(runningFile, server.pid);
  return { stopped: server, outcome, left: undefined, staleRecordRemoved };
}
