import { relative } from 'node:path';
import { InvalidInputError, MigrateError, errorMessage } from '../errors.js';
import type { MigrationResult, RunResult, StepOutcome } from '../runner/results.js';
import type { CountedLeftover } from '../runner/leftovers.js';
import { exitCodeOf } from './exit-codes.js';

/**
 * `plan --format markdown`: the plan as GitHub-flavoured Markdown, for a pull-request comment or
 * a job summary. Renders the same `RunResult` as the text and JSON forms: nothing is read here.
 */

/** First line of every plan comment: lets a workflow find and update its own earlier comment. */
export const PLAN_MARKER = '<!-- milvus-migrate plan -->';

/** Migrations with more steps than this show them folded (`<details>`); destructive ones stay listed outside. */
export const FOLD_STEPS_OVER = 8;

/** Where the plan was read: shown in the summary line. */
export interface PlanWhere {
  readonly database: string;
  /** The `--env` name, if any. */
  readonly env?: string | undefined;
  /** `--to NAME` of an up: "nothing to do" then means every migration up to NAME is applied. */
  readonly to?: string | undefined;
}

/** Text for a table cell: no line breaks, pipes or HTML. */
function cell(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|').replace(/\r?\n/g, '<br>');
}

/** Inline code that survives any backtick inside. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function heading(run: RunResult): string {
  const verb = run.direction === 'up' ? 'apply' : 'revert';
  return `### milvus-migrate plan: ${plural(run.results.length, 'migration')} to ${verb}`;
}

function stepRow(s: StepOutcome): string {
  const name = s.destructive ? `⚠️ ${code(s.step)} **destructive**` : code(s.step);
  const facts = [
    ...(s.status === 'skipped' ? ['done by the previous run: skipped'] : []),
    ...(s.facts ?? []).map(cell),
    ...(s.note ? [`_${cell(s.note)}_`] : []),
  ];
  return `| ${s.index + 1} | ${name} | ${cell(s.summary)} | ${facts.join('<br>') || '—'} |`;
}

function migrationSection(r: MigrationResult, position: number): string[] {
  const lines = [`#### ${position}. ${code(r.name)}`, ''];
  if (r.description) lines.push(cell(r.description), '');
  if (r.resumeFrom) lines.push(`Resumes at step ${r.resumeFrom + 1}: the steps before it were done by the previous run.`, '');
  if (r.format === 'code') {
    lines.push(
      'Code migration: its steps are known only when it runs (destructive ones are refused then without `--allow-destructive`).',
      '',
    );
    return lines;
  }
  if (!r.steps.length) return [...lines, 'No steps.', ''];
  const table = ['| # | step | what it does | live facts |', '|---:|---|---|---|', ...r.steps.map(stepRow)];
  if (r.steps.length <= FOLD_STEPS_OVER) return [...lines, ...table, ''];
  // Long migrations are folded, but what deletes data is never hidden in a fold.
  const destructive = r.steps.filter((s) => s.destructive);
  for (const s of destructive) lines.push(`- ⚠️ step ${s.index + 1} ${code(s.step)}: ${cell(s.summary)}`);
  if (destructive.length) lines.push('');
  const summary = `${plural(r.steps.length, 'step')}${destructive.length ? `, ${destructive.length} destructive` : ''}`;
  return [...lines, '<details>', `<summary>${summary}</summary>`, '', ...table, '', '</details>', ''];
}

/** The whole plan: a heading, a summary line, then a section (a table of steps) per migration. */
export function planMarkdown(run: RunResult, where: PlanWhere, leftovers?: readonly CountedLeftover[]): string {
  const target = `database ${code(where.database)}${where.env ? ` (environment ${code(where.env)})` : ''}`;
  if (run.results.length === 0) {
    const nothing =
      run.direction === 'up'
        ? `Nothing to do: every migration${where.to !== undefined ? ` up to ${where.to}` : ''} is applied`
        : 'Nothing to revert: no migration is applied';
    return [PLAN_MARKER, '### milvus-migrate plan', '', `✅ ${nothing} in ${target}.`, '', ...keptMarkdown(leftovers)].join('\n');
  }
  const steps = run.results.flatMap((r) => r.steps.filter((s) => s.status === 'planned'));
  const destructive = steps.filter((s) => s.destructive).length;
  const codeMigrations = run.results.filter((r) => r.format === 'code').length;
  const summary = [
    `**${plural(steps.length, 'step')}** in ${plural(run.results.length, 'migration')} against ${target}`,
    ...(codeMigrations ? [`${plural(codeMigrations, 'code migration')} (steps known when it runs)`] : []),
    destructive ? `⚠️ **${destructive} destructive** (run only with \`--allow-destructive\`)` : 'nothing destructive',
  ].join(' · ');
  const lines = [PLAN_MARKER, heading(run), '', `${summary}. Dry run: nothing was changed.`, ''];
  run.results.forEach((r, i) => lines.push(...migrationSection(r, i + 1)));
  lines.push(...keptMarkdown(leftovers));
  return lines.join('\n');
}

/** The old collections earlier rebuilds kept, as a table (nothing when there are none). */
function keptMarkdown(leftovers: readonly CountedLeftover[] | undefined): string[] {
  if (!leftovers?.length) return [];
  const rows = leftovers.map((l) => {
    const count = `${l.rows.toLocaleString('en-US')}${l.exact ? '' : ' (as of its last flush)'}`;
    const by = l.migration ? `${code(l.migration)}${l.neededByDown ? ' (its down needs it)' : ''}` : '';
    return `| ${code(l.name)} | ${count} | ${code(l.rebuiltInto)} | ${by} |`;
  });
  return [
    `#### Kept by rebuilds: ${plural(leftovers.length, 'old collection')}`,
    '',
    'Kept for rollback; `milvus-migrate cleanup` drops them.',
    '',
    '| collection | rows | old collection of | kept by |',
    '|---|---|---|---|',
    ...rows,
    '',
  ];
}

/** What `plan --format markdown` prints when the plan could not be made: the error, as the comment. */
export function planFailureMarkdown(err: unknown, cwd = process.cwd()): string {
  const kind = err instanceof MigrateError ? err.kind : 'migration-failed';
  const problems = err instanceof InvalidInputError ? err.problems : [];
  // The message repeats the problems under its first line; they are listed below instead.
  const message = err instanceof Error ? err.message : errorMessage(err);
  const first = problems.length ? message.split('\n')[0]! : message;
  const lines = [PLAN_MARKER, '### milvus-migrate plan: no plan', '', `❌ **${kind}** (exit ${exitCodeOf(kind)}): ${cell(first)}`, ''];
  if (err instanceof MigrateError && err.hint) lines.push(`_${cell(err.hint)}_`, '');
  if (problems.length) {
    const rows = problems.map((p) => {
      const file = relative(cwd, p.file) || p.file;
      return `- ${code(`${file}${p.line ? `:${p.line}` : ''}`)}${p.path ? ` ${code(p.path)}` : ''}: ${cell(p.message)}`;
    });
    if (rows.length > FOLD_STEPS_OVER)
      lines.push('<details>', `<summary>${plural(rows.length, 'problem')}</summary>`, '', ...rows, '', '</details>');
    else lines.push(...rows);
    lines.push('');
  }
  return lines.join('\n');
}
