import type { Output } from '../output.js';
import { createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import type { MigrationStatus } from '../../runner/history.js';
import type { StateRow } from '../../state/store.js';
import { isUpToDate, statusJson, statusText } from '../render.js';
import type { ResolvedConfig } from '../../config/load.js';
import type { PoolResult, Target } from '../../fanout/index.js';
import {
  fanOutExitCode,
  fanOutJson,
  fanOutOptions,
  statusMatrixText,
  targetExitCode,
  type FanOutArgs,
  type TargetReport,
} from '../fanout.js';

export interface StatusArgs extends GlobalArgs, FanOutArgs {
  /** Exit 1 unless every migration is applied (nothing pending, failed, changed or missing). */
  readonly check?: boolean | undefined;
}

/** `status`: every migration with its state. Read-only: creates nothing in Milvus. */
export async function status(args: StatusArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  if (args.targets !== undefined) return statusTargets(args, out, cfg);
  const { statuses, address, leftovers } = await withMilvus(cfg, out, async (milvus) => {
    const migrator = await createMigrator(cfg, milvus, out, false);
    const statuses = await migrator.status();
    const { listLeftovers } = await import('../../runner/leftovers.js');
    return { statuses, address: milvus.address, leftovers: await listLeftovers(milvus, recordedRows(statuses)) };
  });
  const where = { migrationsDir: cfg.migrationsDir, state: `collection ${cfg.stateCollection} in database ${cfg.database}`, address };
  const upToDate = isUpToDate(statuses);
  if (args.json) out.document(statusJson(statuses, where, Boolean(args.check), leftovers));
  else {
    out.result(statusText(out, statuses, where, leftovers));
    if (args.check && !upToDate) out.log(out.colors.red(`status --check: not up to date: ${notApplied(statuses)} (exit 1)`));
  }
  return args.check && !upToDate ? 1 : 0;
}

/** The state rows behind `statuses` (where rebuilds recorded the old collections they kept). */
export function recordedRows(statuses: readonly MigrationStatus[]): StateRow[] {
  return statuses.flatMap((s) => (s.recorded ? [s.recorded] : []));
}

/** `2 pending, 1 changed`: what keeps `status --check` from passing. */
function notApplied(statuses: readonly MigrationStatus[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) if (s.status !== 'applied') counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}

/** `status --targets`: the matrix of migrations by targets; `--check` fails unless every target is up to date. */
async function statusTargets(args: StatusArgs, out: Output, cfg: ResolvedConfig): Promise<number> {
  const { statusTargets } = await import('../../fanout/index.js');
  const report = (r: PoolResult<Target, unknown>): TargetReport => {
    if (r.state === 'not-started' || !r.value)
      return { counts: null, document: null, exitCode: r.state === 'not-started' ? 0 : targetExitCode(r.error) };
    const statuses = r.value as MigrationStatus[];
    const c = r.target.config;
    const where = {
      migrationsDir: c.migrationsDir,
      state: `collection ${c.stateCollection} in database ${c.database}`,
      address: c.connection.address,
    };
    const document = statusJson(statuses, where, Boolean(args.check));
    const n = (status: string) => statuses.filter((s) => s.status === status).length;
    return { counts: { applied: n('applied'), pending: n('pending'), failed: n('failed') }, document, exitCode: document.exitCode };
  };
  const result = await statusTargets(await fanOutOptions(args, cfg, out, report));
  const exitCode = fanOutExitCode(result, report);
  if (args.json) out.document(fanOutJson('status', result, report));
  else {
    out.result(statusMatrixText(out, result));
    if (args.check && exitCode === 1) out.log(out.colors.red('status --check: some targets are not up to date (exit 1)'));
  }
  return exitCode;
}
