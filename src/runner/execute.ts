import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';
import { DestructiveRefusedError, InvalidInputError, MigrateError, MilvusCallError, errorMessage } from '../errors.js';
import type { BackupSettings } from '../backup/format.js';
import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import type { CodeMigrationContext } from '../migrations/model.js';
import { validateParams } from '../migrations/yaml.js';
import type { RunLock } from '../state/lock.js';
import type { StateRow, StateStore } from '../state/store.js';
import { STEPS, type Steps } from '../steps/catalogue.js';
import { isDestructive, type StepCall, type StepRecord } from '../steps/types.js';
import { definitionOf, type PlannedMigration } from './plan.js';
import { StepFailedError, type MigrationResult, type StepOutcome } from './results.js';

/** Everything a migration run needs besides the migration itself. */
export interface ExecuteContext {
  readonly milvus: Milvus;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly allowDestructive: boolean;
  readonly toolVersion: string;
  readonly lock?: RunLock | undefined;
  /** Where backups go and whether destructive steps take one by default. */
  readonly backup?: BackupSettings | undefined;
}

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
 * Runs one planned migration step by step, recording progress in the state so that a failed or
 * killed run resumes at the step that did not finish:
 * - before the first step, a `failed` row saying the run was interrupted (overwritten below);
 * - after each step but the last, the number of steps done and what the step recorded
 *   (neither of those two when every step to run is repeatable: running them again is harmless);
 * - on failure, the failed step and the error. The final `applied` row is written by umzug's
 *   `logMigration` (or the row removed by `unlogMigration` after a `down`).
 */
export async function executeMigration(
  ctx: ExecuteContext,
  p: PlannedMigration,
  result: MigrationResult,
  /** The final row, and whether it may be written later with others (see `StateWriter`). */
  onFinal: (row: StateRow, deferrable: boolean) => void,
): Promise<void> {
  const { migration, direction } = p;
  ctx.lock?.assertHeld();
  const started = Date.now();
  const records: Record<string, StepRecord> = { ...(direction === 'up' ? p.row?.details.records : {}) };
  const upRecords = p.row?.details.records;
  let stepsDone = p.resumeFrom;
  const row = (status: StateRow['status'], lastError: string): StateRow => ({
    name: migration.name,
    checksum: direction === 'up' ? migration.checksum : (p.row?.checksum ?? migration.checksum),
    status,
    steps_done: stepsDone,
    applied_at: new Date().toISOString(),
    duration_ms: Date.now() - started,
    applied_by: whoAmI(),
    tool_version: ctx.toolVersion,
    last_error: lastError,
    // A down keeps the up records, so a down that fails part-way can still be derived again.
    details: { direction, records: direction === 'up' ? records : (upRecords ?? {}) },
  });

  // Steps that can simply run again need no "started" row: a run killed during them leaves the
  // migration as it was, and the next run runs them again to the same result.
  const repeatable = p.steps !== undefined && p.steps.slice(p.resumeFrom).every((call) => definitionOf(call).repeatable === true);
  if (!repeatable) await ctx.store.put(row('failed', `interrupted: the run that started ${direction} at ${new Date(started).toISOString()} did not finish`));

  const total = p.steps?.length;
  const runStep = async (call: StepCall, index: number, outcome: StepOutcome) => {
    const def = definitionOf(call);
    if (index < p.resumeFrom) {
      outcome.status = 'skipped';
      return;
    }
    ctx.logger.info(`  ${migration.name} (${direction}) step ${index + 1}${total ? `/${total}` : ''} ${call.step}: ${def.describe(call.params)}`);
    const resumed = index === p.resumeFrom && p.row !== undefined && p.row.details.direction === direction;
    try {
      const recorded = await def.run(
        {
          milvus: ctx.milvus,
          logger: ctx.logger,
          migration: { name: migration.name, dir: dirname(migration.path) },
          index,
          backup: ctx.backup,
          resumed,
          previous: resumed ? p.row?.details.records?.[String(index)] : undefined,
          checkpoint: async (progress) => {
            records[String(index)] = progress;
            await ctx.store.put(row('failed', `interrupted during step ${index + 1}`));
          },
        },
        call.params,
      );
      outcome.status = recorded && (recorded as { skipped?: boolean }).skipped ? 'skipped' : 'done';
      if (recorded && direction === 'up') records[String(index)] = recorded;
    } catch (err) {
      outcome.status = 'failed';
      const reason = err instanceof MilvusCallError ? err.reason : errorMessage(err);
      const hint = err instanceof MigrateError ? err.hint : undefined;
      throw new StepFailedError(migration.name, direction, index, call.step, reason, { cause: err, hint });
    }
    stepsDone = index + 1;
    // The last step's progress is carried by the final row; skip one write per migration.
    if (!repeatable && (total === undefined || index + 1 < total)) await ctx.store.put(row('failed', `interrupted after step ${index + 1}`));
  };

  try {
    if (p.body.kind === 'steps') {
      for (const [index, call] of p.body.steps.entries()) {
        await runStep(call, index, result.steps[index]!);
      }
    } else {
      let index = 0;
      const steps = Object.fromEntries(
        [...STEPS.values()].map((def) => [
          def.name,
          async (params: Record<string, unknown>) => {
            const i = index++;
            const problems: string[] = [];
            const parsed = validateParams(def.params, params, def.name, (path, message) => problems.push(`${path.join('.') || 'params'}: ${message}`));
            for (const [key, message] of parsed ? (def.check?.(parsed) ?? []) : []) problems.push(`${key}: ${message}`);
            if (!parsed || problems.length) {
              throw new StepFailedError(migration.name, direction, i, def.name, `invalid params: ${problems.join('; ')}`, {
                cause: new InvalidInputError('invalid params'),
              });
            }
            const outcome: StepOutcome = { index: i, step: def.name, summary: def.describe(parsed), destructive: isDestructive(def, parsed), status: 'planned' };
            result.steps.push(outcome);
            if (outcome.destructive && !ctx.allowDestructive && i >= p.resumeFrom) {
              outcome.status = 'not-run';
              // A code migration's steps are only known as its code runs, so the guard fires here.
              const refused = new DestructiveRefusedError([{ migration: migration.name, index: i, step: def.name, summary: outcome.summary }], direction);
              throw new StepFailedError(migration.name, direction, i, def.name, `${refused.message}\n(a code migration's steps are only known when its code runs, so the plan could not list this one in advance)`, {
                cause: refused,
              });
            }
            await runStep({ step: def.name, params: parsed }, i, outcome);
          },
        ]),
        // One function per step of the catalogue, so every key of Steps is there; params are validated above.
      ) as unknown as Steps;
      const codeCtx: CodeMigrationContext = { client: ctx.milvus.client, steps, log: (m) => ctx.logger.info(`  ${migration.name}: ${m}`) };
      try {
        await p.body.fn(codeCtx);
      } catch (err) {
        if (err instanceof StepFailedError) throw err;
        throw new StepFailedError(migration.name, direction, index, 'code', errorMessage(err), { cause: err });
      }
    }
  } catch (err) {
    const e = err as StepFailedError;
    result.error = { stepIndex: e.stepIndex, step: e.step, message: e.message };
    try {
      await ctx.store.put(row('failed', e.message));
    } catch (writeErr) {
      ctx.logger.warn(`could not record the failure in the state: ${errorMessage(writeErr)}`);
    }
    throw err;
  }
  result.durationMs = Date.now() - started;
  onFinal(row('applied', ''), repeatable);
}
