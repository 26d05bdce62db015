import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { extname, join, basename } from 'node:path';
import { InvalidInputError } from '../errors.js';

export const YAML_EXTENSIONS = ['.yaml', '.yml'] as const;
export const CODE_EXTENSIONS = ['.ts', '.js', '.mjs'] as const;
export const MIGRATION_EXTENSIONS: readonly string[] = [...YAML_EXTENSIONS, ...CODE_EXTENSIONS];

/** A migration file found on disk. Its name is the file name without the extension. */
export interface MigrationFile {
  readonly name: string;
  readonly path: string;
  readonly format: 'yaml' | 'code';
}

/**
 * Lists the migration files of a folder in name order. Only the folder itself is read, not its
 * subfolders (so `migrations/examples/` can hold examples that never run).
 */
export async function discoverMigrations(dir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidInputError(`Migrations folder ${dir} does not exist`, [], {
        hint: 'Run `milvus-migrate init` to create it, or set `migrations:` in milvus.config.yaml.',
      });
    }
    throw err;
  }
  const files: MigrationFile[] = [];
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith('.') || e.name.endsWith('.d.ts')) continue;
    const ext = extname(e.name);
    if (!MIGRATION_EXTENSIONS.includes(ext)) continue;
    files.push({
      name: basename(e.name, ext),
      path: join(dir, e.name),
      format: (YAML_EXTENSIONS as readonly string[]).includes(ext) ? 'yaml' : 'code',
    });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const clashes = files.filter((f, i) => i > 0 && files[i - 1]!.name === f.name);
  if (clashes.length) {
    throw new InvalidInputError(
      'Two migration files have the same name (a migration is named by its file name without the extension)',
      clashes.map((f) => ({ file: f.path, message: `another file is also named ${f.name}` })),
    );
  }
  return files;
}

/** sha256 of the file's bytes, hex: what the state records and `validate` compares. */
export function checksum(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export async function readMigrationFile(file: MigrationFile): Promise<{ text: string; checksum: string }> {
  // Read synchronously: migration files are small and all read before anything runs, and
  // fs/promises' open/stat/read/close round trips cost ~10x more (200 files: ~12-75 ms vs ~1-5 ms).
  const buf = readFileSync(file.path);
  return { text: buf.toString('utf8'), checksum: checksum(buf) };
}
