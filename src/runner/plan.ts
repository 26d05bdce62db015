import type { Milvus } from '../milvus/client.js';
import type { Migration, MigrationBody } from '../migrations/model.js';
import type { StateRow } from '../state/store.js';
import { STEPS } from '../steps/catalogue.js';
import { isDestructive, type StepCall, type StepDefinition } from '../steps/types.js';
import type { Direction, MigrationResult, StepOutcome } from './results.js';

/** One migration to run in one direction, with its steps resolved (derived `down` included). */
export interface PlannedMigration {
  readonly migration: Migration;
  readonly direction: Direction;
  /** Steps for declarative bodies; undefined for code (known only at run time). */
  readonly steps: readonly StepCall[] | undefined;
  readonly body: MigrationBody;
  /** Notes from inverses ("its rows are not restored"), by step index. */
  readonly notes: readonly (string | undefined)[];
  /** Index of the first step to run: non-zero when resuming a failed run. */
  readonly resumeFrom: number;
  /** State row before this run, if any. */
  readonly row: StateRow | undefined;
}

/** Resolves the body to run for `direction`, deriving `down` by inverting `up` when absent. */
export function resolveBody(
  migration: Migration,
  direction: Direction,
  row: StateRow | undefined,
): { body: MigrationBody; steps: readonly StepCall[] | undefined; notes: (string | undefined)[] } | { irreversible: string } {
  if (direction === 'up' || migration.down) {
    const body = direction === 'up' ? migration.up : migration.down!;
    return { body, steps: body.kind === 'steps' ? body.steps : undefined, notes: [] };
  }
  if (migration.up.kind === 'code') return { irreversible: 'it is code and exports no `down`' };
  const steps: StepCall[] = [];
  const notes: (string | undefined)[] = [];
  const upSteps = migration.up.steps;
  for (let i = upSteps.length - 1; i >= 0; i--) {
    const call = upSteps[i]!;
    const def = STEPS.get(call.step)!;
    if (!def.inverse) return { irreversible: `step ${i + 1} ${call.step} has no inverse` };
    const inv = def.inverse(call.params as never, row?.details.records?.[String(i)]);
    if ('irreversible' in inv) return { irreversible: `step ${i + 1} ${call.step}: ${inv.irreversible}` };
    for (const s of inv.steps) {
      steps.push(call.line !== undefined ? { ...s, line: call.line } : s);
      notes.push(inv.note);
    }
  }
  return { body: { kind: 'steps', steps }, steps, notes };
}

/**
 * With `--backup` (or `backup: true` in the config), every step that can take a backup and does
 * not say `backup: false` takes one: made explicit here, so plans and errors say so too.
 */
export function withBackupByDefault(p: PlannedMigration): PlannedMigration {
  if (p.body.kind !== 'steps') return p;
  const steps = p.body.steps.map((call) =>
    STEPS.get(call.step)?.backsUp && call.params.backup === undefined ? { ...call, params: { ...call.params, backup: true } } : call,
  );
  return { ...p, steps, body: { ...p.body, steps } };
}

/** The step definition of a call; the catalogue was checked when the file was parsed. */
export function definitionOf(call: StepCall): StepDefinition {
  const def = STEPS.get(call.step);
  if (!def) throw new Error(`unknown step ${call.step}`);
  return def;
}

/** Outcome entries for the steps a plan will run. */
export function plannedOutcomes(p: PlannedMigration): StepOutcome[] {
  return (p.steps ?? []).map((call, index) => {
    const def = definitionOf(call);
    const note = p.notes[index];
    return {
      index,
      step: call.step,
      summary: def.describe(call.params),
      destructive: isDestructive(def, call.params),
      status: index < p.resumeFrom ? 'skipped' : 'planned',
      ...(note ? { note } : {}),
    };
  });
}

/**
 * Read-only facts for a dry run, per step. Facts describe Milvus as it is now: a step acting on a
 * collection that an earlier step of the plan creates says so instead of "does not exist"; one
 * acting on a collection that an earlier step renames gets the facts of that collection under the
 * name it has now (the rows at stake are there); one acting through an alias that an earlier step
 * creates or moves says so too. `reads` are the preflight's cached reads: steps
 * ask the same questions (is it loaded, does it exist), and each is asked once.
 */
export async function addFacts(plan: readonly PlannedMigration[], results: readonly MigrationResult[], reads: Milvus): Promise<void> {
  const createdByPlan = new Set<string>();
  /** `db.name` given by an earlier renameCollection of the plan → the collection's live name. */
  const renamedByPlan = new Map<string, string>();
  /** `db.alias` that an earlier createAlias or alterAlias of the plan points at a live collection → that collection. */
  const aliasedByPlan = new Map<string, string>();
  for (const [i, p] of plan.entries()) {
    for (const outcome of results[i]!.steps) {
      if (outcome.status !== 'planned') continue;
      const call = p.steps![outcome.index]!;
      const target = call.params as { collection_name?: string; db_name?: string; new_collection_name?: string; alias?: string };
      const key = target.collection_name ? `${target.db_name ?? ''}.${target.collection_name}` : undefined;
      const aliasKey =
        (call.step === 'createAlias' || call.step === 'alterAlias') && target.alias ? `${target.db_name ?? ''}.${target.alias}` : undefined;
      if (key && createdByPlan.has(key)) {
        outcome.facts = ['its collection is created by an earlier step of this plan'];
        if (call.step === 'renameCollection') createdByPlan.add(`${target.db_name ?? ''}.${target.new_collection_name}`);
        // A step through that alias acts on the collection the plan creates.
        if (aliasKey) createdByPlan.add(aliasKey);
        continue;
      }
      const aliased = key ? aliasedByPlan.get(key) : undefined;
      if (aliased) {
        // Milvus answers for the alias as it is now (absent, or pointing elsewhere): no facts rather than wrong ones.
        outcome.facts = [`the alias ${target.collection_name} is pointed at ${aliased} by an earlier step of this plan`];
        continue;
      }
      if (aliasKey) aliasedByPlan.set(aliasKey, target.collection_name!);
      const live = key ? renamedByPlan.get(key) : undefined;
      const facts = await definitionOf(call).facts?.(reads, live ? { ...call.params, collection_name: live } : call.params);
      const all = [
        ...(live ? [`read from ${live}, which an earlier step of this plan renames to ${target.collection_name}`] : []),
        ...(facts ?? []),
      ];
      if (all.length) outcome.facts = all;
      if (call.step === 'createCollection' && key && !facts?.length) createdByPlan.add(key);
      if (call.step === 'renameCollection' && key) {
        renamedByPlan.delete(key);
        renamedByPlan.set(`${target.db_name ?? ''}.${target.new_collection_name}`, live ?? target.collection_name!);
      }
    }
  }
}
