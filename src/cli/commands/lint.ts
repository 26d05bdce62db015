import { relative } from 'node:path';
import { TOOL_VERSION } from '../../version.js';
import { EXIT } from '../exit-codes.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, type GlobalArgs } from '../session.js';

export interface LintArgs extends GlobalArgs {
  /** git ref of the base branch, for the history rules. */
  readonly base?: string | undefined;
  readonly format?: 'text' | 'json' | 'sarif' | undefined;
  readonly failOn?: 'error' | 'warning' | undefined;
}

/**
 * `lint`: the analyzers of src/lint over every migration file, offline (no server, no user code
 * run). Exit 1 when a finding is at or above `--fail-on` (default `error`), 0 otherwise.
 */
export async function lint(args: LintArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const { lint: runLint, readBase, readForLint, RULES, atLeast } = await import('../../lint/index.js');
  const { docsAnchor, toSarif } = await import('../../lint/sarif.js');
  const migrations = await readForLint(cfg.migrationsDir);
  const base = args.base === undefined ? undefined : await readBase(cfg.migrationsDir, args.base);
  const findings = runLint({ migrations, base, backupByDefault: cfg.backup, targetVersion: cfg.targetVersion });
  const failOn = args.failOn ?? 'error';
  const failing = findings.filter((f) => atLeast(f.severity, failOn)).length;
  const code = failing ? EXIT.migrationFailed : EXIT.ok;
  const counts = {
    error: findings.filter((f) => f.severity === 'error').length,
    warning: findings.filter((f) => f.severity === 'warning').length,
  };
  const format = args.json ? 'json' : (args.format ?? 'text');
  if (format === 'sarif') {
    out.document(toSarif(findings, RULES, cfg.rootDir, TOOL_VERSION));
  } else if (format === 'json') {
    out.document({
      command: 'lint',
      ok: code === EXIT.ok,
      exitCode: code,
      migrationsDir: cfg.migrationsDir,
      base: args.base ?? null,
      failOn,
      counts,
      findings: findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        message: f.message,
        file: f.file,
        line: f.line ?? null,
        migration: f.migration,
        docs: docsAnchor(f.code),
      })),
    } satisfies JsonDocument<'lint'>);
  } else {
    const c = out.colors;
    for (const f of findings) {
      const where = `${relative(process.cwd(), f.file) || f.file}${f.line ? `:${f.line}` : ''}`;
      const level = f.severity === 'error' ? c.red('error') : c.yellow('warning');
      out.result(`${where} ${level} ${c.bold(f.code)} ${f.message}`);
    }
    const files = `${migrations.length} migration file${migrations.length === 1 ? '' : 's'}`;
    if (!findings.length) out.result(`${c.green('✔')} ${files} linted: no findings.`);
    else
      out.result(
        `${files} linted: ${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'} (see docs/lint.md).`,
      );
  }
  return code;
}
