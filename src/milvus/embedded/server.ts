/** What an Embedded Milvus is: its fixed facts, the options of a start, and a running server. */
import type { Logger } from '../../logger.js';

/** The Milvus version Embedded Milvus runs (the PyPI `milvus` package version). */
export const EMBEDDED_MILVUS_VERSION = '2.3.5';
/**
 * How long a start may take before it counts as failed. A start takes ~10 s, but ~35 s when the
 * same data folder was stopped less than ~30 s before (Milvus 2.3.5 waits for the old etcd
 * sessions to expire), and the first start in a folder unpacks ~450 MB.
 */
export const DEFAULT_READY_TIMEOUT_MS = 120_000;
/** The embedded etcd's peer port. Fixed in Milvus Lite 2.3.5, so "in use" means "a server runs here". */
export const EMBEDDED_ETCD_PEER_PORT = 2380;
/** Credentials of an Embedded Milvus started with `authorization: true` (Milvus' built-in root user). */
export const EMBEDDED_ROOT_CREDENTIALS = { username: 'root', password: 'Milvus' } as const;

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

/** An Embedded Milvus found running on this machine. */
export interface RunningEmbedded {
  dataDir: string;
  /** Proxy port, from its config file; undefined when that cannot be read. */
  port: number | undefined;
  /** Process group id (the wrapper's pid). */
  pid: number;
}
