import type { StepRecord } from '../step-record.js';

/** What the state keeps per migration: one row each, in the state collection. */
export interface StateRow {
  readonly name: string;
  /** sha256 of the migration file when it last ran. */
  readonly checksum: string;
  /** `applied`, or `failed` (also what a run that was killed leaves: it is written before the first step). */
  readonly status: 'applied' | 'failed';
  /** Steps of the direction recorded in `details.direction` that completed; where a resumed run starts. */
  readonly steps_done: number;
  /** ISO time the row was written. */
  readonly applied_at: string;
  readonly duration_ms: number;
  /** `user@host`. */
  readonly applied_by: string;
  readonly tool_version: string;
  /** Empty when the last run succeeded. */
  readonly last_error: string;
  readonly details: StateDetails;
}

export interface StateDetails {
  /** Direction of the run that wrote the row. */
  readonly direction?: 'up' | 'down';
  /** Facts each up step recorded for its inverse, by step index. */
  readonly records?: Readonly<Record<string, StepRecord>>;
  /** Set by `mark --applied`: recorded without running any step. */
  readonly marked?: boolean;
}

/**
 * Where migration state lives. The Milvus implementation is the real one; {@link MemoryStateStore}
 * serves unit tests of the runner.
 */
export interface StateStore {
  /** Human description, e.g. `collection milvus_migrations in database default`. */
  readonly location: string;
  /** The state collection's name, when the state lives in Milvus (left out of what the preflight says a database holds). */
  readonly collection?: string | undefined;
  /** Creates the state collection if needed. Safe to call from several processes at once. */
  ensure(): Promise<void>;
  /** Every row, read with Strong consistency (what the previous run wrote is seen). Does not create anything. */
  readAll(): Promise<StateRow[]>;
  put(row: StateRow): Promise<void>;
  /** Writes several rows in one request. Optional: without it, the run writes them one by one. */
  putAll?(rows: readonly StateRow[]): Promise<void>;
  remove(name: string): Promise<void>;
}

/** In-memory state for unit tests. */
export class MemoryStateStore implements StateStore {
  readonly location = 'memory';
  readonly rows = new Map<string, StateRow>();
  /** Number of writes, for tests that assert how often state is written. */
  writes = 0;

  async ensure(): Promise<void> {}
  async readAll(): Promise<StateRow[]> {
    return [...this.rows.values()].map((r) => structuredClone(r));
  }
  async put(row: StateRow): Promise<void> {
    await this.putAll([row]);
  }
  async putAll(rows: readonly StateRow[]): Promise<void> {
    this.writes++;
    for (const row of rows) this.rows.set(row.name, structuredClone(row));
  }
  async remove(name: string): Promise<void> {
    this.writes++;
    this.rows.delete(name);
  }
}

/** Whether a row counts as applied for planning: `applied`, or a `down` that failed part-way (still revertable). */
export function isExecuted(row: StateRow): boolean {
  return row.status === 'applied' || row.details.direction === 'down';
}
