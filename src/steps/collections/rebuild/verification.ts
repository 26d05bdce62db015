/**
 * The verification phase of a rebuild: the shadow against the old collection (counts per
 * partition, keys, every row or a sample, by digest where the copy wrote one), the settings
 * carried over, the load state, and for a changed vector index the recall of the new index. A
 * failure is recorded and stops the run before cut-over, naming what differs.
 */
import { MigrateError } from '../../../errors.js';
import { rows } from '../../../milvus/reads/lookups.js';
import { captureDefinition } from '../../../backup/schema.js';
import { verifyCopy } from '../../../copy/verify.js';
import { ProbePicker, describeRecall, recallFailure, type RecallFigure } from '../../../copy/recall.js';
import type { StepContext } from '../../types.js';
import type { RebuildParams } from './params.js';
import type { OldCollection, TargetPlan } from './target.js';
import { matchLoadState, settingsDifferences } from './phases.js';
import { copiedByPartition, probeView } from './digests.js';
import { measureChecks, recallChecks, recallOptions } from './recall.js';
import type { PhaseInputs, RebuildRecord } from './record.js';

/** What the verification phase compares: besides the common inputs, the old collection and the plan of the new one. */
export interface VerifyInputs extends PhaseInputs {
  readonly old: OldCollection;
  readonly plan: TargetPlan;
}

/** Verifies the shadow; returns the record at phase `verified`, or throws (exit 1) after recording the failed report. */
export async function verifyPhase(ctx: StepContext, p: RebuildParams, record: RebuildRecord, o: VerifyInputs): Promise<RebuildRecord> {
  const { milvus, logger } = ctx;
  const { old, plan, shadow, from, to, partitions, batchSize, convert } = o;
  const source = o.source.collection_name;
  const field = p.catch_up?.field;
  let rec = record;
  const since = rec.catch_up?.since;
  const sample = typeof p.verify === 'object' ? p.verify.sample : undefined;
  // A changed vector index: probes are drawn from the rows the verification reads anyway.
  const recall = recallOptions(p);
  const { checks, skipped } = recall
    ? recallChecks(old, plan, p, (await captureDefinition(milvus, shadow)).indexes)
    : { checks: [], skipped: [] };
  const picker =
    recall && checks.length
      ? new ProbePicker(
          recall.probes,
          checks.map((c) => c.field),
          from.pk.name,
        )
      : undefined;
  const report = await verifyCopy({
    milvus,
    logger,
    source: o.source,
    target: shadow,
    from,
    to,
    segments: partitions.map((partition) => ({ source: partition, target: to.partitionKey ? undefined : partition })),
    // With writers at work: every row that has not changed since the last round must be there, as it is.
    filter: field && since ? `${field} < ${since}` : undefined,
    expected: convert,
    exclusive: !field,
    keysKept: !to.pk.autoID,
    sample,
    batchSize,
    tap: picker && ((row, total) => picker.offer(row, total)),
    copied: copiedByPartition(rec.copy?.segments, partitions.length),
    asSource: probeView({ old: from.pk.name, new: to.pk.name }, checks),
  });
  const figures: RecallFigure[] = [...skipped];
  if (recall && picker) {
    const renamed = field && (plan.renames.get(field) ?? field);
    figures.push(
      ...(await measureChecks({
        milvus,
        checks,
        options: recall,
        source: o.source,
        shadow,
        probes: picker.rows,
        pk: { old: from.pk.name, new: to.pk.name },
        filters: field && since ? { old: `${field} < ${since}`, new: `${renamed} < ${since}` } : undefined,
      })),
    );
  }
  const low = figures.flatMap((f) => recallFailure(f) ?? []);
  const settings = await settingsDifferences(milvus, plan, shadow);
  const load = await matchLoadState(milvus, plan, shadow);
  if (load) settings.push(load);
  const verification = {
    ...report,
    ok: report.ok && settings.length === 0 && low.length === 0,
    settings,
    ...(figures.length ? { recall: figures } : {}),
  };
  rec = { ...rec, verification };
  if (!verification.ok) {
    await ctx.checkpoint(rec);
    throw new MigrateError(
      'migration-failed',
      `verification of ${rec.shadow} against ${source} failed: ${[...report.differences, ...settings, ...low].join('; ')}. ` +
        `Nothing was cut over: ${source} still serves, ${rec.shadow} is kept for inspection`,
      { hint: `drop ${rec.shadow} before running the migration again` },
    );
  }
  logger.info(
    `verified ${rec.shadow}: ${rows(report.rows.target)}${report.rows.left_out ? ` (${report.rows.left_out} left out by the transform)` : ''}, ` +
      `${'expected' in report.keys ? `key digest ${report.keys.target.sum}` : report.keys.skipped}, ` +
      `${'compared' in report.content ? `${rows(report.content.compared)} compared` : report.content.skipped}, settings carried over` +
      figures.map((f) => `; ${describeRecall(f)}`).join(''),
  );
  rec = { ...rec, phase: 'verified' };
  await ctx.checkpoint(rec);
  return rec;
}
