import { dirname } from 'node:path';
import { DestructiveRefusedError, InvalidInputError, MigrateError, MilvusCallError, errorMessage } from '../errors.js';
import type { BackupSettings } from '../backup/format.js';
import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import type { CodeMigrationContext } from '../migrations/model.js';
import { validateParams } from '../migrations/yaml.js';
import type { RunLock } from '../state/lock.js';
import type { StateWriter } from '../state/writer.js';
import { STEPS, type Steps } from '../steps/catalogue.js';
import { isDestructive, type StepCall, type StepRecord } from '../steps/types.js';
import { definitionOf, type PlannedMigration } from './plan.js';
import { MigrationRecorder } from './record.js';
import { StepFailedError, type MigrationResult, type StepOutcome } from './results.js';

/** Everything a migration run needs besides the migration itself. */
export interface ExecuteContext {
  readonly milvus: Milvus;
  /** The run's writer: every state row of the run goes through it. */
  readonly store: StateWriter;
  readonly logger: Logger;
  readonly allowDestructive: boolean;
  readonly toolVersion: string;
  readonly lock?: RunLock | undefined;
  /** Where backups go and whether destructive steps take one by default. */
  readonly backup?: BackupSettings | undefined;
}

/**
 * Runs one planned migration step by step, recording progress through its
 * {@link MigrationRecorder} so that a failed or killed run resumes at the step that did not finish:
 * - before the first step, a `failed` row saying the run was interrupted (overwritten below);
 * - after each step but the last, the number of steps done and what the step recorded
 *   (neither of those two when every step to run is repeatable: running them again is harmless);
 * - on failure, the failed step and the error; on success the final row.
 *
 * This is the one place that settles a migration's result: `success`, or `error` with what failed.
 * A failure is thrown on as a {@link StepFailedError} too, which stops umzug's sequence.
 */
export async function executeMigration(ctx: ExecuteContext, p: PlannedMigration, result: MigrationResult): Promise<void> {
  const { migration, direction } = p;
  const recorder = new MigrationRecorder(ctx.store, migration, direction, p.row, p.resumeFrom, ctx.toolVersion);
  // Steps that can simply run again need no "started" row: a run killed during them leaves the
  // migration as it was, and the next run runs them again to the same result.
  const repeatable = p.steps !== undefined && p.steps.slice(p.resumeFrom).every((call) => definitionOf(call).repeatable === true);
  try {
    ctx.lock?.assertHeld();
    if (!repeatable) await recorder.started();
    await (p.body.kind === 'steps' ? runDeclared(ctx, p, result, recorder, repeatable) : runCode(ctx, p, result, recorder));
    await recorder.finished(repeatable);
  } catch (err) {
    result.status = 'error';
    if (!(err instanceof StepFailedError)) {
      // Not a step's failure (the lock was lost, a state write refused): nothing more is written.
      result.error = { message: errorMessage(err) };
      throw err;
    }
    result.error = { stepIndex: err.stepIndex, step: err.step, message: err.message };
    await recorder.failed(err.message).catch((writeErr: unknown) => {
      ctx.logger.warn(`could not record the failure in the state: ${errorMessage(writeErr)}`);
    });
    throw err;
  }
  result.status = 'success';
  result.durationMs = recorder.durationMs;
}

/** Runs one step; marks its outcome and records its progress. */
async function runStep(
  ctx: ExecuteContext,
  p: PlannedMigration,
  recorder: MigrationRecorder,
  call: StepCall,
  index: number,
  outcome: StepOutcome,
  writeProgress: boolean,
): Promise<void> {
  const { migration, direction } = p;
  const def = definitionOf(call);
  if (index < p.resumeFrom) {
    outcome.status = 'skipped';
    return;
  }
  const total = p.steps?.length;
  ctx.logger.info(
    `  ${migration.name} (${direction}) step ${index + 1}${total ? `/${total}` : ''} ${call.step}: ${def.describe(call.params)}`,
  );
  const resumed = index === p.resumeFrom && p.row !== undefined && p.row.details.direction === direction;
  let recorded: StepRecord | void;
  try {
    recorded = await def.run(
      {
        milvus: ctx.milvus,
        logger: ctx.logger,
        migration: { name: migration.name, dir: dirname(migration.path) },
        index,
        backup: ctx.backup,
        resumed,
        previous: resumed ? p.row?.details.records?.[String(index)] : undefined,
        checkpoint: (progress) => recorder.checkpoint(index, progress),
      },
      call.params,
    );
  } catch (err) {
    outcome.status = 'failed';
    const reason = err instanceof MilvusCallError ? err.reason : errorMessage(err);
    const hint = err instanceof MigrateError ? err.hint : undefined;
    throw new StepFailedError(migration.name, direction, index, call.step, reason, { cause: err, hint });
  }
  outcome.status = recorded && (recorded as { skipped?: boolean }).skipped ? 'skipped' : 'done';
  // The last step's progress is carried by the final row; skip one write per migration.
  await recorder.stepDone(index, recorded ?? undefined, writeProgress && (total === undefined || index + 1 < total));
}

async function runDeclared(
  ctx: ExecuteContext,
  p: PlannedMigration,
  result: MigrationResult,
  recorder: MigrationRecorder,
  repeatable: boolean,
) {
  for (const [index, call] of (p.steps ?? []).entries()) {
    await runStep(ctx, p, recorder, call, index, result.steps[index]!, !repeatable);
  }
}

/** A code migration: its steps are checked and guarded one by one as its code calls them. */
async function runCode(ctx: ExecuteContext, p: PlannedMigration, result: MigrationResult, recorder: MigrationRecorder) {
  if (p.body.kind !== 'code') return;
  const { migration, direction } = p;
  let index = 0;
  const steps = Object.fromEntries(
    [...STEPS.values()].map((def) => [
      def.name,
      async (params: Record<string, unknown>) => {
        const i = index++;
        const problems: string[] = [];
        const parsed = validateParams(def.params, params, def.name, (path, message) =>
          problems.push(`${path.join('.') || 'params'}: ${message}`),
        );
        for (const [key, message] of parsed ? (def.check?.(parsed) ?? []) : []) problems.push(`${key}: ${message}`);
        if (!parsed || problems.length) {
          throw new StepFailedError(migration.name, direction, i, def.name, `invalid params: ${problems.join('; ')}`, {
            cause: new InvalidInputError('invalid params'),
          });
        }
        const outcome: StepOutcome = {
          index: i,
          step: def.name,
          summary: def.describe(parsed),
          destructive: isDestructive(def, parsed),
          status: 'planned',
        };
        result.steps.push(outcome);
        if (outcome.destructive && !ctx.allowDestructive && i >= p.resumeFrom) {
          outcome.status = 'not-run';
          // A code migration's steps are only known as its code runs, so the guard fires here.
          const refused = new DestructiveRefusedError(
            [{ migration: migration.name, index: i, step: def.name, summary: outcome.summary }],
            direction,
          );
          throw new StepFailedError(
            migration.name,
            direction,
            i,
            def.name,
            `${refused.message}\n(a code migration's steps are only known when its code runs, so the plan could not list this one in advance)`,
            {
              cause: refused,
            },
          );
        }
        await runStep(ctx, p, recorder, { step: def.name, params: parsed }, i, outcome, true);
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
