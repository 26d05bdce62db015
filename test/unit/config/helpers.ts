import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { loadConfig, type LoadConfigOptions } from '../../../src/config/index.js';

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A temp directory holding `files` (paths may be nested; `dir/` makes an empty folder). It gets
 * a `.git` marker unless `git: false`, so discovery never wanders into the real /tmp.
 */
export async function project(files: Record<string, string>, { git = true } = {}): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'milvus-migrate-config-')));
  created.push(dir);
  if (git) await mkdir(path.join(dir, '.git'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (name.endsWith('/')) {
      await mkdir(file, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

/** Loads a config written as `yaml` in a fresh project, with an empty environment by default. */
export async function load(yaml: string | undefined, opts: LoadConfigOptions = {}) {
  const dir = await project(yaml === undefined ? {} : { 'milvus.config.yaml': yaml });
  return loadConfig({ environ: {}, ...opts, cwd: opts.cwd ? path.join(dir, opts.cwd) : dir });
}

/** The InvalidInputError that loading `yaml` throws. */
export async function loadError(yaml: string | undefined, opts: LoadConfigOptions = {}): Promise<InvalidInputError> {
  const err = await load(yaml, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  return err as InvalidInputError;
}

/**
 * Strips the common indentation of a template literal so YAML in tests can be indented.
 * Write `\${VAR}` for a config-level reference.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '').replace(/^\n/, '');
  const indent = Math.min(
    ...text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.match(/^ */)![0].length),
  );
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}
