import { hostname, userInfo } from 'node:os';
import type { Migration } from '../migrations/model.js';
import type { StateRow } from '../state/store.js';
import type { StateWriter } from '../state/writer.js';
import type { StepRecord } from '../steps/types.js';
import type { Direction } from './results.js';

/** `user@host`, recorded as applied_by. */
export function whoAmI(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `${user}@${hostname()}`;
}

/**
 * Every state write of one migration's run, in one place: the "started" row, progress after each
 * step and at checkpoints, the failure, and the final row (`applied` after an up; the row removed
 * after a down). Rows go through the run's {@link StateWriter}, which may keep a final row back to
 * send with the next write (see `StateWriter.defer`).
 */
export class MigrationRecorder {
  readonly #started = Date.now();
  readonly #records: Record<string, StepRecord>;
  #stepsDone: number;

  constructor(
    private readonly writer: StateWriter,
    private readonly migration: Migration,
    private readonly direction: Direction,
    /** The state row before this run, if any. */
    private readonly before: StateRow | undefined,
    resumeFrom: number,
    private readonly toolVersion: string,
  ) {
    // An up resumes with what earlier runs of its steps recorded; a down records nothing new.
    this.#records = { ...(direction === 'up' ? before?.details.records : {}) };
    this.#stepsDone = resumeFrom;
  }

  /** Written before the first step of a run that may leave Milvus half-changed if killed. */
  started(): Promise<void> {
    const at = new Date(this.#started).toISOString();
    return this.writer.put(this.#row('failed', `interrupted: the run that started ${this.direction} at ${at} did not finish`));
  }

  /** A long step saved progress (e.g. the last key copied): the next run gets it back. */
  checkpoint(index: number, progress: StepRecord): Promise<void> {
    this.#records[String(index)] = progress;
    return this.writer.put(this.#row('failed', `interrupted during step ${index + 1}`));
  }

  /** Step `index` completed; `recorded` is what its inverse will need. `write: false` keeps it in memory. */
  async stepDone(index: number, recorded: StepRecord | undefined, write: boolean): Promise<void> {
    if (recorded && this.direction === 'up') this.#records[String(index)] = recorded;
    this.#stepsDone = index + 1;
    if (write) await this.writer.put(this.#row('failed', `interrupted after step ${index + 1}`));
  }

  /** The run failed with `message`; the next run resumes at the step that did not finish. */
  failed(message: string): Promise<void> {
    return this.writer.put(this.#row('failed', message));
  }

  /**
   * The run succeeded: an up's `applied` row (kept back when `deferrable`: its steps are all
   * repeatable, so losing it to a kill only makes the next run repeat them); a down's row removed.
   */
  finished(deferrable: boolean): Promise<void> {
    if (this.direction === 'down') return this.writer.remove(this.migration.name);
    const row = this.#row('applied', '');
    return deferrable ? this.writer.defer(row) : this.writer.put(row);
  }

  get durationMs(): number {
    return Date.now() - this.#started;
  }

  #row(status: StateRow['status'], lastError: string): StateRow {
    const { migration, direction, before } = this;
    return {
      name: migration.name,
      checksum: direction === 'up' ? migration.checksum : (before?.checksum ?? migration.checksum),
      status,
      steps_done: this.#stepsDone,
      applied_at: new Date().toISOString(),
      duration_ms: this.durationMs,
      applied_by: whoAmI(),
      tool_version: this.toolVersion,
      last_error: lastError,
      // A down keeps the up records, so a down that fails part-way can still be derived again.
      details: { direction, records: direction === 'up' ? this.#records : (before?.details.records ?? {}) },
    };
  }
}

/** The row `mark --applied` writes: the migration recorded as applied without running a step. */
export function markedRow(migration: Migration, toolVersion: string): StateRow {
  return {
    name: migration.name,
    checksum: migration.checksum,
    status: 'applied',
    steps_done: migration.up.kind === 'steps' ? migration.up.steps.length : 0,
    applied_at: new Date().toISOString(),
    duration_ms: 0,
    applied_by: whoAmI(),
    tool_version: toolVersion,
    last_error: '',
    details: { direction: 'up', marked: true },
  };
}
