import type { UmzugStorage } from 'umzug';
import type { Logger } from '../logger.js';
import { isExecuted, type StateRow } from '../state/store.js';
import type { PlannedMigration } from './plan.js';
import type { Direction, MigrationResult } from './results.js';

/**
 * umzug's one job here: run the planned migrations in order, one at a time, stop at the first
 * that fails, and tell the logger as each starts and ends. What to run was decided before (the
 * plan), and every state row is written by the migration's own recorder (`record.ts`), so the
 * storage umzug is given writes nothing: it answers which migrations are executed from the state
 * read at the start of the run, and keeps that answer current as umzug logs and unlogs them.
 *
 * umzug is loaded only by runs that change Milvus (`status` and `plan` never need it), started
 * early so it overlaps the lock and the state read, which mostly wait on the server. The CLI's
 * bundle holds umzug without its own CLI framework (~100 ms of CPU; scripts/bundle-cli.mjs), so
 * this `import()` is a plain one: the bundler turns it into a lazy `require` of the bundled copy.
 */
let umzugModule: Promise<typeof import('umzug')> | undefined;
export const loadUmzug = () => (umzugModule ??= import('umzug'));

/** umzug's view of the state: which migrations are executed. Writes nothing to Milvus. */
class ExecutedView implements UmzugStorage {
  readonly #executed: Set<string>;
  constructor(rows: ReadonlyMap<string, StateRow>) {
    this.#executed = new Set([...rows.values()].filter(isExecuted).map((r) => r.name));
  }
  async executed(): Promise<string[]> {
    return [...this.#executed];
  }
  async logMigration({ name }: { name: string }): Promise<void> {
    this.#executed.add(name);
  }
  async unlogMigration({ name }: { name: string }): Promise<void> {
    this.#executed.delete(name);
  }
}

/**
 * Runs `plan` in `direction` through umzug, each migration with `execute`. Resolves when all
 * succeeded; rejects with the failure (umzug's wrapper taken off) that stopped the sequence.
 */
export async function runInOrder(
  direction: Direction,
  plan: readonly PlannedMigration[],
  results: readonly MigrationResult[],
  rows: ReadonlyMap<string, StateRow>,
  execute: (p: PlannedMigration, result: MigrationResult) => Promise<void>,
  logger: Logger,
): Promise<void> {
  const { Umzug, MigrationError } = await loadUmzug();
  const umzug = new Umzug({
    migrations: plan.map((p, i) => {
      const run = () => execute(p, results[i]!);
      return { name: p.migration.name, path: p.migration.path, up: run, down: run };
    }),
    storage: new ExecutedView(rows),
    logger: undefined,
  });
  const [verb, done] = direction === 'up' ? ['Applying', 'Applied'] : ['Reverting', 'Reverted'];
  umzug.on(direction === 'up' ? 'migrating' : 'reverting', ({ name }) => logger.info(`${verb} ${name}`));
  umzug.on(direction === 'up' ? 'migrated' : 'reverted', ({ name }) => {
    logger.info(`${done} ${name} in ${results.find((r) => r.name === name)?.durationMs ?? 0} ms`);
  });
  const names = plan.map((p) => p.migration.name);
  try {
    // The plan decided what runs (a half-reverted migration may be applied again): umzug runs just that.
    if (direction === 'up') await umzug.up({ migrations: names, rerun: 'ALLOW' });
    else await umzug.down({ migrations: names, rerun: 'ALLOW' });
  } catch (err) {
    throw err instanceof MigrationError ? (err.cause as unknown) : err;
  }
}
