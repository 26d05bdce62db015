import { pathToFileURL } from 'node:url';
import { InvalidInputError, type Problem } from '../errors.js';
import { discoverMigrations, readMigrationFile, type MigrationFile } from './discover.js';
import type { CodeFn, Migration } from './model.js';
import { loadProblems } from './load-error.js';
import { openParseCache } from './parse-cache.js';
import { parseYamlMigration } from './yaml.js';
import { importModule } from '../util/dynamic-import.js';

/**
 * Finds, reads, parses and validates every migration in `dir`. Every file is checked, applied or
 * not, and all problems are reported together: nothing runs while any file is invalid. A YAML
 * file the CLI parsed before, byte for byte, comes from its parse cache (parse-cache.ts).
 */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = await discoverMigrations(dir);
  const cache = openParseCache(dir);
  const problems: Problem[] = [];
  const migrations: Migration[] = [];
  for (const file of files) {
    const { text, checksum } = await readMigrationFile(file);
    if (file.format === 'yaml') {
      let parsed = cache?.get(checksum);
      if (!parsed) {
        const res = parseYamlMigration(file.path, text);
        problems.push(...res.problems);
        parsed = res.migration;
        if (parsed) cache?.set(checksum, parsed);
      }
      if (parsed) migrations.push({ name: file.name, path: file.path, format: 'yaml', checksum, ...parsed });
    } else {
      const res = await loadCodeMigration(file);
      if ('problems' in res) problems.push(...res.problems);
      else if ('problem' in res) problems.push({ file: file.path, message: res.problem });
      else migrations.push({ name: file.name, path: file.path, format: 'code', checksum, ...res });
    }
  }
  cache?.save();
  if (problems.length) {
    const bad = new Set(problems.map((p) => p.file)).size;
    throw new InvalidInputError(`${bad} migration file${bad === 1 ? ' is' : 's are'} invalid; nothing was run`, problems);
  }
  return migrations;
}

/**
 * Imports a `.ts`, `.js` or `.mjs` migration. TypeScript is loaded with tsx (esbuild), imported
 * only when a `.ts` file exists, so YAML-only projects never pay for it.
 */
async function loadCodeMigration(
  file: MigrationFile,
): Promise<
  { problem: string } | { problems: Problem[] } | { description: string | undefined; up: Migration['up']; down: Migration['down'] }
> {
  let mod: { default?: unknown };
  try {
    if (file.path.endsWith('.ts')) {
      const { tsImport } = await importModule<typeof import('tsx/esm/api')>('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(file.path).href, import.meta.url)) as { default?: unknown };
    } else {
      mod = await importModule<{ default?: unknown }>(pathToFileURL(file.path).href);
    }
  } catch (err) {
    return { problems: await loadProblems(file.path, err) };
  }
  // tsx may wrap a CommonJS-style default export once more.
  let def = mod.default as Record<string, unknown> | undefined;
  if (def && typeof def.up !== 'function' && def.default && typeof def.default === 'object') def = def.default as Record<string, unknown>;
  if (!def || typeof def !== 'object' || typeof def.up !== 'function') {
    return { problem: 'must `export default defineMigration({ up, down })` with an `up` function' };
  }
  if (def.down !== undefined && typeof def.down !== 'function') return { problem: '`down` must be a function' };
  if (def.description !== undefined && typeof def.description !== 'string') return { problem: '`description` must be a string' };
  return {
    description: def.description as string | undefined,
    up: { kind: 'code', fn: def.up as CodeFn },
    down: def.down ? { kind: 'code', fn: def.down as CodeFn } : undefined,
  };
}
