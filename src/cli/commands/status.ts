import type { Output } from '../output.js';
import { createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import type { MigrationStatus } from '../../runner/history.js';
import { isUpToDate, statusJson, statusText } from '../render.js';

export interface StatusArgs extends GlobalArgs {
  /** Exit 1 unless every migration is applied (nothing pending, failed, changed or missing). */
  readonly check?: boolean | undefined;
}

/** `status`: every migration with its state. Read-only: creates nothing in Milvus. */
export async function status(args: StatusArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const { statuses, address } = await withMilvus(cfg, out, async (milvus) => {
    const migrator = await createMigrator(cfg, milvus, out, false);
    return { statuses: await migrator.status(), address: milvus.address };
  });
  const where = { migrationsDir: cfg.migrationsDir, state: `collection ${cfg.stateCollection} in database ${cfg.database}`, address };
  const upToDate = isUpToDate(statuses);
  if (args.json) out.document(statusJson(statuses, where, Boolean(args.check)));
  else {
    out.result(statusText(out, statuses, where));
    if (args.check && !upToDate) out.log(out.colors.red(`status --check: not up to date: ${notApplied(statuses)} (exit 1)`));
  }
  return args.check && !upToDate ? 1 : 0;
}

/** `2 pending, 1 changed`: what keeps `status --check` from passing. */
function notApplied(statuses: readonly MigrationStatus[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) if (s.status !== 'applied') counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}
