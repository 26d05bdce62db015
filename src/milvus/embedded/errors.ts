/** The errors of Embedded Milvus, and the way out that each of them names. */
import { ConnectionError } from '../../errors.js';
import { EMBEDDED_ETCD_PEER_PORT, type RunningEmbedded } from './server.js';

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

/** The end of every hint: a running Milvus is always a way out. */
export const ADDRESS_HINT = 'or use a running Milvus instead with --address HOST:PORT (or MILVUS_ADDRESS)';
