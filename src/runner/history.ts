import { InvalidInputError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Migration } from '../migrations/model.js';
import type { StateRow } from '../state/store.js';

/** A migration's state, as `status` shows it: files and state rows joined. */
export type MigrationState = 'applied' | 'pending' | 'failed' | 'changed' | 'missing';

/** One line of `status`. */
export interface MigrationStatus {
  readonly name: string;
  readonly status: MigrationState;
  readonly description?: string | undefined;
  /** The state row, when the migration was ever run. */
  readonly recorded?: StateRow | undefined;
}

/** Joins files and state rows into statuses (pure, exported for unit tests). */
export function statusOf(migrations: readonly Migration[], rows: ReadonlyMap<string, StateRow>): MigrationStatus[] {
  const out: MigrationStatus[] = migrations.map((m) => {
    const row = rows.get(m.name);
    const status: MigrationState = !row
      ? 'pending'
      : row.status === 'failed'
        ? 'failed'
        : row.checksum !== m.checksum
          ? 'changed'
          : 'applied';
    return { name: m.name, status, description: m.description, recorded: row };
  });
  const files = new Set(migrations.map((m) => m.name));
  for (const row of rows.values()) if (!files.has(row.name)) out.push({ name: row.name, status: 'missing', recorded: row });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Applied files must be unchanged (their checksum is what ran), and pending ones must sort after
 * every applied one; otherwise environments would silently diverge.
 */
export function checkHistory(
  migrations: readonly Migration[],
  rows: ReadonlyMap<string, StateRow>,
  opts: { readonly allowChanged?: boolean | undefined; readonly allowOutOfOrder?: boolean | undefined },
  dir: string,
  logger: Logger,
): void {
  const statuses = statusOf(migrations, rows);
  const fileOf = (name: string) => migrations.find((m) => m.name === name)!.path;
  const changed = statuses.filter((s) => s.status === 'changed');
  if (changed.length && !opts.allowChanged) {
    throw new InvalidInputError(
      `${changed.length} applied migration${changed.length === 1 ? ' was' : 's were'} edited after running (checksum mismatch); nothing was run`,
      changed.map((s) => ({ file: fileOf(s.name), message: `changed since it was applied at ${s.recorded?.applied_at}` })),
      { hint: 'Restore the file and put the new change in a new migration, or pass --allow-changed to go on anyway.' },
    );
  }
  for (const s of statuses.filter((x) => x.status === 'missing')) {
    logger.warn(`${s.name} is recorded as applied but its file is missing from ${dir}`);
  }
  const lastApplied = statuses.filter((s) => s.status === 'applied' || s.status === 'changed').at(-1)?.name;
  const early = lastApplied ? statuses.filter((s) => s.status === 'pending' && s.name < lastApplied) : [];
  if (early.length && !opts.allowOutOfOrder) {
    throw new InvalidInputError(
      `${early.length} pending migration${early.length === 1 ? ' sorts' : 's sort'} before the last applied one (${lastApplied}); nothing was run`,
      early.map((s) => ({ file: fileOf(s.name), message: 'pending, but named before an applied migration' })),
      { hint: 'Rename it to sort after the applied ones, or pass --allow-out-of-order to run it anyway.' },
    );
  }
}
