import type { ClientConfig, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { loadSdk, type MilvusSdk } from './sdk.js';
import { ConnectionError, DatabaseNotFoundError, MilvusCallError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { checkResponse, isTransient, toMilvusError } from './status.js';
import { sdkTlsOptions, tlsSetupError, type TlsSettings } from './tls.js';
import { useLeanInterceptor } from './transport.js';

/** How to reach Milvus. Secrets live here and nowhere else; never log this object. */
export interface ConnectionSettings {
  readonly address: string;
  readonly token?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly ssl?: boolean | undefined;
  /** CA, client certificate, server name, verification; any of them turns TLS on. */
  readonly tls?: TlsSettings | undefined;
  readonly database?: string | undefined;
  /** Deadline of each call, in ms; see {@link DEFAULT_CALL_TIMEOUT_MS}. */
  readonly timeoutMs?: number | undefined;
  /** See {@link DEFAULT_RETRY_WINDOW_MS}. */
  readonly retryWindowMs?: number | undefined;
  /**
   * A local folder the server reads import files from under the same path (an Embedded Milvus'
   * storage folder, or `importDir` in the config): `bulkInsert` can then be given files written
   * here. Absent: the server cannot read this machine's files.
   */
  readonly importDir?: string | undefined;
}

/** How long one Milvus call may take (the gRPC deadline; `timeout` in milvus.config.yaml). */
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;
/**
 * How long transient failures (gRPC UNAVAILABLE; DEADLINE_EXCEEDED for calls safe to repeat) are
 * retried, with backoff, before they count: a restarting proxy or a blip in the network should
 * not fail a deploy; a server gone for good fails after this long.
 */
export const DEFAULT_RETRY_WINDOW_MS = 10_000;
/** Calls that must not be repeated after a deadline: they may have been applied. */
const NOT_REPEATABLE: ReadonlySet<string> = new Set(['insert', 'bulkInsert']);

/** Names of the MilvusClient methods that return a promise. */
export type MilvusMethod = {
  [K in keyof MilvusClient]: MilvusClient[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof MilvusClient];

type Req<M extends MilvusMethod> = Parameters<MilvusClient[M]>[0];
type Res<M extends MilvusMethod> = Awaited<ReturnType<MilvusClient[M]>>;

/** A query for {@link Milvus.queryColumns}. */
export interface ColumnQuery {
  readonly collection_name: string;
  readonly db_name?: string | undefined;
  readonly partition_names?: string[] | undefined;
  readonly filter: string;
  readonly output_fields: readonly string[];
  readonly limit: number;
  readonly consistency_level: 'Strong' | 'Bounded' | 'Session' | 'Eventually';
}

/** One column of a query's answer as the gRPC layer decodes it (Int64 as strings, enums as names). */
export interface RawFieldData {
  readonly type: string;
  readonly field_name: string;
  readonly is_dynamic?: boolean;
  readonly valid_data?: readonly boolean[];
  readonly scalars?: { readonly [data: string]: { readonly data?: readonly unknown[] } | string | undefined };
  readonly vectors?: { readonly dim?: string | number; readonly float_vector?: { readonly data?: readonly number[] } };
}

/**
 * A connected Milvus client whose every call is checked. Steps, state and waits talk to Milvus
 * only through {@link Milvus.call}, so no call site can forget to check a status.
 */
export class Milvus {
  #version: string | undefined;
  /** See {@link ConnectionSettings.importDir}. */
  #importDir: string | undefined;
  /**
   * The credentials this connection was made with. Kept in a private field (not enumerable, not
   * shown by `util.inspect` or `JSON.stringify`) only so {@link Milvus.authToken} can hand them to
   * a child process that asks for them (the `exec` step with `pass_token: true`).
   */
  #auth: { readonly token?: string | undefined; readonly username?: string | undefined; readonly password?: string | undefined } = {};
  /** The SDK's raw call, for {@link Milvus.queryColumns}. */
  #promisify: MilvusSdk['promisify'] | undefined;

  private constructor(
    /** The raw SDK client, handed to code migrations as `client`. */
    readonly client: MilvusClient,
    readonly address: string,
    readonly database: string,
    readonly logger: Logger,
    private readonly retryWindowMs: number,
  ) {}

  /**
   * Connects, proves the connection with one call, and checks that the database exists. Throws
   * {@link ConnectionError} (exit 5) when the server cannot be reached, refuses the credentials or
   * the TLS handshake fails, and {@link DatabaseNotFoundError} (exit 2) for a missing database.
   */
  static async connect(settings: ConnectionSettings, logger: Logger = silentLogger): Promise<Milvus> {
    const window = settings.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS;
    const tls = settings.tls ? await sdkTlsOptions(settings.tls) : undefined;
    if (settings.tls?.skipVerify)
      logger.warn(
        `TLS certificate verification is off for ${settings.address} (tls.skipVerify): use it for local tests only, never in production.`,
      );
    if (!/^https:\/\//.test(settings.address) && !/:\d+$/.test(settings.address))
      logger.warn(`${settings.address} has no port: gRPC connects to 443. Milvus listens on 19530 unless a proxy is in front of it.`);
    const sdk = await loadSdk();
    // The SDK logs through its own coloured winston logger (a process-wide singleton), e.g. a
    // warning for an address without a port: silenced, as the library only reports through ours.
    sdk.logger.silent = true;
    return retryTransient('connect', window, logger, async () => {
      const milvus = Milvus.#create(sdk, settings, tls, logger, window);
      try {
        try {
          await milvus.client.connectPromise;
        } catch (err) {
          throw milvus.#asConnectionError(err);
        }
        await milvus.version();
        await milvus.#checkDatabase();
        return milvus;
      } catch (err) {
        void milvus.client.closeConnection().catch(() => {});
        throw err;
      }
    });
  }

  /**
   * Milvus 2.3 accepts the Connect handshake and `getVersion` for a database that does not exist
   * and fails only the first call that needs it, which for this tool would be a step or the state
   * read, after `status` had shown everything pending. `listCollections` needs it, and any user
   * may call it (listing databases needs a privilege, so it only adds detail to the error).
   */
  async #checkDatabase(): Promise<void> {
    if (this.database === 'default') return;
    try {
      await this.call('listCollections', {});
    } catch (err) {
      if (!(err instanceof MilvusCallError) || !/database not found/i.test(err.reason)) throw err;
      const existing = await this.call('listDatabases', {}).then(
        (res) => res.db_names,
        () => undefined,
      );
      throw new DatabaseNotFoundError(this.database, this.address, existing);
    }
  }

  static #create(sdk: MilvusSdk, settings: ConnectionSettings, tls: ClientConfig['tls'], logger: Logger, window: number): Milvus {
    const { MilvusClient } = sdk;
    const database = settings.database ?? 'default';
    let client: MilvusClient;
    try {
      client = new MilvusClient({
        address: settings.address,
        token: settings.token,
        username: settings.username,
        password: settings.password,
        ssl: settings.ssl ?? false,
        ...(tls ? { tls } : {}),
        database,
        timeout: settings.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
        // One retry loop, ours (retryTransient): the SDK's would repeat each failure 3 more times
        // inside every attempt of ours, and retries non-repeatable calls after a deadline.
        maxRetries: 0,
        logLevel: 'error',
        // Connect ourselves: the constructor's own background connect rejects unobserved when the
        // address is wrong or the credentials are refused, which kills the process (SDK 2.6.17).
        __SKIP_CONNECT__: true,
      });
    } catch (err) {
      // The only throw seen here: Node's createSecureContext refusing a key that is not the certificate's.
      if (settings.tls) throw tlsSetupError(settings.tls, err);
      throw err;
    }
    // Before the first call: the SDK's retry interceptor writes every message out as JSON (transport.ts).
    useLeanInterceptor(sdk, client);
    client.connect(MilvusClient.sdkInfo.version);
    // Observed here so a failure never becomes an unhandled rejection; connect() awaits it again.
    client.connectPromise.catch(() => {});
    const milvus = new Milvus(client, settings.address, database, logger, window);
    milvus.#importDir = settings.importDir;
    milvus.#promisify = sdk.promisify;
    milvus.#auth = { token: settings.token, username: settings.username, password: settings.password };
    return milvus;
  }

  /** A local folder the server reads import files from under the same path; see {@link ConnectionSettings.importDir}. */
  get importDir(): string | undefined {
    return this.#importDir;
  }

  /** Calls an SDK method and checks its answer; see `status.ts` for what counts as failure. */
  async call<M extends MilvusMethod>(method: M, req: Req<M>): Promise<Res<M>> {
    return retryTransient(method, this.retryWindowMs, this.logger, async (): Promise<Res<M>> => {
      let res: unknown;
      try {
        res = await (this.client[method] as (r: Req<M>) => Promise<unknown>).call(this.client, req);
      } catch (err) {
        throw toMilvusError(method, err, this.address);
      }
      return checkResponse(method, res) as Res<M>;
    });
  }

  /**
   * A query answered as Milvus sends it, its `fields_data` column by column: the SDK's query
   * would build an object per row, which costs more than the reading for a reader that looks at
   * each value once (see `reads/columns.ts`). Retried and checked as {@link Milvus.call} is.
   */
  async queryColumns(req: ColumnQuery): Promise<{ fields_data: RawFieldData[] }> {
    const promisify = this.#promisify;
    if (!promisify) throw new Error('queryColumns: the SDK is not loaded');
    const { filter, limit, ...rest } = req;
    return retryTransient('query', this.retryWindowMs, this.logger, async () => {
      let res: unknown;
      try {
        res = await promisify(
          this.client.channelPool,
          'Query',
          { ...rest, expr: filter, query_params: [{ key: 'limit', value: String(limit) }] },
          this.client.timeout,
        );
      } catch (err) {
        throw toMilvusError('query', err, this.address);
      }
      return checkResponse('query', res as { status: unknown; fields_data: RawFieldData[] });
    });
  }

  /** The server's version, e.g. `v2.3.5-lite`; read once per connection. */
  async version(): Promise<string> {
    if (this.#version === undefined) {
      const res = await this.call('getVersion', undefined as never);
      this.#version = res.version;
    }
    return this.#version;
  }

  /**
   * A token that connects as this connection does: the token it was given, or `user:password`
   * (Milvus accepts credentials in that form as a token); `undefined` without authentication.
   * A secret: hand it only where the user asked for it, and never log it.
   */
  authToken(): string | undefined {
    const { token, username, password } = this.#auth;
    if (token) return token;
    return username ? `${username}:${password ?? ''}` : undefined;
  }

  async close(): Promise<void> {
    await this.client.closeConnection().catch(() => {});
  }

  #asConnectionError(err: unknown): Error {
    const e = toMilvusError('connect', err, this.address);
    if (e instanceof ConnectionError) return e;
    return new ConnectionError(this.address, `Cannot connect to Milvus at ${this.address}: ${e.message}`, {
      cause: err,
      hint: 'Check the address and credentials (--address/--token, MILVUS_ADDRESS/MILVUS_TOKEN, or milvus.config.yaml).',
    });
  }
}

/**
 * Runs `fn`, retrying transient transport failures with backoff for up to `windowMs`.
 * Everything else (and the last transient failure) is thrown as is.
 */
async function retryTransient<T>(what: string, windowMs: number, logger: Logger, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = 250;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err, !NOT_REPEATABLE.has(what)) || Date.now() - started + delay > windowMs) throw err;
      logger.warn(`${what}: ${(err as Error).message.split('\n')[0]}; retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 4000);
    }
  }
}
