import type { BackupEntry } from '../backup/manifest.js';
import { MigrateError, InvalidInputError, errorMessage } from '../errors.js';
import type { MigrationResult, RunResult } from '../runner/results.js';
import type { MigrationStatus } from '../runner/history.js';
import type { CountedLeftover } from '../runner/leftovers.js';
import { rows } from '../milvus/reads/lookups.js';
import { describeRecall, type RecallFigure } from '../copy/recall.js';
import { exitCodeOf } from './exit-codes.js';
import type { ErrorDocument, JsonDocument, RunDocument, StatusDocument } from './json-shapes.js';

type LeftoverJson = NonNullable<StatusDocument['keptByRebuilds']>[number];
import type { Output } from './output.js';

/**
 * Turns library results into human text and JSON documents. The JSON shapes are the public,
 * documented ones (`json-shapes.ts`, docs/json.md); keep them stable.
 */

export function errorJson(err: unknown): ErrorDocument {
  if (err instanceof MigrateError) {
    return {
      kind: err.kind,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err instanceof InvalidInputError && err.problems.length ? { problems: [...err.problems] } : {}),
    };
  }
  return { kind: 'migration-failed', message: errorMessage(err) };
}

export function errorText(out: Output, err: unknown): string {
  const c = out.colors;
  const message = err instanceof Error ? err.message : errorMessage(err);
  const hint = err instanceof MigrateError && err.hint ? `\n${c.dim(err.hint)}` : '';
  return `${c.red('✖')} ${message}${hint}`;
}

function migrationJson(r: MigrationResult): RunDocument['migrations'][number] {
  return {
    name: r.name,
    status: r.status,
    description: r.description ?? null,
    format: r.format,
    durationMs: r.durationMs ?? null,
    resumeFrom: r.resumeFrom,
    steps: r.steps.map((s) => ({
      index: s.index,
      step: s.step,
      summary: s.summary,
      destructive: s.destructive,
      status: s.status,
      ...(s.facts ? { facts: s.facts } : {}),
      ...(s.note ? { note: s.note } : {}),
    })),
    error: r.error ? { stepIndex: r.error.stepIndex ?? null, step: r.error.step ?? null, message: r.error.message } : null,
  };
}

export function runJson(command: RunDocument['command'], run: RunResult, leftovers?: readonly CountedLeftover[]): RunDocument {
  return {
    command,
    ok: !run.error,
    exitCode: run.error ? exitCodeOf(run.error.kind) : 0,
    direction: run.direction,
    dryRun: run.dryRun,
    migrations: run.results.map(migrationJson),
    error: run.error ? errorJson(run.error) : null,
    ...(leftovers ? { keptByRebuilds: leftovers.map(leftoverJson) } : {}),
  };
}

/** The run's report for stdout; the error, if any, is written to stderr by the command. */
export function runText(out: Output, run: RunResult, to?: string): string {
  const c = out.colors;
  const verb = run.direction === 'up' ? 'apply' : 'revert';
  if (run.results.length === 0) {
    return run.direction === 'up'
      ? `${c.green('✔')} Nothing to do: every migration${to !== undefined ? ` up to ${to}` : ''} is applied.`
      : `${c.green('✔')} Nothing to revert: no migration is applied.`;
  }
  const lines: string[] = [];
  if (run.dryRun) {
    lines.push(
      `Plan (${run.direction}, dry run: nothing was changed) — ${run.results.length} migration${run.results.length === 1 ? '' : 's'} to ${verb}:`,
    );
  }
  for (const r of run.results) {
    if (run.dryRun) {
      lines.push(
        `  ${c.bold(r.name)}${r.description ? ` — ${r.description}` : ''}${r.resumeFrom ? c.yellow(` (resumes at step ${r.resumeFrom + 1})`) : ''}`,
      );
      if (r.format === 'code')
        lines.push(
          `    ${c.dim('code migration: its steps are known only when it runs; destructive ones are refused then without --allow-destructive')}`,
        );
      for (const s of r.steps) {
        const tag = s.destructive ? ` ${c.red('[destructive]')}` : '';
        const skipped = s.status === 'skipped' ? c.dim(' (done by the previous run)') : '';
        lines.push(`    ${s.index + 1}. ${s.step}${tag}: ${s.summary}${skipped}`);
        for (const f of s.facts ?? []) lines.push(`       - ${f}`);
        if (s.note) lines.push(`       - ${c.yellow(s.note)}`);
      }
      continue;
    }
    const mark = r.status === 'success' ? c.green('✔') : r.status === 'error' ? c.red('✖') : c.dim('·');
    const what = r.status === 'success' ? (run.direction === 'up' ? 'applied' : 'reverted') : r.status === 'error' ? 'failed' : 'not run';
    lines.push(`${mark} ${r.name} ${what}${r.durationMs !== undefined && r.status === 'success' ? c.dim(` (${r.durationMs} ms)`) : ''}`);
  }
  if (!run.error && !run.dryRun) {
    const n = run.results.length;
    lines.push(`${c.green('✔')} ${n} migration${n === 1 ? '' : 's'} ${run.direction === 'up' ? 'applied' : 'reverted'}.`);
  }
  return lines.join('\n');
}

export function statusJson(
  statuses: MigrationStatus[],
  where: { migrationsDir: string; state: string; address: string },
  check = false,
  leftovers?: readonly CountedLeftover[],
): StatusDocument {
  const counts: StatusDocument['counts'] = { applied: 0, pending: 0, failed: 0, changed: 0, missing: 0 };
  for (const s of statuses) counts[s.status] += 1;
  const upToDate = isUpToDate(statuses);
  const exitCode = check && !upToDate ? 1 : 0;
  return {
    command: 'status',
    ok: exitCode === 0,
    exitCode,
    upToDate,
    migrationsDir: where.migrationsDir,
    state: where.state,
    address: where.address,
    counts,
    migrations: statuses.map((s) => ({
      name: s.name,
      status: s.status,
      description: s.description ?? null,
      appliedAt: s.recorded?.applied_at ?? null,
      durationMs: s.recorded?.duration_ms ?? null,
      appliedBy: s.recorded?.applied_by ?? null,
      checksum: s.recorded?.checksum ?? null,
      stepsDone: s.recorded?.steps_done ?? null,
      toolVersion: s.recorded?.tool_version ?? null,
      lastError: s.recorded?.last_error || null,
      marked: s.recorded?.details.marked ?? false,
      ...verificationsOf(s.recorded?.details.records),
    })),
    ...(leftovers ? { keptByRebuilds: leftovers.map(leftoverJson) } : {}),
  };
}

/** One old collection a rebuild kept, as `status --json` and `cleanup --json` show it. */
export function leftoverJson(l: CountedLeftover): LeftoverJson {
  return {
    name: l.name,
    rebuiltInto: l.rebuiltInto,
    rows: l.rows,
    rowsExact: l.exact,
    migration: l.migration ?? null,
    neededByDown: l.neededByDown,
  };
}

/** `orders__mm_old_1a2b3c4d  1,200 rows  (orders, by 003_rebuild; its down needs it)`, one line per leftover. */
export function leftoverLines(out: Output, leftovers: readonly CountedLeftover[]): string[] {
  const width = Math.max(0, ...leftovers.map((l) => l.name.length));
  return leftovers.map((l) => {
    const count = `${rows(l.rows)}${l.exact ? '' : ' as of its last flush'}`;
    const by = l.migration ? `, by ${l.migration}` : '';
    const down = l.neededByDown ? out.colors.yellow(`; down of ${l.migration} needs it`) : '';
    return `  ${l.name.padEnd(width)}  ${count}  ${out.colors.dim(`(old ${l.rebuiltInto}${by})`)}${down}`;
  });
}

/** The verification reports steps recorded (a step's record with a `verification`), when there are any. */
function verificationsOf(records: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined) {
  const verifications = Object.entries(records ?? {})
    .filter(([, r]) => r.verification && typeof r.verification === 'object')
    .map(([step, r]) => ({ step: Number(step), report: r.verification as Record<string, unknown> }));
  return verifications.length ? { verifications } : {};
}

/** Every migration is applied: none pending, failed, changed or missing (what `status --check` gates on). */
export function isUpToDate(statuses: readonly MigrationStatus[]): boolean {
  return statuses.every((s) => s.status === 'applied');
}

/** The colour of each migration status, in `status` and in the `status --targets` matrix. */
export function statusColors(out: Output): Record<string, (s: string) => string> {
  const c = out.colors;
  return { applied: c.green, pending: c.cyan, failed: c.red, changed: c.yellow, missing: c.magenta };
}

export function statusText(
  out: Output,
  statuses: MigrationStatus[],
  where: { migrationsDir: string; state: string; address: string },
  leftovers?: readonly CountedLeftover[],
): string {
  const c = out.colors;
  const paint = statusColors(out);
  const lines = [`Migrations in ${where.migrationsDir}`, c.dim(`state: ${where.state} at ${where.address}`)];
  if (!statuses.length) lines.push('  (no migrations yet: create one with `milvus-migrate create <name>`)');
  const width = Math.max(0, ...statuses.map((s) => s.name.length));
  for (const s of statuses) {
    const label = paint[s.status]!(s.status.padEnd(8));
    const when =
      s.recorded && s.status !== 'pending' ? c.dim(`  ${s.recorded.applied_at}${s.recorded.details.marked ? ' (marked)' : ''}`) : '';
    lines.push(`  ${label} ${s.name.padEnd(width)}${when}`);
    if (s.status === 'failed' && s.recorded?.last_error) lines.push(`           ${c.red(s.recorded.last_error)}`);
    for (const { step, report } of verificationsOf(s.recorded?.details.records).verifications ?? []) {
      for (const r of (report.recall ?? []) as RecallFigure[]) {
        const line = `step ${step + 1}: ${describeRecall(r)}`;
        lines.push(`           ${'ok' in r && !r.ok ? c.red(line) : c.dim(line)}`);
      }
    }
  }
  lines.push(...keptSection(out, leftovers));
  return lines.join('\n');
}

/** The old collections rebuilds kept, under a heading (nothing when there are none): `status` and `plan` end with it. */
export function keptSection(out: Output, leftovers: readonly CountedLeftover[] | undefined): string[] {
  if (!leftovers?.length) return [];
  return ['', 'Kept by rebuilds (rollback; `milvus-migrate cleanup` drops them)', ...leftoverLines(out, leftovers)];
}

/** One backup as `backups` shows it. */
export interface BackupLine {
  readonly entry: BackupEntry;
  /** `undefined` when not checked (`--no-verify`). */
  readonly verified: boolean | undefined;
  readonly problem?: string | undefined;
}

export function backupsJson(dir: string, lines: readonly BackupLine[]) {
  return {
    command: 'backups',
    ok: true,
    exitCode: 0,
    dir,
    backups: lines.map(({ entry: e, verified, problem }) => ({
      migration: e.manifest?.migration ?? e.path.split('/')[0]!,
      step: e.manifest ? e.manifest.step + 1 : null,
      stepName: e.manifest?.stepName ?? null,
      kind: e.manifest?.kind ?? null,
      database: e.manifest?.database ?? null,
      collection: e.manifest?.collection ?? null,
      partition: e.manifest?.partition ?? null,
      filter: e.manifest?.filter ?? null,
      rows: e.manifest?.rows ?? null,
      bytes: e.bytes,
      createdAt: e.manifest?.createdAt ?? null,
      path: e.path,
      verified: verified ?? null,
      problem: problem ?? e.problem ?? null,
    })),
  } satisfies JsonDocument<'backups'>;
}

export function backupsText(out: Output, dir: string, lines: readonly BackupLine[]): string {
  const c = out.colors;
  const text = [`Backups in ${dir}`];
  if (!lines.length) text.push('  (none: steps with backup: true, or runs with --backup, write them here)');
  for (const { entry: e, verified, problem } of lines) {
    const m = e.manifest;
    const what = m
      ? `${m.stepName} ${m.database ? `${m.database}.` : ''}${m.collection}${m.partition ? ` partition ${m.partition}` : ''}${m.filter ? ` where ${m.filter}` : ''}`
      : 'unreadable manifest';
    const check = verified === undefined ? '' : verified ? c.green(' verified') : c.red(' DAMAGED');
    text.push(`  ${e.path}${check}`);
    text.push(
      c.dim(`      ${what}: ${m ? `${m.rows.toLocaleString('en-US')} rows, ` : ''}${size(e.bytes)}${m ? `, taken ${m.createdAt}` : ''}`),
    );
    if (problem ?? e.problem) text.push(`      ${c.red(problem ?? e.problem!)}`);
  }
  return text.join('\n');
}

/** `512 B`, `3.4 KiB`, `12.0 MiB`. */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
