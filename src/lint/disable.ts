import { finding, type Finding, type LintedMigration, type Rule } from './types.js';

export const DISABLE_WITHOUT_REASON: Rule = { code: 'MM901', severity: 'error', title: 'lint-disable comment without a reason' };
export const DISABLE_UNKNOWN_CODE: Rule = { code: 'MM902', severity: 'warning', title: 'lint-disable comment naming no known rule' };

/** The comment that turns rules off: `# milvus-migrate-lint-disable MM101 reason` (`//` in code migrations). */
export const DISABLE_DIRECTIVE = 'milvus-migrate-lint-disable';
const DIRECTIVE = new RegExp(`^\\s*(?:#|//)\\s*${DISABLE_DIRECTIVE}\\b(.*)$`);
const COMMENT_OR_BLANK = /^\s*(?:(?:#|\/\/).*)?$/;

/** Rules turned off in one file: for the whole file, or for the step (line) after each comment. */
export interface Disables {
  readonly file: ReadonlySet<string>;
  /** line of the step → codes off there */
  readonly lines: ReadonlyMap<number, ReadonlySet<string>>;
}

/**
 * Reads the disable comments of a file. One before the first line of content (at the top of the
 * file) turns its rules off in the whole file; any other turns them off for the next line of
 * content, the step it stands above. A comment without a reason turns nothing off and is a finding.
 */
export function readDisables(m: LintedMigration, known: ReadonlySet<string>): { disables: Disables; findings: Finding[] } {
  const lines = m.text.split(/\r?\n/);
  const file = new Set<string>();
  const byLine = new Map<number, Set<string>>();
  const findings: Finding[] = [];
  const firstContent = lines.findIndex((l) => !COMMENT_OR_BLANK.test(l));
  lines.forEach((text, i) => {
    const match = DIRECTIVE.exec(text);
    if (!match) return;
    const words = match[1]!.trim().split(/\s+/).filter(Boolean);
    const codes: string[] = [];
    while (words.length && /^MM\d+,?$/i.test(words[0]!)) codes.push(words.shift()!.replace(/,$/, '').toUpperCase());
    const reason = words.join(' ');
    const line = i + 1;
    if (!codes.length || !reason) {
      const missing = codes.length ? `no reason after ${codes.join(', ')}` : 'no rule code';
      const message = `${missing}, so nothing is turned off: write the codes and why (# ${DISABLE_DIRECTIVE} MM101 <reason>)`;
      findings.push(finding(DISABLE_WITHOUT_REASON, m, line, message));
      return;
    }
    for (const code of codes.filter((c) => !known.has(c)))
      findings.push(finding(DISABLE_UNKNOWN_CODE, m, line, `no rule ${code} (see docs/lint.md)`));
    if (firstContent < 0 || i < firstContent) {
      for (const c of codes) file.add(c);
      return;
    }
    const next = lines.findIndex((l, j) => j > i && !COMMENT_OR_BLANK.test(l));
    if (next < 0) return;
    const set = byLine.get(next + 1) ?? new Set<string>();
    for (const c of codes) set.add(c);
    byLine.set(next + 1, set);
  });
  return { disables: { file, lines: byLine }, findings };
}

/** Whether `f` is turned off by `d`. */
export function isDisabled(f: Finding, d: Disables): boolean {
  const at = (line: number | undefined) => line !== undefined && (d.lines.get(line)?.has(f.code) ?? false);
  return d.file.has(f.code) || at(f.line) || at(f.stepLine);
}
