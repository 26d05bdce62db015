import type { UmzugStorage } from 'umzug';
import type { StateRow } from './store.js';
import type { StateWriter } from './writer.js';

/**
 * The state as umzug sees it. Rows are read once per run (a Strong read costs ~150-300 ms on
 * 2.3) and kept in `rows`; every write goes to Milvus and to that cache.
 *
 * Umzug calls `logMigration` after a migration's `up` resolves and `unlogMigration` after its
 * `down` resolves; the runner writes progress rows in between through {@link StateStore.put}.
 */
export class UmzugStateStorage implements UmzugStorage {
  constructor(
    private readonly store: StateWriter,
    private readonly rows: Map<string, StateRow>,
    /** The final row for a migration that just succeeded; supplied by the runner, which knows its duration and records. */
    private readonly finalRow: (name: string) => { row: StateRow; deferrable: boolean },
  ) {}

  /** Names umzug treats as executed: applied rows, and rows whose `down` failed part-way (still revertable). */
  async executed(): Promise<string[]> {
    return [...this.rows.values()].filter((r) => isExecuted(r)).map((r) => r.name);
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    const { row, deferrable } = this.finalRow(name);
    await (deferrable ? this.store.defer(row) : this.store.put(row));
    this.rows.set(name, row);
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    await this.store.remove(name);
    this.rows.delete(name);
  }
}

/** Whether a row counts as applied for planning: `applied`, or a `down` that failed part-way. */
export function isExecuted(row: StateRow): boolean {
  return row.status === 'applied' || row.details.direction === 'down';
}
