import { InvalidInputError, type Problem } from '../errors.js';
import { STEPS } from '../steps/catalogue.js';
import type { StepCall, StepTouches } from '../steps/types.js';
import type { Migration, MigrationBody } from './model.js';

/** What a set of migrations touches in one database, as far as their files say. */
export interface TouchedScope {
  readonly collections: Set<string>;
  readonly aliases: Set<string>;
  /** Some migration is code: what it touches cannot be known without running it. */
  readonly code: boolean;
}

/** What a step call names, as its step declares it (`touches`); nothing for a step that declares none. */
function touchesOf(call: StepCall): StepTouches {
  return STEPS.get(call.step)?.touches?.(call.params as never) ?? {};
}

/**
 * The collections and aliases named by the YAML steps of `migrations` (up and declared down) in
 * `database`, as each step declares them (renames: both names; copies: source and target); a
 * step with `db_name` set to another database touches that one, not this.
 */
export function touchedBy(migrations: readonly Migration[], database: string): TouchedScope {
  const scope: TouchedScope = { collections: new Set(), aliases: new Set(), code: migrations.some((m) => m.format === 'code') };
  const here = (db: string | undefined) => !db || db === database;
  for (const m of migrations) {
    for (const body of bodies(m)) {
      if (body.kind !== 'steps') continue;
      for (const call of body.steps) {
        const touches = touchesOf(call);
        for (const c of touches.collections ?? []) if (here(c.db_name)) scope.collections.add(c.name);
        for (const a of touches.aliases ?? []) if (here(a.db_name)) scope.aliases.add(a.name);
      }
    }
  }
  return scope;
}

/**
 * In a throwaway database on a shared server, a step that names another database (`db_name`,
 * `target_db_name`) or creates or drops one would reach outside it: refused before anything runs.
 */
export function checkConfinedToOneDatabase(migrations: readonly Migration[], where: string): void {
  // Code migrations cannot be checked from their file: one that passes `db_name` itself is the
  // author's explicit choice (documented under verify in the README).
  const problems: Problem[] = [];
  for (const m of migrations) {
    for (const [direction, body] of [
      ['up', m.up],
      ['down', m.down],
    ] as const) {
      if (body?.kind !== 'steps') continue;
      body.steps.forEach((call, i) => {
        const touches = touchesOf(call);
        const named = [...(touches.collections ?? []), ...(touches.aliases ?? [])].find((n) => n.db_name)?.db_name;
        const reason = touches.databases?.length ? `${call.step} changes databases` : named ? `names database ${named}` : undefined;
        if (reason)
          problems.push({ file: m.path, path: `${direction}[${i}].${call.step}`, message: `${reason}, outside the throwaway database` });
      });
    }
  }
  if (problems.length) {
    throw new InvalidInputError(`Cannot prove these migrations in ${where}; nothing was run`, problems, {
      hint: 'Give --docker, or run where no Embedded Milvus is running and without --address or MILVUS_ADDRESS, so a Milvus of its own is started.',
    });
  }
}

function bodies(m: Migration): MigrationBody[] {
  return m.down ? [m.up, m.down] : [m.up];
}
