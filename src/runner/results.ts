import { MigrateError } from '../errors.js';

/** Which way a run goes. */
export type Direction = 'up' | 'down';

/** One step of a migration, as planned or as run. */
export interface StepOutcome {
  /** 0-based position in the migration's steps of this direction. */
  readonly index: number;
  readonly step: string;
  /** What the step does, in words. */
  readonly summary: string;
  readonly destructive: boolean;
  /** `planned` (dry run), `done`, `skipped` (already done by a previous run, or nothing to do), `failed`, `not-run`. */
  status: 'planned' | 'done' | 'skipped' | 'failed' | 'not-run';
  /** Live facts for plans: rows at stake, whether the target exists. */
  facts?: string[];
  /** E.g. "re-creates the partition empty: its rows are not restored". */
  note?: string;
}

/** Outcome of one migration in a run (Kysely's MigrationResult, with steps). */
export interface MigrationResult {
  readonly name: string;
  readonly direction: Direction;
  /** `success`, `error`, or `not-executed` (dry run, or not reached because an earlier one failed). */
  status: 'success' | 'error' | 'not-executed';
  readonly description?: string | undefined;
  /** Code migrations' steps are known only as they run. */
  readonly format: 'yaml' | 'code';
  steps: StepOutcome[];
  /** First step of this run (non-zero when resuming). */
  readonly resumeFrom: number;
  durationMs?: number;
  error?: { readonly stepIndex?: number | undefined; readonly step?: string | undefined; readonly message: string };
}

/**
 * What `up`, `down` and `plan` return: one entry per migration in the plan, plus the error that
 * stopped the run. `results` is empty when the run stopped before a plan was made (invalid files,
 * an edited history, the lock not had in time).
 */
export interface RunResult {
  readonly direction: Direction;
  readonly dryRun: boolean;
  readonly results: MigrationResult[];
  /** Set when the run stopped on an error; the CLI maps its kind to the exit code. */
  error?: MigrateError;
}

/** Whether any migration of the run started (a run refused before the first change did not). */
export function started(run: RunResult): boolean {
  return run.results.some((r) => r.status !== 'not-executed');
}

/** A step of a migration failed; says which, what Milvus said, and what to do. */
export class StepFailedError extends MigrateError {
  constructor(
    readonly migration: string,
    readonly direction: Direction,
    readonly stepIndex: number,
    readonly step: string,
    readonly reason: string,
    options?: { cause?: unknown; hint?: string | undefined },
  ) {
    const kind = options?.cause instanceof MigrateError ? options.cause.kind : 'migration-failed';
    super(
      kind,
      `Migration ${migration} (${direction}) step ${stepIndex + 1} ${step} failed: ${reason}${options?.hint ? ` (${options.hint})` : ''}`,
      { cause: options?.cause },
    );
  }
}
