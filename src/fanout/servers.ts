/**
 * The servers of a fan-out: each started (Embedded Milvus) or found once, with one control
 * connection for listing its databases, and one connection per target database.
 *
 * One connection per target, not one per server: the SDK's `MilvusClient` holds its database as a
 * setting of the client (sent with every call), and the state store, the lock, the steps and code
 * migrations (`client`) all use the connection's database. Concurrent targets sharing one client
 * would have to switch it under each other's feet.
 */
import type { ResolvedConfig } from '../config/load.js';
import { DEFAULT_DATABASE } from '../config/defaults.js';
import { silentLogger, type Logger } from '../logger.js';
import { Milvus } from '../milvus/client.js';
import { startProjectServer, type ProjectServer } from '../project.js';
import { serverKey } from './targets.js';

interface Server {
  readonly server: ProjectServer;
  readonly control: Milvus;
  databases?: Promise<readonly string[]>;
}

export class Servers {
  readonly #servers = new Map<string, Promise<Server>>();

  constructor(private readonly logger: Logger = silentLogger) {}

  /** The databases on the server of `config`, listed once per server. */
  async databasesOf(config: ResolvedConfig): Promise<readonly string[]> {
    const s = await this.#server(config);
    s.databases ??= s.control.call('listDatabases', {}).then((r) => r.db_names);
    return s.databases;
  }

  /** A new connection to the server of `config`, in `config.database`; the caller closes it. */
  async connect(config: ResolvedConfig, logger: Logger = this.logger): Promise<Milvus> {
    const { server } = await this.#server(config);
    return Milvus.connect({ ...server.connection, database: config.database }, logger);
  }

  /** Closes the control connections and stops every Embedded Milvus started for the fan-out. */
  async close(): Promise<void> {
    const servers = await Promise.allSettled(this.#servers.values());
    this.#servers.clear();
    for (const s of servers) {
      if (s.status !== 'fulfilled') continue;
      await s.value.control.close();
      await s.value.server.stop?.();
    }
  }

  #server(config: ResolvedConfig): Promise<Server> {
    const key = serverKey(config);
    let s = this.#servers.get(key);
    if (!s) {
      s = (async () => {
        const server = await startProjectServer(config, { logger: this.logger });
        try {
          // `default` always exists; the target's own database may not (that is what is checked).
          return { server, control: await Milvus.connect({ ...server.connection, database: DEFAULT_DATABASE }, this.logger) };
        } catch (err) {
          await server.stop?.();
          throw err;
        }
      })();
      this.#servers.set(key, s);
    }
    return s;
  }
}
