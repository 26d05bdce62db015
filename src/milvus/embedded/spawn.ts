/** Spawning the wrapper in its own process group, recording it, and owning it until it stops. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_EMBEDDED_PORT } from '../../config/defaults.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { ADDRESS_HINT, EmbeddedMilvusError } from './errors.js';
import { disownServer, ownServer } from './exit-hooks.js';
import { embeddedVenvDir, ensureEmbeddedInstalled } from './install.js';
import { findFreePort, isPortFree, portHolder } from './ports.js';
import { stopGroup } from './processes.js';
import { type EmbeddedPidRecord, keptRunning, removeRecord, writeRecord } from './records.js';
import type { EmbeddedOptions } from './server.js';

/** Log of the Python wrapper itself (banner, Python errors), beside Milvus' own logs in `DATA/logs`. */
export const WRAPPER_LOG_NAME = 'milvus-server-wrapper.log';

/** A wrapper this process spawned and recorded; whether Milvus answers is still to be seen. */
export interface SpawnedServer {
  reused?: undefined;
  pgid: number;
  port: number;
  authorization: boolean;
  started: number;
  exited: () => string | undefined;
  stop: () => Promise<void>;
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

/** Installs if needed, spawns the wrapper in its own process group, records it, hooks cleanup. */
export async function spawnServer(
  opts: EmbeddedOptions,
  dataDir: string,
  cacheRoot: string,
  pidFile: string,
  runningFile: string,
  logger: Logger,
): Promise<SpawnedServer> {
  let port: number;
  if (opts.port !== undefined) {
    if (!(await isPortFree(opts.port))) {
      const holder = portHolder(opts.port);
      throw new EmbeddedMilvusError(
        `Cannot start Embedded Milvus on port ${opts.port}: the port is in use${holder ? ` by ${holder}` : ''}.`,
        {
          address: `127.0.0.1:${opts.port}`,
          hint: `Choose another port, ${ADDRESS_HINT}.`,
        },
      );
    }
    port = opts.port;
  } else {
    port = await findFreePort(DEFAULT_EMBEDDED_PORT);
    if (port !== DEFAULT_EMBEDDED_PORT) {
      const holder = portHolder(DEFAULT_EMBEDDED_PORT);
      logger.info(`127.0.0.1:${DEFAULT_EMBEDDED_PORT} is in use${holder ? ` by ${holder}` : ''}: Embedded Milvus takes ${port} instead`);
    }
  }
  const script = await ensureEmbeddedInstalled({ cacheDir: cacheRoot, logger });
  const authorization = opts.authorization ?? false;

  const logsDir = path.join(dataDir, 'logs');
  await fsp.mkdir(logsDir, { recursive: true });
  // Old files would make the read-back port and the log tails of a failed start lie.
  for (const f of [
    path.join(dataDir, 'configs', 'milvus.yaml'),
    path.join(logsDir, 'milvus-stdout.log'),
    path.join(logsDir, 'milvus-stderr.log'),
  ]) {
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
      if (keptRunning(pidFile, pgid)) {
        // `dev start` took it over while we used it: it outlives us now.
        disownServer(pgid);
        logger.debug(`Leaving Embedded Milvus running (process group ${pgid}): it is the dev server now`);
        return;
      }
      logger.debug(`Stopping Embedded Milvus (process group ${pgid})`);
      await stopGroup(pgid, logger);
      // The wrapper is our child: wait until Node has reaped it, so that once stop() resolves
      // not even a zombie of it is left in the group.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wrapperGone, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
      removeRecord(pidFile, pgid);
      removeRecord(runningFile, pgid);
      disownServer(pgid);
      logger.debug('Embedded Milvus stopped');
    })();
    return stopping;
  };
  ownServer({ pgid, pidFile, runningFile, stop });

  const record: EmbeddedPidRecord = {
    pgid,
    port,
    startedAt: new Date(started).toISOString(),
    authorization,
    dataDir,
    ownerPid: process.pid,
  };
  try {
    writeRecord(pidFile, record);
    writeRecord(runningFile, record);
  } catch (err) {
    await stop();
    throw new EmbeddedMilvusError(`Cannot record the Embedded Milvus server: ${errorMessage(err)}`, { cause: err });
  }
  return { pgid, port, authorization, started, exited: () => exited, stop };
}
