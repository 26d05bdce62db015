/** Starting Embedded Milvus for a data folder, or reusing the one running for it. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { silentLogger } from '../../logger.js';
import { resolveCacheRoot } from '../../util/cache-root.js';
import { EmbeddedMilvusError } from './errors.js';
import { waitUntilReady } from './ready.js';
import { readRecord, writeRecord, PID_FILE_NAME, RUNNING_FILE_NAME } from './records.js';
import { findReusable } from './reuse.js';
import { DEFAULT_READY_TIMEOUT_MS, type EmbeddedOptions, type EmbeddedServer } from './server.js';
import { spawnServer, type SpawnedServer } from './spawn.js';
import { withStartLock } from './start-lock.js';

/** What happened under the start lock: a server to reuse, or a child we spawned that must get ready. */
type StartOutcome = { reused: EmbeddedServer } | SpawnedServer;

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
