/**
 * `--targets`: the CLI side of a fan-out. The library (`src/fanout/`) resolves the targets and
 * runs them; this file reads the flags, prints one line per target as it finishes (and a live
 * line on a terminal), then the summary table (or the status matrix), or the one JSON document.
 */
import type { ResolvedConfig } from '../config/load.js';
import { InvalidInputError, type MigrateError } from '../errors.js';
import type { FanOutOptions, FanOutResult, PoolResult, Target } from '../fanout/index.js';
import type { Logger } from '../logger.js';
import type { MigrationStatus } from '../runner/history.js';
import { exitCodeOf, worstExitCode } from './exit-codes.js';
import type { JsonDocument } from './json-shapes.js';
import type { Output } from './output.js';
import { errorJson, statusColors } from './render.js';
import { loadOptions, type GlobalArgs } from './session.js';

/** The flags of a fan-out. */
export interface FanOutArgs {
  readonly targets?: string | undefined;
  readonly parallel?: unknown;
  readonly canary?: unknown;
  readonly continueOnError?: boolean | undefined;
}

export type FanOutCommand = JsonDocument<'fanout'>['command'];

/** What the CLI knows of one target's result, to render it: its counts, its own document, its exit code. */
export interface TargetReport {
  readonly counts: { applied: number; pending: number; failed: number } | null;
  readonly document: unknown;
  readonly exitCode: number;
}

/** What the counts' columns are called: `applied`/`pending`, or for `down` `reverted`/`to revert`. */
export interface CountLabels {
  readonly done: string;
  readonly todo: string;
}

const UP_LABELS: CountLabels = { done: 'applied', todo: 'pending' };
/** The labels of `down`'s counts: its done migrations were reverted, its pending ones are still to revert. */
export const DOWN_LABELS: CountLabels = { done: 'reverted', todo: 'to revert' };

function whole(flag: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidInputError(`${flag} must be a whole number of ${min} or more, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The fan-out's options from the flags and the loaded config, and the hooks that print a line per
 * target. Secrets of every target's settings are registered for scrubbing as targets appear.
 */
export async function fanOutOptions(
  args: GlobalArgs & FanOutArgs,
  base: ResolvedConfig,
  out: Output,
  report: (result: PoolResult<Target, unknown>) => TargetReport,
  labels: CountLabels = UP_LABELS,
): Promise<FanOutOptions> {
  const { parseTargetsFlag } = await import('../fanout/index.js');
  if (args.database) throw new InvalidInputError('--database and --targets do not go together: each target is a database of its own');
  const parallel = whole('--parallel', args.parallel, 1);
  const canary = whole('--canary', args.canary, 1);
  const specs = parseTargetsFlag(String(args.targets), base.targets);
  const logger = out.logger();
  const live = Boolean((process.stderr as Partial<NodeJS.WriteStream>).isTTY) && !args.json;
  const started = new Set<Target>();
  let done = 0;
  const tick = () => live && logger.progress?.(`targets: ${done} done, ${started.size - done} running`);
  return {
    base,
    load: loadOptions(args),
    targets: specs,
    parallel,
    canary,
    continueOnError: args.continueOnError,
    logger,
    loggerFor: (target) => {
      out.addSecrets(target.config.secrets);
      return targetLogger(logger, target.name, out.verbose);
    },
    onStart: (target) => {
      out.addSecrets(target.config.secrets);
      started.add(target);
      tick();
    },
    onSettled: (result) => {
      out.addSecrets(result.target.config.secrets);
      if (result.state !== 'not-started') {
        if (started.has(result.target)) done++;
        out.log(targetLine(out, result, report(result), labels));
        tick();
      }
    },
  };
}

/**
 * One target's log: prefixed with its name; its per-migration lines only with `--verbose`
 * (twelve targets would print a screenful each), warnings always; live progress lines of a
 * target would fight over the one live line, so they become verbose lines too.
 */
function targetLogger(logger: Logger, name: string, verbose: boolean): Logger {
  const p = (m: string) => `[${name}] ${m}`;
  return {
    debug: (m) => logger.debug(p(m)),
    info: (m) => (verbose ? logger.info(p(m)) : undefined),
    warn: (m) => logger.warn(p(m)),
    progress: (m) => logger.debug(p(m)),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `✔ tenant_a  3 applied, 0 pending (1.2 s)`: the line printed as a target finishes. */
function targetLine(out: Output, r: PoolResult<Target, unknown>, report: TargetReport, labels: CountLabels): string {
  const c = out.colors;
  if (r.state === 'not-started') return `${c.dim('·')} ${r.target.name}  not started`;
  const counts = report.counts
    ? `  ${report.counts.applied} ${labels.done}, ${report.counts.pending} ${labels.todo}, ${report.counts.failed} failed`
    : '';
  const mark = report.exitCode === 0 ? c.green('✔') : c.red('✖');
  const why = r.error
    ? `\n    ${c.red(r.error.message.split('\n').join('\n    '))}${r.error.hint ? `\n    ${c.dim(r.error.hint)}` : ''}`
    : report.exitCode
      ? c.red(` (exit ${report.exitCode})`)
      : '';
  return `${mark} ${r.target.name}${counts} ${c.dim(`(${seconds(r.durationMs)})`)}${why}`;
}

/** Why a target did not start, in words. */
function notStartedText(r: Extract<PoolResult<Target, unknown>, { state: 'not-started' }>): string {
  return r.reason === 'canary-failed'
    ? 'not started: a canary failed'
    : 'not started: another target failed (--continue-on-error runs the rest)';
}

/** The summary table printed on stdout when the fan-out ends. */
export function summaryText(
  out: Output,
  result: FanOutResult<unknown>,
  report: (r: PoolResult<Target, unknown>) => TargetReport,
  labels: CountLabels = UP_LABELS,
): string {
  const c = out.colors;
  const rows = result.targets.map((r) => {
    const rep = r.state === 'not-started' ? undefined : report(r);
    const n = (k: 'applied' | 'pending' | 'failed') => (rep?.counts ? String(rep.counts[k]) : '-');
    const outcome =
      r.state === 'not-started'
        ? c.dim(notStartedText(r))
        : rep!.exitCode === 0
          ? c.green('ok')
          : c.red(`exit ${rep!.exitCode}${r.error ? `: ${firstLine(r.error)}` : ''}`);
    return [r.target.name, n('applied'), n('pending'), n('failed'), r.state === 'not-started' ? '-' : seconds(r.durationMs), outcome];
  });
  const header = ['target', labels.done, labels.todo, 'failed', 'time', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => visible(row[i]!).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i]!, i >= 1 && i <= 4)))
      .join('  ')
      .trimEnd();
  const lines = [line(header.map((h) => c.bold(h))), ...rows.map(line)];
  const count = (state: string) => result.targets.filter((r) => r.state === state).length;
  lines.push(
    c.dim(
      `${result.targets.length} target${result.targets.length === 1 ? '' : 's'}: ${count('succeeded')} ok, ${count('failed')} failed, ${count('not-started')} not started`,
    ),
  );
  return lines.join('\n');
}

/** `status --targets`: migrations down the side, targets across, each cell the migration's status there. */
export function statusMatrixText(out: Output, result: FanOutResult<MigrationStatus[]>): string {
  const c = out.colors;
  const paint = statusColors(out);
  const names = [
    ...new Set(result.targets.flatMap((r) => (r.state !== 'not-started' && r.value ? r.value.map((s) => s.name) : []))),
  ].sort();
  const columns = result.targets.map((r) => {
    const byName = new Map((r.state !== 'not-started' && r.value ? r.value : []).map((s) => [s.name, s.status]));
    return { name: r.target.name, byName, error: r.state === 'failed' ? r.error : undefined };
  });
  const first = Math.max('migration'.length, ...names.map((n) => n.length));
  const widths = columns.map((col) => Math.max(col.name.length, 'pending'.length));
  const lines = [[pad('migration', first, false), ...columns.map((col, i) => pad(col.name, widths[i]!, false))].join('  ').trimEnd()];
  for (const name of names) {
    const cells = columns.map((col, i) => {
      const status = col.error ? '?' : (col.byName.get(name) ?? '-');
      return (paint[status] ?? c.dim)(pad(status, widths[i]!, false));
    });
    lines.push([pad(name, first, false), ...cells].join('  ').trimEnd());
  }
  if (!names.length) lines.push('  (no migrations)');
  for (const col of columns) if (col.error) lines.push(c.red(`${col.name}: ${firstLine(col.error)}`));
  return lines.join('\n');
}

/** The one `--json` document of a fan-out. */
export function fanOutJson(
  command: FanOutCommand,
  result: FanOutResult<unknown>,
  report: (r: PoolResult<Target, unknown>) => TargetReport,
): JsonDocument<'fanout'> {
  const targets = result.targets.map((r) => {
    const rep = r.state === 'not-started' ? undefined : report(r);
    return {
      target: r.target.name,
      kind: r.target.kind,
      database: r.target.config.database,
      address: r.target.config.connection.address,
      state: r.state,
      reason: r.state === 'not-started' ? r.reason : null,
      canary: r.canary,
      exitCode: rep?.exitCode ?? 0,
      durationMs: r.state === 'not-started' ? null : r.durationMs,
      counts: rep?.counts ?? null,
      result: rep?.document ?? null,
      error: r.state !== 'not-started' && r.error ? errorJson(r.error) : null,
    };
  });
  const exitCode = fanOutExitCode(result, report);
  return {
    command,
    ok: exitCode === 0,
    exitCode,
    fanOut: true,
    summary: {
      targets: targets.length,
      succeeded: targets.filter((t) => t.state === 'succeeded').length,
      failed: targets.filter((t) => t.state === 'failed').length,
      notStarted: targets.filter((t) => t.state === 'not-started').length,
    },
    targets,
  };
}

/** The worst exit code of the targets (see {@link worstExitCode}); targets that did not start count for nothing. */
export function fanOutExitCode(result: FanOutResult<unknown>, report: (r: PoolResult<Target, unknown>) => TargetReport): number {
  return worstExitCode(result.targets.map((r) => (r.state === 'not-started' ? 0 : report(r).exitCode)));
}

/** The exit code of a target whose work failed or succeeded, by its error or the command's own rule. */
export function targetExitCode(error: MigrateError | undefined, otherwise = 0): number {
  return error ? exitCodeOf(error.kind) : otherwise;
}

function firstLine(err: Error): string {
  return err.message.split('\n')[0]!;
}

// eslint-disable-next-line no-control-regex
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
function pad(cell: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - visible(cell).length));
  return right ? fill + cell : cell + fill;
}
