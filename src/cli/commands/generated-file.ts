/** Writing what `baseline` and `generate` produce: the migration file and its templates, never over an existing file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../../config/load.js';
import { schemaComment } from '../../editor/schema-paths.js';
import { InvalidInputError } from '../../errors.js';
import type { GeneratedMigration } from '../../generate/types.js';
import { slugify, timestamp } from './create.js';

/** The name (`YYYYMMDDHHMMSS_<slug>`) and path a new generated migration gets. */
export function newMigrationFile(cfg: ResolvedConfig, name: string, now: Date): { name: string; file: string } {
  const slug = slugify(name);
  if (!slug) throw new InvalidInputError(`the name ${JSON.stringify(name)} has no letters or digits to make a file name from`);
  const full = `${timestamp(now)}_${slug}`;
  return { name: full, file: join(cfg.migrationsDir, `${full}.yaml`) };
}

/** The migration's text: the editor's schema line, where it came from, then the steps. */
export async function migrationText(cfg: ResolvedConfig, file: string, m: GeneratedMigration, origin: string): Promise<string> {
  const { migrationYaml } = await import('../../generate/render.js');
  const header = `${schemaComment('migration', file, cfg.rootDir)}# ${origin}\n# Review it as any migration: each step says why it is there.\n`;
  return migrationYaml(m, header);
}

/** Writes the migration and its templates; refuses (exit 2) to replace any file. Returns the template paths. */
export async function writeGenerated(file: string, text: string, m: GeneratedMigration): Promise<string[]> {
  const dir = dirname(file);
  const templates = m.templates.map((t) => ({ path: join(dir, t.path), text: t.text }));
  await mkdir(dir, { recursive: true });
  for (const t of [{ path: file, text }, ...templates]) {
    await mkdir(dirname(t.path), { recursive: true });
    try {
      await writeFile(t.path, t.text, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new InvalidInputError(`${t.path} already exists: not replaced`);
      throw err;
    }
  }
  return templates.map((t) => t.path);
}
