import { execFile } from 'node:child_process';
import { basename, extname } from 'node:path';
import { promisify } from 'node:util';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { checksum, discoverMigrations, MIGRATION_EXTENSIONS, readMigrationFile, type MigrationFile } from '../migrations/discover.js';
import { parseYamlMigration } from '../migrations/yaml.js';
import type { StepCall } from '../steps/types.js';
import type { BaseHistory, LintedMigration, LocatedStep } from './types.js';

const run = promisify(execFile);

/**
 * Reads every migration of `dir` for the linter, without importing code migrations (lint runs no
 * user code): YAML files are parsed and validated, and each step gets the line of its item.
 */
export async function readForLint(dir: string): Promise<LintedMigration[]> {
  const out: LintedMigration[] = [];
  for (const file of await discoverMigrations(dir)) {
    const { text, checksum } = await readMigrationFile(file);
    out.push(lintedMigration(file, text, checksum));
  }
  return out;
}

/** One migration file for the linter, from its text. */
export function lintedMigration(file: MigrationFile, text: string, checksum: string): LintedMigration {
  const common = { name: file.name, path: file.path, format: file.format, text, checksum };
  if (file.format === 'code') {
    // Read, not imported: an exported `down` shows in the text as `down(`, `down:` or `down =`.
    return { ...common, hasDown: /\bdown\s*[(:=]/.test(text), problems: [] };
  }
  const res = parseYamlMigration(file.path, text);
  if (!res.migration) return { ...common, hasDown: false, problems: res.problems };
  const lines = stepLines(text);
  const locate = (steps: readonly StepCall[], at: readonly StepLines[]): LocatedStep[] =>
    steps.map((s, i) => ({ ...s, line: at[i]?.line ?? 1, ...(at[i]?.indexLines.length ? { indexLines: at[i]!.indexLines } : {}) }));
  const { up, down } = res.migration;
  return {
    ...common,
    up: up.kind === 'steps' ? locate(up.steps, lines.up) : undefined,
    down: down?.kind === 'steps' ? locate(down.steps, lines.down) : undefined,
    hasDown: down !== undefined,
    problems: [],
  };
}

/** Where one step item is: its line, and the lines of the items of its `index_params`. */
export interface StepLines {
  readonly line: number;
  readonly indexLines: number[];
}

/**
 * The 1-based line of each item of `up:` and `down:` (and of its `index_params` items). The
 * validator's steps keep only their own line, so the document is parsed once more here (only for
 * files that validated, where every item became one step).
 */
export function stepLines(text: string): { up: StepLines[]; down: StepLines[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (node: unknown) => lineCounter.linePos((node as { range?: [number] }).range?.[0] ?? 0).line;
  const lines = (section: string): StepLines[] => {
    const node = isMap(doc.contents) ? doc.contents.get(section, true) : undefined;
    if (!isSeq(node)) return [];
    return node.items.map((item) => {
      const params = isMap(item) ? item.items[0]?.value : undefined;
      const index = isMap(params) ? params.get('index_params', true) : undefined;
      return { line: lineOf(item), indexLines: isSeq(index) ? index.items.map(lineOf) : [] };
    });
  };
  return { up: lines('up'), down: lines('down') };
}

/**
 * The migrations of `dir` as they are at git `ref` (the folder itself, as discovery reads it):
 * name → checksum of the file's bytes there. A folder missing at `ref` has none.
 */
export async function readBase(dir: string, ref: string): Promise<BaseHistory> {
  const git = async (args: string[]) => (await run('git', args, { cwd: dir, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })).stdout;
  try {
    await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (err) {
    if (/not a git repository/i.test(String((err as { stderr?: unknown }).stderr ?? ''))) {
      throw new InvalidInputError(`--base ${ref}: ${dir} is not in a git repository`, [], {
        hint: 'The history rules compare with the migrations folder at a git ref: run lint inside the clone, or leave out --base.',
      });
    }
    throw new InvalidInputError(`--base ${ref}: not a commit, branch or tag of the git repository holding ${dir}`, [], {
      hint: 'In CI, fetch the base branch first (e.g. actions/checkout with fetch-depth: 0) and pass origin/main.',
    });
  }
  const listing = (await git(['ls-tree', '--full-name', '--name-only', ref, '--', '.'])).toString('utf8');
  const checksums = new Map<string, string>();
  for (const path of listing.split('\n').filter(Boolean)) {
    const ext = extname(path);
    const file = basename(path);
    if (!MIGRATION_EXTENSIONS.includes(ext) || file.startsWith('.') || file.endsWith('.d.ts')) continue;
    checksums.set(basename(file, ext), checksum(await git(['show', `${ref}:${path}`])));
  }
  return { ref, checksums };
}
