import type { Problem } from '../errors.js';
import type { StepCall } from '../steps/types.js';

/** How bad a finding is: `error` findings are mistakes; `warning` ones deserve a second look. */
export type Severity = 'error' | 'warning';

/** One rule of the linter: a stable code, its severity and the line `docs/lint.md` explains. */
export interface Rule {
  /** Stable code, e.g. `MM101`: never reused for another rule. */
  readonly code: string;
  readonly severity: Severity;
  /** One line naming what the rule finds (the SARIF rule's short description). */
  readonly title: string;
}

/** What the linter found: a rule broken at a file and line. */
export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** 1-based line; absent when the finding is about the whole file. */
  readonly line?: number | undefined;
  /** The line of the step when `line` is inside it (an `index_params` item): a disable comment above the step counts too. */
  readonly stepLine?: number | undefined;
  /** The migration (file name without extension). */
  readonly migration: string;
}

/** A validated step with the line of its `- stepName:` item. */
export interface LocatedStep extends StepCall {
  readonly line: number;
  /** The line of each item of the step's `index_params` (createCollection), when it has them. */
  readonly indexLines?: readonly number[] | undefined;
}

/** A migration file as the linter sees it: read, parsed, validated, steps located. */
export interface LintedMigration {
  readonly name: string;
  readonly path: string;
  readonly format: 'yaml' | 'code';
  readonly text: string;
  /** sha256 of the file, as the state records it. */
  readonly checksum: string;
  /** Validated steps; absent for code migrations and for files that do not validate. */
  readonly up?: readonly LocatedStep[] | undefined;
  readonly down?: readonly LocatedStep[] | undefined;
  /** Whether the file has a `down:` section (YAML) or a `down` export is written (code, by its text). */
  readonly hasDown: boolean;
  /** What the validator rejects in the file (the file's other rules are then not checked). */
  readonly problems: readonly Problem[];
}

/** What `--base <ref>` tells: the migrations already on the base branch, by name. */
export interface BaseHistory {
  readonly ref: string;
  /** name → sha256 of the file at the base. */
  readonly checksums: ReadonlyMap<string, string>;
}

/** What every analyzer gets: all migrations in name order, and the base branch when given. */
export interface LintContext {
  readonly migrations: readonly LintedMigration[];
  readonly base?: BaseHistory | undefined;
  /** `backup: true` in the config: destructive steps back up by default. */
  readonly backupByDefault: boolean;
  /** Partitions a collection may have (default: `LINT_MAX_PARTITIONS`, Milvus 2.5's default limit). */
  readonly maxPartitions?: number | undefined;
  /** `targetVersion` in the config: the Milvus the migrations are written for (rule MM501). */
  readonly targetVersion?: string | undefined;
}

/** A group of rules and the code that finds them. Adding a rule: its entry in `rules`, a case in `analyze`, a section in docs/lint.md. */
export interface Analyzer {
  readonly rules: readonly Rule[];
  analyze(ctx: LintContext): Iterable<Finding>;
}

/** A finding of `rule` in `m` at `line`. */
export function finding(rule: Rule, m: Pick<LintedMigration, 'name' | 'path'>, line: number | undefined, message: string): Finding {
  return { code: rule.code, severity: rule.severity, message, file: m.path, ...(line !== undefined ? { line } : {}), migration: m.name };
}
