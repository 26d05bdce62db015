import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LockTimeoutError, MigrateError, MilvusCallError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { loadSdk } from '../milvus/sdk.js';
import { processAlive } from '../util/process.js';

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_LOCK_STALE_AFTER_MS = 30_000;
export const DEFAULT_LOCK_HEARTBEAT_MS = 5_000;
const HEARTBEAT_PROPERTY = 'milvus_migrate.heartbeat';

/** Who holds a lock: stored as the lock collection's description. */
export interface LockHolder {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly command: string;
  /** ISO time the lock was taken. */
  readonly since: string;
}

export interface LockOptions {
  /** How long to wait for another run's lock before giving up (exit 3). */
  readonly timeoutMs?: number | undefined;
  /** A lock whose heartbeat has not moved for this long is taken over. */
  readonly staleAfterMs?: number | undefined;
  readonly heartbeatMs?: number | undefined;
  readonly command?: string | undefined;
  readonly logger?: Logger | undefined;
}

/** What the runner needs of a lock; the Milvus one is below, tests may pass their own. */
export interface RunLock {
  /** The lock's collection, when the lock is one (left out of what the preflight says a database holds). */
  readonly collection?: string | undefined;
  acquire(): Promise<void>;
  release(): Promise<void>;
  /** Throws when the lock was lost (taken over while this run looked dead). */
  assertHeld(): void;
}

/**
 * One run at a time per database, without transactions or advisory locks in Milvus.
 *
 * Acquiring is `createCollection(<state>_lock)` with this run's holder record as description.
 * Milvus 2.3 answers success to a create with identical parameters and "create duplicate
 * collection with different parameters" otherwise, and of 8 clients racing to create one name
 * with different parameters exactly one succeeds (measured): an atomic test-and-set. The
 * description holds a unique id, so no two runs send identical parameters.
 *
 * The holder renews a heartbeat property every few seconds. A waiter takes over a lock whose
 * heartbeat it has seen unchanged for `staleAfterMs` on its own clock (so clock skew between
 * machines does not matter), by dropping it and racing to create it again.
 */
export class MilvusLock implements RunLock {
  readonly collection: string;
  readonly #me: LockHolder;
  readonly #timeoutMs: number;
  readonly #staleAfterMs: number;
  readonly #heartbeatMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #beat = 0;
  #lost: string | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly milvus: Milvus,
    stateCollection: string,
    private readonly database: string,
    opts: LockOptions = {},
  ) {
    this.collection = `${stateCollection}_lock`;
    this.#me = {
      id: randomUUID(),
      host: hostname(),
      pid: process.pid,
      command: opts.command ?? 'milvus-migrate',
      since: new Date().toISOString(),
    };
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.#staleAfterMs = opts.staleAfterMs ?? DEFAULT_LOCK_STALE_AFTER_MS;
    this.#heartbeatMs = opts.heartbeatMs ?? DEFAULT_LOCK_HEARTBEAT_MS;
    this.#logger = opts.logger ?? silentLogger;
  }

  get #target() {
    return { collection_name: this.collection, db_name: this.database };
  }

  /** Waits (polling with backoff) until this run holds the lock; throws {@link LockTimeoutError} (exit 3) after the timeout. */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    let delay = 100;
    let seen: { id: string; heartbeat: string; since: number } | undefined;
    let announced = false;
    for (;;) {
      const holder = await this.#tryCreate();
      if (holder === 'acquired') break;
      if (holder && holder.host === this.#me.host && Number.isInteger(holder.pid) && holder.pid > 0 && !processAlive(holder.pid)) {
        // Its holder ran on this machine and is gone (killed, crashed): no need to wait it out.
        await this.#takeOver(holder, 'its process is gone');
        continue;
      }
      if (holder) {
        const now = Date.now();
        if (!seen || seen.id !== holder.id || seen.heartbeat !== holder.heartbeat)
          seen = { id: holder.id, heartbeat: holder.heartbeat, since: now };
        else if (now - seen.since >= this.#staleAfterMs) {
          await this.#takeOver(holder, `it has not renewed it for ${Math.round(this.#staleAfterMs / 1000)} s`);
          seen = undefined;
          continue;
        }
        if (!announced) {
          this.#logger.info(`Waiting for the lock held by ${describeHolder(holder)} (up to ${Math.round(this.#timeoutMs / 1000)} s)`);
          announced = true;
        }
        if (now >= deadline) {
          throw new LockTimeoutError(
            `Another run holds the migration lock (${this.collection}): ${describeHolder(holder)}; gave up after ${Math.round(this.#timeoutMs / 1000)} s`,
            {
              hint: 'Wait for it to finish, raise --lock-timeout, or if that run is dead and you are sure, run `milvus-migrate unlock`.',
            },
          );
        }
      }
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now())) + Math.random() * 50));
      delay = Math.min(delay * 2, 2000);
    }
    this.#timer = setInterval(() => {
      this.#pending = this.#pending.then(() => this.#heartbeat());
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  assertHeld(): void {
    if (this.#lost) {
      throw new MigrateError('lock-timeout', `The migration lock was lost: ${this.#lost}. Stopping before the next migration.`, {
        hint: 'Another run took the lock over, probably because this one stopped renewing it (a pause longer than the stale time). Check `milvus-migrate status`.',
      });
    }
  }

  /** Releases the lock if this run still holds it. */
  async release(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pending;
    const holder = await this.inspect();
    if (holder?.id === this.#me.id) await this.milvus.call('dropCollection', this.#target);
  }

  /** The current holder, or undefined when the lock is free. Read-only. */
  async inspect(): Promise<(LockHolder & { heartbeat: string }) | undefined> {
    if (!(await this.milvus.call('hasCollection', this.#target)).value) return undefined;
    try {
      const desc = await this.milvus.call('describeCollection', this.#target);
      const heartbeat = String(desc.properties.find((p) => p.key === HEARTBEAT_PROPERTY)?.value ?? '');
      return { ...parseHolder(desc.schema.description), heartbeat };
    } catch (err) {
      // Dropped between the two calls: free.
      if (err instanceof MilvusCallError && /not found|can't find/i.test(err.reason)) return undefined;
      throw err;
    }
  }

  /** `unlock`: drops the lock whoever holds it. Returns who held it. */
  async forceRelease(): Promise<LockHolder | undefined> {
    const holder = await this.inspect();
    if (holder) await this.milvus.call('dropCollection', this.#target);
    return holder;
  }

  async #tryCreate(): Promise<'acquired' | (LockHolder & { heartbeat: string }) | undefined> {
    const { DataType } = await loadSdk();
    try {
      await this.milvus.call('createCollection', {
        ...this.#target,
        description: JSON.stringify(this.#me),
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'v', data_type: DataType.FloatVector, dim: 2 },
        ],
      } as never);
      // Only one create of a name with different parameters succeeds, and only this run sends
      // its id: success means this run holds the lock, with no need to read it back.
      return 'acquired';
    } catch (err) {
      if (err instanceof MilvusCallError && /permission/i.test(err.reason)) {
        // Before any step runs: a user who may not create the lock may not change the schema either.
        throw new MigrateError(
          'migration-failed',
          `Cannot take the migration lock ${this.collection} in database ${this.database}: ${err.reason}`,
          {
            cause: err,
            hint: 'Run migrations as a user whose role may create and drop collections (and write the state collection) in this database.',
          },
        );
      }
      if (!(err instanceof MilvusCallError && /duplicate collection/i.test(err.reason))) throw err;
    }
    const holder = await this.inspect();
    return holder?.id === this.#me.id ? 'acquired' : holder;
  }

  async #takeOver(stale: LockHolder & { heartbeat: string }, why: string): Promise<void> {
    // Check again right before dropping, so a lock that changed hands meanwhile is left alone.
    const now = await this.inspect();
    if (!now || now.id !== stale.id || now.heartbeat !== stale.heartbeat) return;
    this.#logger.warn(`Taking over a stale lock held by ${describeHolder(stale)}: ${why}`);
    await this.milvus.call('dropCollection', this.#target);
  }

  async #heartbeat(): Promise<void> {
    if (this.#lost || !this.#timer) return;
    try {
      const holder = await this.inspect();
      if (holder?.id !== this.#me.id) {
        this.#lost = holder ? `now held by ${describeHolder(holder)}` : 'the lock collection is gone';
        return;
      }
      await this.milvus.call('alterCollection', { ...this.#target, properties: { [HEARTBEAT_PROPERTY]: String(++this.#beat) } } as never);
    } catch (err) {
      // A missed beat is not fatal: the lock is only taken over after several.
      this.#logger.debug(`lock heartbeat failed: ${(err as Error).message}`);
    }
  }
}

function parseHolder(description: string): LockHolder {
  try {
    const h = JSON.parse(description) as Partial<LockHolder>;
    return { id: String(h.id), host: String(h.host), pid: Number(h.pid), command: String(h.command), since: String(h.since) };
  } catch {
    return { id: description, host: 'unknown', pid: 0, command: 'unknown', since: 'unknown' };
  }
}

export function describeHolder(h: LockHolder): string {
  return `${h.command} (pid ${h.pid} on ${h.host}, since ${h.since})`;
}
