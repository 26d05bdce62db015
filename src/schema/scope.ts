import { InvalidInputError, type Problem } from '../errors.js';
import type { Migration, MigrationBody } from '../migrations/model.js';

/** What a set of migrations touches in one database, as far as their files say. */
export interface TouchedScope {
  readonly collections: Set<string>;
  readonly aliases: Set<string>;
  /** Some migration is code: what it touches cannot be known without running it. */
  readonly code: boolean;
}

/**
 * The collections and aliases named by the YAML steps of `migrations` (up and declared down) in
 * `database`: `collection_name`, `new_collection_name`, `collection_names`, copy targets and
 * aliases; a step with `db_name` set to another database touches that one, not this.
 */
export function touchedBy(migrations: readonly Migration[], database: string): TouchedScope {
  const scope: TouchedScope = { collections: new Set(), aliases: new Set(), code: migrations.some((m) => m.format === 'code') };
  for (const m of migrations) {
    for (const body of bodies(m)) {
      if (body.kind !== 'steps') continue;
      for (const { params } of body.steps) {
        const p = params as Record<string, unknown>;
        const here = !p.db_name || p.db_name === database;
        if (here) {
          for (const key of ['collection_name', 'new_collection_name'] as const) if (typeof p[key] === 'string') scope.collections.add(p[key]);
          if (Array.isArray(p.collection_names)) for (const n of p.collection_names) scope.collections.add(String(n));
          if (typeof p.alias === 'string') scope.aliases.add(p.alias);
        }
        const targetDb = p.target_db_name ?? p.db_name;
        if (typeof p.target_collection_name === 'string' && (!targetDb || targetDb === database)) scope.collections.add(p.target_collection_name);
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
    for (const [direction, body] of [['up', m.up], ['down', m.down]] as const) {
      if (body?.kind !== 'steps') continue;
      body.steps.forEach(({ step, params }, i) => {
        const p = params as Record<string, unknown>;
        const reason =
          step === 'createDatabase' || step === 'dropDatabase'
            ? `${step} changes databases`
            : p.db_name || p.target_db_name
              ? `names database ${String(p.db_name ?? p.target_db_name)}`
              : undefined;
        if (reason) problems.push({ file: m.path, path: `${direction}[${i}].${step}`, message: `${reason}, outside the throwaway database` });
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
