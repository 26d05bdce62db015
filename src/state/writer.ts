import type { StateRow, StateStore } from './store.js';

/** How long a deferred row may wait for a write to travel with (ms). */
export const DEFAULT_DEFER_MS = 1_000;
/** Rows per upsert when deferred rows pile up. */
const MAX_DEFERRED = 500;

/**
 * The state writes of one run. A state write costs about as much as the DDL call it records
 * (one upsert, ~6 ms on 2.3), so the final rows of migrations made only of repeatable steps (see
 * `StepDefinition.repeatable`) are kept back and sent with the next write (the next migration's
 * "started" row, a checkpoint, a failure) in one upsert, at the latest {@link DEFAULT_DEFER_MS}
 * after the first of them (on a timer, if no write comes), and at the end of the run.
 *
 * What a kill can lose is thereby only the final rows of repeatable migrations completed in the
 * last second: the next run finds them pending and runs them again, to the same result. Every
 * other write goes out before the run goes on, as before.
 */
export class StateWriter implements StateStore {
  #pending = new Map<string, StateRow>();
  #since = 0;
  /** Sends the kept-back rows on its own when no write comes for them in time. */
  #timer: NodeJS.Timeout | undefined;
  /** A write the timer started: later writes wait for it, so rows go out in order. */
  #timed: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    private readonly deferMs: number = DEFAULT_DEFER_MS,
  ) {}

  get location(): string {
    return this.store.location;
  }

  ensure(): Promise<void> {
    return this.store.ensure();
  }

  /** What is in the state collection: without the rows still kept back. */
  readAll(): Promise<StateRow[]> {
    return this.store.readAll();
  }

  /** Writes `row` now, with any deferred rows in the same request. */
  async put(row: StateRow): Promise<void> {
    await this.#settle();
    this.#pending.delete(row.name);
    await this.#write([...this.#pending.values(), row]);
  }

  async remove(name: string): Promise<void> {
    await this.flush();
    await this.store.remove(name);
  }

  /** Keeps `row` back until the next write, or until the first row kept back has waited long enough. */
  async defer(row: StateRow): Promise<void> {
    if (this.#pending.size === 0) this.#since = Date.now();
    this.#pending.set(row.name, row);
    if (Date.now() - this.#since >= this.deferMs || this.#pending.size >= MAX_DEFERRED) return this.flush();
    // Also when the run goes on without writing (a long step of the next migration).
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      // A failed write keeps its rows for the next one, which reports the failure.
      this.#timed = this.#timed.then(() => this.#writePending()).catch(() => {});
    }, this.deferMs).unref();
  }

  /** Writes the deferred rows, if any. */
  async flush(): Promise<void> {
    await this.#settle();
    await this.#writePending();
  }

  async #settle(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#timed;
  }

  async #writePending(): Promise<void> {
    if (this.#pending.size) await this.#write([...this.#pending.values()]);
  }

  async #write(rows: StateRow[]): Promise<void> {
    this.#pending = new Map();
    try {
      if (this.store.putAll && rows.length > 1) await this.store.putAll(rows);
      else for (const row of rows) await this.store.put(row);
    } catch (err) {
      // Not written: keep them back again, unless a newer row of the same name came meanwhile.
      for (const r of rows) if (!this.#pending.has(r.name)) this.#pending.set(r.name, r);
      throw err;
    }
  }
}
