import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { ConnectionError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { checkResponse, toMilvusError } from './status.js';

/** How to reach Milvus. Secrets live here and nowhere else; never log this object. */
export interface ConnectionSettings {
  readonly address: string;
  readonly token?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly ssl?: boolean | undefined;
  readonly database?: string | undefined;
  /** Per-call deadline for connecting, in ms. */
  readonly timeoutMs?: number | undefined;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** Names of the MilvusClient methods that return a promise. */
export type MilvusMethod = {
  [K in keyof MilvusClient]: MilvusClient[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof MilvusClient];

type Req<M extends MilvusMethod> = Parameters<MilvusClient[M]>[0];
type Res<M extends MilvusMethod> = Awaited<ReturnType<MilvusClient[M]>>;

/**
 * A connected Milvus client whose every call is checked. Steps, state and waits talk to Milvus
 * only through {@link Milvus.call}, so no call site can forget to check a status.
 */
export class Milvus {
  #version: string | undefined;

  private constructor(
    /** The raw SDK client, handed to code migrations as `client`. */
    readonly client: MilvusClient,
    readonly address: string,
    readonly database: string,
    readonly logger: Logger,
  ) {}

  /**
   * Connects and proves the connection with one call. Throws {@link ConnectionError} (exit 5) when
   * the server cannot be reached or refuses the credentials.
   */
  static async connect(settings: ConnectionSettings, logger: Logger = silentLogger): Promise<Milvus> {
    const database = settings.database ?? 'default';
    const client = new MilvusClient({
      address: settings.address,
      token: settings.token,
      username: settings.username,
      password: settings.password,
      ssl: settings.ssl ?? false,
      database,
      timeout: settings.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      logLevel: 'error',
      // Connect ourselves: the constructor's own background connect rejects unobserved when the
      // address is wrong or the credentials are refused, which kills the process (SDK 2.6.17).
      __SKIP_CONNECT__: true,
    });
    client.connect(MilvusClient.sdkInfo.version);
    const milvus = new Milvus(client, settings.address, database, logger);
    try {
      await client.connectPromise;
    } catch (err) {
      void client.closeConnection().catch(() => {});
      throw milvus.#asConnectionError(err);
    }
    // The Connect handshake does not check the database; a call that names it does.
    await milvus.version();
    return milvus;
  }

  /** Calls an SDK method and checks its answer; see `status.ts` for what counts as failure. */
  async call<M extends MilvusMethod>(method: M, req: Req<M>): Promise<Res<M>> {
    let res: unknown;
    try {
      res = await (this.client[method] as (r: Req<M>) => Promise<unknown>).call(this.client, req);
    } catch (err) {
      throw toMilvusError(method, err, this.address);
    }
    return checkResponse(method, res) as Res<M>;
  }

  /** The server's version, e.g. `v2.3.5-lite`; read once per connection. */
  async version(): Promise<string> {
    if (this.#version === undefined) {
      const res = await this.call('getVersion', undefined as never);
      this.#version = res.version;
    }
    return this.#version;
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
