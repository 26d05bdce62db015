import { dirname } from 'node:path';
import { InvalidInputError, type Problem } from '../errors.js';
import type { Milvus } from '../milvus/client.js';
import { cachingReads } from '../milvus/read-cache.js';
import { atLeast } from '../milvus/version.js';
import type { SchemaModel } from '../schema/plan-model.js';
import { readModel, type ModelScope, type NamedIn } from '../schema/read-model.js';
import type { StepCall } from '../steps/types.js';
import { definitionOf, type PlannedMigration } from './plan.js';

/** Options of {@link preflight} and {@link foldPlan}. */
export interface PreflightOptions {
  /** Absolute folder holding backups (restoreBackup steps verify theirs there). */
  readonly backupDir?: string | undefined;
  /** Cached reads of Milvus (a dry run reuses them for its facts); default: fresh ones. */
  readonly reads?: Milvus | undefined;
  /** The tool's own collections (state, lock): not listed among what the database holds. */
  readonly hidden?: readonly string[] | undefined;
}

/**
 * Everything checked before the first change, all problems collected and thrown together as one
 * {@link InvalidInputError} (exit 2): the server version each step needs; then every pending
 * step against the schema model as it will be when the step runs, the model being the live
 * schema of what the plan names (read once, see {@link readModel}) with each earlier step's
 * effect folded in. Code migrations are checked call by call when they run.
 */
export async function preflight(milvus: Milvus, plan: readonly PlannedMigration[], opts: PreflightOptions = {}): Promise<void> {
  const version = await milvus.version();
  const problems = versionProblems(milvus, version, plan);
  // A plan of code migrations only has nothing to fold: no reads.
  if (!problems.length && plan.some((p) => p.steps?.length)) {
    const reads = opts.reads ?? cachingReads(milvus);
    const model = await readModel(reads, { ...scopeOf(plan), hidden: opts.hidden }, version);
    problems.push(...(await foldPlan(model, plan, { backupDir: opts.backupDir, serverVersion: version, reads })));
  }
  if (problems.length) throw new InvalidInputError('The plan cannot run on this Milvus; nothing was changed', problems);
}

function versionProblems(milvus: Milvus, version: string, plan: readonly PlannedMigration[]): Problem[] {
  const problems: Problem[] = [];
  forEachPending(plan, (p, index, call) => {
    const def = definitionOf(call);
    const needed = typeof def.minVersion === 'function' ? def.minVersion(call.params) : def.minVersion;
    if (needed && !atLeast(version, needed)) {
      const message = `${call.step} needs Milvus ${needed} or newer; the server at ${milvus.address} is ${version}`;
      problems.push({ ...stepLocation(p, index, call), message });
    }
  });
  return problems;
}

/** What the pending steps of a plan name, as their `touches` declare it. */
export function scopeOf(plan: readonly PlannedMigration[]): ModelScope {
  const collections: NamedIn[] = [];
  const aliases: NamedIn[] = [];
  const databases: string[] = [];
  forEachPending(plan, (_p, _i, call) => {
    const t = definitionOf(call).touches?.(call.params);
    collections.push(...(t?.collections ?? []));
    aliases.push(...(t?.aliases ?? []));
    databases.push(...(t?.databases ?? []));
  });
  return { collections, aliases, databases };
}

/**
 * Folds a plan over `model` (changing it): each pending step is checked against the model as it
 * is at that point (its `expect`), then moves it forward (its `effect`). Returns the problems, each
 * naming the file and the step (`up[1].createIndex`). A step resumed from a stopped run is not
 * checked (part of it may be done), only folded; a code migration makes the model uncertain.
 */
export async function foldPlan(
  model: SchemaModel,
  plan: readonly PlannedMigration[],
  opts: { backupDir?: string | undefined; serverVersion?: string | undefined; reads?: Milvus | undefined } = {},
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const p of plan) {
    if (!p.steps) {
      model.uncertain = true;
      continue;
    }
    const migration = { name: p.migration.name, dir: dirname(p.migration.path) };
    for (const [index, call] of p.steps.entries()) {
      if (index < p.resumeFrom) continue;
      const def = definitionOf(call);
      const resumed = index === p.resumeFrom && p.row !== undefined && p.row.details.direction === p.direction;
      if (!resumed && def.expect) {
        const found = await def.expect(
          { model, migration, backupDir: opts.backupDir, serverVersion: opts.serverVersion, reads: opts.reads },
          call.params,
        );
        for (const message of found) problems.push({ ...stepLocation(p, index, call), message });
      }
      def.effect?.(model, call.params);
    }
  }
  return problems;
}

/** Where a problem of a step is: its file and line, and `up[1].createIndex`. */
function stepLocation(p: PlannedMigration, index: number, call: StepCall): Omit<Problem, 'message'> {
  return { file: p.migration.path, ...(call.line !== undefined ? { line: call.line } : {}), path: `${p.direction}[${index}].${call.step}` };
}

function forEachPending(
  plan: readonly PlannedMigration[],
  fn: (p: PlannedMigration, index: number, call: NonNullable<PlannedMigration['steps']>[number]) => void,
): void {
  for (const p of plan) for (const [index, call] of (p.steps ?? []).entries()) if (index >= p.resumeFrom) fn(p, index, call);
}
