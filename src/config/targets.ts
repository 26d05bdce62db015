/**
 * The `targets:` key of milvus.config.yaml: the databases one command fans out over (`--targets
 * all`). Kept apart from the settings layers (`schema.ts`): a target is not a setting, it says
 * which settings to run with, many times. Only the top level has it.
 *
 * ```yaml
 * targets:
 *   - tenant_*        # every database on the configured server whose name matches
 *   - analytics       # one database on the configured server
 *   - env: eu_west    # environments.eu_west: its own address, credentials and database
 * ```
 */
import * as z from 'zod';
import { isValidMilvusName, MILVUS_NAME_RULE } from './names.js';

/** One entry of `targets:` (or of `--targets`), as written. */
export type TargetSpec =
  | { readonly kind: 'database'; readonly database: string }
  | { readonly kind: 'pattern'; readonly pattern: string }
  | { readonly kind: 'environment'; readonly env: string };

/** `*` (any run of characters) and `?` (one), over the characters of Milvus names. */
const PATTERN = /^[A-Za-z0-9_*?]+$/;
export const TARGET_PATTERN_RULE = 'a database name, or a pattern of name characters with * (any run) and ? (one character)';

/** True for `tenant_*`: an entry resolved against the databases on the server. */
export function isTargetPattern(text: string): boolean {
  return /[*?]/.test(text) && PATTERN.test(text);
}

/** Whether `database` matches `pattern` (`*` any run, `?` one character, the whole name). */
export function matchesTargetPattern(pattern: string, database: string): boolean {
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch)).join('');
  return new RegExp(`^${source}$`).test(database);
}

/** A database name or pattern as written in `targets:` or `--targets`; undefined when it is neither. */
export function databaseSpec(text: string): TargetSpec | undefined {
  if (isTargetPattern(text)) return { kind: 'pattern', pattern: text };
  return isValidMilvusName(text) ? { kind: 'database', database: text } : undefined;
}

const ENTRY_RULE = 'must be a database name, a pattern such as tenant_*, or { env: NAME }';

/*
 * One hand-written check instead of a zod union: a union reports "no option matched", where the
 * user needs the one message of the form they meant (a bad name, or a bad `env:` map).
 */
const entrySchema = z.unknown().transform((value, ctx): TargetSpec => {
  if (typeof value === 'string') {
    const spec = databaseSpec(value);
    if (spec) return spec;
    ctx.addIssue({ code: 'custom', message: `must be ${TARGET_PATTERN_RULE} (${MILVUS_NAME_RULE})` });
    return z.NEVER;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const env = (value as Record<string, unknown>).env;
    if (keys.length === 1 && typeof env === 'string' && env !== '') return { kind: 'environment', env };
  }
  ctx.addIssue({ code: 'custom', message: ENTRY_RULE });
  return z.NEVER;
});

/** `targets:`: one entry, or a list of them (at least one). */
export const TargetsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z.array(entrySchema, { error: 'must be a list of database names, patterns (tenant_*) or { env: NAME } entries' }).min(1, {
    error: 'is empty (expected at least one database, pattern or { env: NAME })',
  }),
);

/** How a target names itself in output: the database (or pattern), or `env:NAME`. */
export function specName(spec: TargetSpec): string {
  return spec.kind === 'database' ? spec.database : spec.kind === 'pattern' ? spec.pattern : `env:${spec.env}`;
}
