/**
 * Scheduling of a fan-out: which target runs when, and which never start. Knows nothing of Milvus,
 * so every rule here (concurrency, canary, stop policy) is tested with fakes.
 *
 * A small worker pool rather than `p-limit`: a limiter would bound the concurrency, but the two
 * rules that matter here (stop starting new targets after a failure; run the canaries, then decide)
 * need a cursor over the list that workers stop taking from, which is all this pool is.
 */
import { errorMessage, MigrateError } from '../errors.js';

/** Up to this many targets run at once unless `parallel` says otherwise. */
export const DEFAULT_PARALLEL = 1;

/** How a fan-out schedules its targets. */
export interface PoolOptions {
  /** Targets run at once (`--parallel N`); default {@link DEFAULT_PARALLEL}. */
  readonly parallel?: number | undefined;
  /** Run this many targets first; go on with the rest only if every one of them succeeded (`--canary K`). */
  readonly canary?: number | undefined;
  /**
   * After a failure, start the targets not started yet anyway (`--continue-on-error`). Default:
   * start no new target; those already running finish.
   */
  readonly continueOnError?: boolean | undefined;
}

/** What the work of one target gave: its value, and the error that made it fail, if any. */
export interface TargetWork<R> {
  readonly value?: R | undefined;
  readonly error?: MigrateError | undefined;
  /** Counts as a failure for the stop policy even without an error (e.g. drift found); default: `error` is set. */
  readonly failed?: boolean | undefined;
}

/** One target of a pool: failed before it could run when `problem` is set (e.g. its database does not exist). */
export interface PoolItem<T> {
  readonly target: T;
  readonly problem?: MigrateError | undefined;
}

/** Why a target did not start. */
export type NotStartedReason = 'stopped' | 'canary-failed';

/** One target's outcome, in the order the targets were given. */
export type PoolResult<T, R> =
  | {
      readonly target: T;
      readonly state: 'succeeded' | 'failed';
      readonly value?: R | undefined;
      readonly error?: MigrateError | undefined;
      readonly durationMs: number;
      readonly canary: boolean;
    }
  | { readonly target: T; readonly state: 'not-started'; readonly reason: NotStartedReason; readonly canary: boolean };

/** Hooks for live output: called as targets start and finish (in the order that happens). */
export interface PoolHooks<T, R> {
  onStart?(target: T): void;
  onSettled?(result: PoolResult<T, R>): void;
}

/**
 * Runs `work` for every item, at most `parallel` at a time, in the given order. Never rejects: a
 * thrown error becomes that target's failure (a non-{@link MigrateError} counts as a failed
 * migration, exit 1).
 *
 * - Items with a `problem` fail without running; without `continueOnError` nothing starts then
 *   (e.g. a target database that does not exist: no other target is changed).
 * - `canary: K`: the first K runnable items run first (at most `parallel` at a time); the rest
 *   start only if all K succeeded, whatever `continueOnError` says.
 * - After a failure, without `continueOnError`, no new item starts; running ones finish.
 */
export async function runPool<T, R>(
  items: readonly PoolItem<T>[],
  work: (target: T) => Promise<TargetWork<R>>,
  opts: PoolOptions & PoolHooks<T, R> = {},
): Promise<PoolResult<T, R>[]> {
  const parallel = Math.max(1, Math.floor(opts.parallel ?? DEFAULT_PARALLEL));
  const continueOnError = opts.continueOnError ?? false;
  const results: (PoolResult<T, R> | undefined)[] = items.map(() => undefined);
  const settle = (i: number, result: PoolResult<T, R>) => {
    results[i] = result;
    opts.onSettled?.(result);
  };
  let stopped = false;

  const runnable: number[] = [];
  items.forEach((item, i) => {
    if (item.problem) {
      settle(i, { target: item.target, state: 'failed', error: item.problem, durationMs: 0, canary: false });
      if (!continueOnError) stopped = true;
    } else runnable.push(i);
  });

  const canaries = new Set(runnable.slice(0, Math.max(0, Math.floor(opts.canary ?? 0))));
  const runOne = async (i: number) => {
    const item = items[i]!;
    opts.onStart?.(item.target);
    const started = Date.now();
    let outcome: TargetWork<R>;
    try {
      outcome = await work(item.target);
    } catch (err) {
      outcome = { error: err instanceof MigrateError ? err : new MigrateError('migration-failed', errorMessage(err), { cause: err }) };
    }
    const failed = outcome.failed ?? outcome.error !== undefined;
    if (failed && !continueOnError) stopped = true;
    settle(i, {
      target: item.target,
      state: failed ? 'failed' : 'succeeded',
      value: outcome.value,
      error: outcome.error,
      durationMs: Date.now() - started,
      canary: canaries.has(i),
    });
  };
  const phase = async (indices: readonly number[]) => {
    let next = 0;
    const worker = async () => {
      while (!stopped && next < indices.length) await runOne(indices[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, indices.length) }, worker));
  };

  const first = runnable.filter((i) => canaries.has(i));
  const rest = runnable.filter((i) => !canaries.has(i));
  await phase(first);
  const canaryFailed = first.some((i) => results[i]?.state === 'failed');
  if (!canaryFailed) await phase(rest);

  return results.map(
    (r, i) =>
      r ?? {
        target: items[i]!.target,
        state: 'not-started',
        reason: canaryFailed && !canaries.has(i) ? 'canary-failed' : 'stopped',
        canary: canaries.has(i),
      },
  );
}
