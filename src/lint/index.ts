import { data } from './data.js';
import { DISABLE_UNKNOWN_CODE, DISABLE_WITHOUT_REASON, isDisabled, readDisables } from './disable.js';
import { history } from './history.js';
import { indexes } from './indexes.js';
import { safety } from './safety.js';
import type { Analyzer, Finding, LintContext, Rule, Severity } from './types.js';
import { validation } from './validation.js';
import { versions } from './versions.js';

export type { Analyzer, BaseHistory, Finding, LintContext, LintedMigration, Rule, Severity } from './types.js';
export { lintedMigration, readBase, readForLint } from './source.js';

/** Every analyzer, one per group of rules (files of this folder). */
export const ANALYZERS: readonly Analyzer[] = [validation, safety, indexes, data, history, versions];

/** Every rule, in code order: what `docs/lint.md` documents and SARIF lists. */
export const RULES: readonly Rule[] = [...ANALYZERS.flatMap((a) => a.rules), DISABLE_WITHOUT_REASON, DISABLE_UNKNOWN_CODE].sort((a, b) =>
  a.code.localeCompare(b.code),
);

/** Severities from the most severe. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning'];

/** Whether `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
}

/**
 * Runs every analyzer over the migrations, drops what the files' disable comments turn off, and
 * returns the findings ordered by file, line and code. Reads no server and runs no user code.
 */
export function lint(ctx: LintContext): Finding[] {
  const known = new Set(RULES.map((r) => r.code));
  const all: Finding[] = [];
  const disables = new Map(ctx.migrations.map((m) => [m.path, readDisables(m, known)]));
  for (const d of disables.values()) all.push(...d.findings);
  for (const a of ANALYZERS) {
    for (const f of a.analyze(ctx)) {
      const d = disables.get(f.file);
      if (!d || !isDisabled(f, d.disables)) all.push(f);
    }
  }
  return all.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0) || a.code.localeCompare(b.code)));
}
