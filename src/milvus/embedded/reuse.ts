/** Finding a running server to reuse for a data folder, or the one that holds the machine. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import { ADDRESS_HINT, EmbeddedMilvusBusyError, EmbeddedMilvusError } from './errors.js';
import { isPortFree } from './ports.js';
import { probeMilvus } from './probe.js';
import { recordState } from './owner.js';
import { findRunningEmbedded, groupAlive, inOurNetworkNamespace, looksLikeEmbedded } from './processes.js';
import { readRecord, removeRecord } from './records.js';
import { EMBEDDED_ETCD_PEER_PORT, type EmbeddedOptions, type EmbeddedServer, type RunningEmbedded } from './server.js';

/**
 * A running server for this folder, if there is one; throws {@link EmbeddedMilvusBusyError} if
 * one for another folder holds the machine. Removes a stale pid file on the way.
 */
export async function findReusable(
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
    const state = recordState(record);
    if (state.kind === 'running' && !state.reachable) {
      // Its 127.0.0.1 is not ours: probing it would only time out.
      throw new EmbeddedMilvusError(
        `Embedded Milvus for ${dataDir} runs in another network namespace (pid ${record.pgid}, e.g. started under unshare -n): it cannot be reached from here.`,
        {
          address: `127.0.0.1:${record.port}`,
          hint: `Run the command in that namespace, or stop that server (milvus-migrate dev stop, or kill -TERM -${record.pgid}), ${ADDRESS_HINT}.`,
        },
      );
    }
    if (state.kind === 'running') {
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
          logger.info(
            current.keepRunning
              ? `Using the dev server on 127.0.0.1:${current.port} (pid ${current.pgid}, data in ${dataDir}; \`milvus-migrate dev stop\` stops it)`
              : `Using the Embedded Milvus already running on 127.0.0.1:${current.port} (data in ${dataDir})`,
          );
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

  // 2. Another server holds the machine (this network namespace): the one milvus-migrate last started (it may still be
  // starting, its etcd not bound yet), or whoever holds the etcd port. Reuse it if it serves this
  // folder (e.g. started by hand), else refuse.
  const machine = readRecord(runningFile);
  const machineAlive =
    machine !== undefined && groupAlive(machine.pgid) && looksLikeEmbedded(machine.pgid) && inOurNetworkNamespace(machine.pgid);
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

/** Whether two paths name the same folder (symlinks resolved where they exist). */
export function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}
