import type { Output } from '../output.js';
import { createMigrator, loadSettings, lockCommand, parseSeconds, parseStep, withMilvus, type GlobalArgs } from '../session.js';
import { errorText, keptSection, runJson, runText } from '../render.js';
import { exitCodeOf } from '../exit-codes.js';
import { started, type RunResult } from '../../runner/results.js';
import type { ResolvedConfig } from '../../config/load.js';
import type { FanOutResult, PoolResult, Target } from '../../fanout/index.js';
import {
  DOWN_LABELS,
  fanOutExitCode,
  fanOutJson,
  fanOutOptions,
  summaryText,
  targetExitCode,
  type FanOutArgs,
  type TargetReport,
} from '../fanout.js';

export interface MigrateArgs extends GlobalArgs, FanOutArgs {
  readonly to?: string | undefined;
  readonly step?: unknown;
  readonly dryRun?: boolean | undefined;
  readonly allowDestructive?: boolean | undefined;
  readonly lockTimeout?: unknown;
  readonly allowChanged?: boolean | undefined;
  readonly allowOutOfOrder?: boolean | undefined;
  readonly backup?: boolean | undefined;
  /** `plan` only: `markdown` for a pull request comment (`--json` beats it). */
  readonly format?: 'text' | 'json' | 'markdown' | undefined;
}

/** `up`, `down` and `plan` (= `up --dry-run`). */
export async function migrate(command: 'up' | 'down' | 'plan', args: MigrateArgs, out: Output): Promise<number> {
  const format = args.json || args.format === 'json' ? 'json' : (args.format ?? 'text');
  if (format !== 'markdown') return migrateAs(command, { ...args, json: format === 'json' }, out);
  const { planFailureMarkdown } = await import('../markdown.js');
  try {
    return await migrateAs(command, args, out, 'markdown');
  } catch (err) {
    // A pull request comment says why there is no plan; stderr and the exit code say it as always.
    out.result(planFailureMarkdown(err));
    throw err;
  }
}

async function migrateAs(command: 'up' | 'down' | 'plan', args: MigrateArgs, out: Output, format?: 'markdown'): Promise<number> {
  const step = parseStep(args.step);
  const lockTimeout = parseSeconds('--lock-timeout', args.lockTimeout);
  const cfg = await loadSettings(args, out, { allowDestructive: args.allowDestructive ?? false });
  const dryRun = command === 'plan' || (args.dryRun ?? false);
  if (args.targets !== undefined) return migrateTargets(command, args, out, cfg, { step, lockTimeout, dryRun });
  const { run, leftovers } = await withMilvus(cfg, out, async (milvus) => {
    const migrator = await createMigrator(cfg, milvus, out, args.allowDestructive ?? false, { lockTimeout, backup: args.backup });
    const run =
      command === 'down'
        ? await migrator.down({ to: args.to === '0' ? 0 : args.to, step, dryRun })
        : await migrator.up({ to: args.to, step, dryRun, allowChanged: args.allowChanged, allowOutOfOrder: args.allowOutOfOrder });
    // A plan also lists the old collections earlier rebuilds kept (as `status` does): what the
    // database holds besides what the migrations describe, and what `cleanup` would drop.
    if (!dryRun || (run.error && !started(run))) return { run, leftovers: undefined };
    const { listLeftovers } = await import('../../runner/leftovers.js');
    const { recordedRows } = await import('./status.js');
    return { run, leftovers: await listLeftovers(milvus, recordedRows(await migrator.status())) };
  });
  // Refused before the first change (invalid files, history, lock, preflight, destructive steps):
  // reported as any command's failure, as the run has nothing to show.
  if (run.error && !started(run)) throw run.error;
  const upTo = command === 'down' ? undefined : args.to;
  if (args.json) out.document(runJson(command, run, leftovers));
  else if (format === 'markdown')
    out.result((await import('../markdown.js')).planMarkdown(run, { database: cfg.database, env: cfg.envName, to: upTo }, leftovers));
  else out.result([runText(out, run, upTo), ...keptSection(out, leftovers)].join('\n'));
  if (run.error) out.log(errorText(out, run.error));
  return run.error ? exitCodeOf(run.error.kind) : 0;
}

/** `up`, `down`, `plan` with `--targets`: one independent run per target database. */
async function migrateTargets(
  command: 'up' | 'down' | 'plan',
  args: MigrateArgs,
  out: Output,
  cfg: ResolvedConfig,
  o: { step: number | undefined; lockTimeout: number | undefined; dryRun: boolean },
): Promise<number> {
  const { migrateTargets } = await import('../../fanout/index.js');
  const report = (r: PoolResult<Target, unknown>): TargetReport => {
    const run = r.state === 'not-started' ? undefined : (r.value as RunResult | undefined);
    const error = r.state === 'not-started' ? undefined : r.error;
    return {
      counts: run ? runCounts(run) : null,
      document: run ? runJson(command, run) : null,
      exitCode: targetExitCode(error),
    };
  };
  const labels = command === 'down' ? DOWN_LABELS : undefined;
  const result = await migrateTargets({
    ...(await fanOutOptions(args, cfg, out, report, labels)),
    direction: command === 'down' ? 'down' : 'up',
    readOnly: o.dryRun,
    up: { to: args.to, step: o.step, dryRun: o.dryRun, allowChanged: args.allowChanged, allowOutOfOrder: args.allowOutOfOrder },
    down: { to: args.to === '0' ? 0 : args.to, step: o.step, dryRun: o.dryRun },
    settings: {
      allowDestructive: args.allowDestructive ?? false,
      lockTimeoutSeconds: o.lockTimeout,
      command: lockCommand(),
      backup: args.backup,
    },
  });
  if (args.json) out.document(fanOutJson(command, result, report));
  else out.result([...(o.dryRun ? plansText(out, result) : []), summaryText(out, result, report, labels)].join('\n'));
  return fanOutExitCode(result, report);
}

/**
 * `plan --targets` (and `--dry-run`): each target's plan, as `plan` prints it for one, before the
 * summary; targets whose plans read the same (twelve tenants at the same point) share one section.
 */
function plansText(out: Output, result: FanOutResult<RunResult>): string[] {
  const byText = new Map<string, string[]>();
  for (const r of result.targets) {
    if (r.state === 'not-started' || !r.value || (r.value.error && !started(r.value))) continue;
    const text = runText(out, r.value);
    byText.set(text, [...(byText.get(text) ?? []), r.target.name]);
  }
  return [...byText].flatMap(([text, names]) => [out.colors.bold(`── ${names.join(', ')}`), text, '']);
}

/** A run's counts for the summary: done in this run, still to do (planned, not run), failed. */
function runCounts(run: RunResult): { applied: number; pending: number; failed: number } {
  const n = (status: string) => run.results.filter((r) => r.status === status).length;
  return { applied: n('success'), pending: n('not-executed'), failed: n('error') };
}
