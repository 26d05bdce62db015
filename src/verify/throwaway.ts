import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../logger.js';
import { Milvus, type ConnectionSettings } from '../milvus/client.js';

/** Prefix of the throwaway databases made on a shared server. */
export const THROWAWAY_DATABASE_PREFIX = 'mm_verify_';

/** Where to prove migrations. */
export interface ThrowawayOptions {
  /** Start a Milvus container (`--docker`). */
  readonly docker?: boolean | undefined;
  /** Container image for {@link docker}. */
  readonly image?: string | undefined;
  /**
   * A server named for this command (`--address`, `MILVUS_ADDRESS`): work in a throwaway
   * database on it. Without it, an Embedded Milvus already running on this machine is used the
   * same way, or a new one is started.
   */
  readonly server?: ConnectionSettings | undefined;
  readonly logger?: Logger | undefined;
}

/** A Milvus space nobody else uses, removed by {@link Throwaway.dispose}. */
export interface Throwaway {
  /** Connected to {@link database}. */
  readonly milvus: Milvus;
  readonly database: string;
  /** `database`: a throwaway database on a shared server; `embedded`/`docker`: a server of its own. */
  readonly kind: 'database' | 'embedded' | 'docker';
  /** For messages, e.g. `throwaway database mm_verify_1a2b on 127.0.0.1:19530`. */
  readonly where: string;
  /** Drops what it made (database mode) or stops the server; safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Opens a throwaway Milvus: a container with `docker`; a throwaway database `mm_verify_<random>`
 * on `server`, or on an Embedded Milvus already running here (only one fits a machine); otherwise
 * a new Embedded Milvus in a temp folder.
 */
export async function openThrowaway(opts: ThrowawayOptions = {}): Promise<Throwaway> {
  const logger = opts.logger ?? silentLogger;
  if (opts.docker) {
    const { startDockerMilvus } = await import('../milvus/docker.js');
    const server = await startDockerMilvus({ ...(opts.image ? { image: opts.image } : {}), logger });
    return ownServer('docker', `Milvus container at ${server.address}`, { address: server.address }, () => server.stop(), logger);
  }
  if (opts.server) return throwawayDatabase(opts.server, logger);
  const { findRunningEmbedded, startEmbedded, EMBEDDED_ROOT_CREDENTIALS } = await import('../milvus/embedded/index.js');
  const running = findRunningEmbedded().find((s) => s.port !== undefined);
  if (running) {
    logger.info(`An Embedded Milvus already runs on this machine (data in ${running.dataDir}): working in a throwaway database on it`);
    // Root's credentials are ignored by a server without authorization and accepted by one with it.
    return throwawayDatabase({ address: `127.0.0.1:${running.port}`, ...EMBEDDED_ROOT_CREDENTIALS }, logger);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'mm-verify-'));
  try {
    const server = await startEmbedded({ dataDir, logger });
    const stop = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    return await ownServer(
      'embedded',
      `Embedded Milvus at ${server.address} (data in ${dataDir})`,
      { address: server.address },
      stop,
      logger,
    );
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function ownServer(
  kind: 'embedded' | 'docker',
  where: string,
  settings: ConnectionSettings,
  stop: () => Promise<void>,
  logger: Logger,
): Promise<Throwaway> {
  let milvus: Milvus;
  try {
    milvus = await Milvus.connect({ ...settings, database: 'default' }, logger);
  } catch (err) {
    await stop();
    throw err;
  }
  let disposed: Promise<void> | undefined;
  return {
    milvus,
    database: 'default',
    kind,
    where,
    dispose: () =>
      (disposed ??= (async () => {
        await milvus.close();
        await stop();
      })()),
  };
}

async function throwawayDatabase(server: ConnectionSettings, logger: Logger): Promise<Throwaway> {
  const database = `${THROWAWAY_DATABASE_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await Milvus.connect({ ...server, database: 'default' }, logger);
  let milvus: Milvus | undefined;
  try {
    await admin.call('createDatabase', { db_name: database });
    milvus = await Milvus.connect({ ...server, database }, logger);
  } catch (err) {
    await dropDatabase(admin, database).catch(() => {});
    await admin.close();
    throw err;
  }
  const connected = milvus;
  let disposed: Promise<void> | undefined;
  return {
    milvus: connected,
    database,
    kind: 'database',
    where: `throwaway database ${database} on ${server.address}`,
    dispose: () =>
      (disposed ??= (async () => {
        try {
          await dropDatabase(admin, database);
        } finally {
          await connected.close();
          await admin.close();
        }
      })()),
  };
}

/** Drops every alias and collection in `database`, then the database (Milvus drops only empty ones). */
async function dropDatabase(admin: Milvus, database: string): Promise<void> {
  const shown = await admin.call('showCollections', { db_name: database } as never);
  for (const { name } of shown.data) {
    const target = { collection_name: name, db_name: database };
    const desc = await admin.call('describeCollection', target);
    for (const alias of desc.aliases ?? []) await admin.call('dropAlias', { alias, db_name: database } as never);
    await admin.call('dropCollection', target);
  }
  await admin.call('dropDatabase', { db_name: database });
}
