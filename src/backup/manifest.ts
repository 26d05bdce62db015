/**
 * Reading, verifying and listing backups: a backup is trusted only when its manifest parses and
 * the rows file hashes, decompressed and compressed, to what the manifest says.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as z from 'zod';
import { BACKUP_FORMAT, MANIFEST_FILE, PARTIAL_SUFFIX, ROWS_FILE, type BackupManifest } from './format.js';

const manifestSchema = z.looseObject({
  format: z.literal(BACKUP_FORMAT),
  kind: z.enum(['partition', 'collection', 'rows']),
  collection: z.string().min(1),
  schema: z.looseObject({
    fields: z.array(z.looseObject({ name: z.string(), data_type: z.string() })).min(1),
    enable_dynamic_field: z.boolean(),
  }),
  segments: z.array(z.looseObject({ partition: z.string().optional(), rows: z.number().int().nonnegative() })),
  indexes: z.array(z.looseObject({ field_name: z.string() })),
  loaded: z.boolean(),
  aliases: z.array(z.string()),
  // Optional: backups written before properties were kept have none, and still restore.
  properties: z.record(z.string(), z.string()).optional(),
  rows: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  fileSha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  createdAt: z.string(),
  migration: z.string(),
  step: z.number().int().nonnegative(),
});

/** Reads `manifest.json` of a backup folder; throws saying what is wrong. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file} is not a backup manifest of format ${BACKUP_FORMAT}: ${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  return parsed.data as unknown as BackupManifest;
}

/** Hashes of a rows file: of its bytes, and of its decompressed content, with the line count. */
export async function hashRowsFile(file: string): Promise<{ fileSha256: string; sha256: string; rows: number; bytes: number }> {
  const fileHash = createHash('sha256');
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  await pipeline(
    createReadStream(file),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        fileHash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    },
    createGunzip(),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) rows++;
      }
    },
  );
  return { fileSha256: fileHash.digest('hex'), sha256: hash.digest('hex'), rows, bytes };
}

/** The answer of {@link verifyBackup}. */
export type Verification =
  | { readonly ok: true; readonly manifest: BackupManifest }
  | { readonly ok: false; readonly problem: string; readonly manifest?: BackupManifest };

/**
 * Re-reads a backup whole and checks it against its manifest (and against the checksum the step
 * recorded, when given). Never throws: a backup that cannot be read is a problem to report.
 */
export async function verifyBackup(dir: string, expectedSha256?: string): Promise<Verification> {
  let manifest: BackupManifest;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
  if (expectedSha256 !== undefined && manifest.sha256 !== expectedSha256) {
    return {
      ok: false,
      manifest,
      problem: `its manifest's checksum ${manifest.sha256.slice(0, 12)}… is not the one recorded when it was taken (${expectedSha256.slice(0, 12)}…)`,
    };
  }
  const file = join(dir, ROWS_FILE);
  let actual: Awaited<ReturnType<typeof hashRowsFile>>;
  try {
    actual = await hashRowsFile(file);
  } catch (err) {
    return { ok: false, manifest, problem: `${file} cannot be read back (${(err as Error).message}): it was changed or damaged` };
  }
  if (actual.fileSha256 !== manifest.fileSha256 || actual.sha256 !== manifest.sha256)
    return { ok: false, manifest, problem: `${file} does not match its manifest's checksum (sha256): it was changed or damaged` };
  if (actual.rows !== manifest.rows)
    return { ok: false, manifest, problem: `${file} holds ${actual.rows} rows, its manifest says ${manifest.rows}` };
  return { ok: true, manifest };
}

/** One backup found in the backup folder. */
export interface BackupEntry {
  /** Folder, relative to the backup dir (what a step records). */
  readonly path: string;
  readonly dir: string;
  readonly manifest: BackupManifest | undefined;
  /** Size of the rows file on disk. */
  readonly bytes: number;
  /** Set when the manifest cannot be read. */
  readonly problem?: string;
}

/**
 * Every finished backup under `root` (`<migration>/<backup>/`), oldest first; unfinished ones
 * (`.partial`, left by a run that was killed) are not listed.
 */
export async function listBackups(root: string): Promise<BackupEntry[]> {
  const entries: BackupEntry[] = [];
  for (const migration of await subfolders(root)) {
    for (const leaf of await subfolders(join(root, migration))) {
      if (leaf.endsWith(PARTIAL_SUFFIX)) continue;
      const dir = join(root, migration, leaf);
      const bytes = await stat(join(dir, ROWS_FILE)).then(
        (s) => s.size,
        () => 0,
      );
      try {
        entries.push({ path: `${migration}/${leaf}`, dir, manifest: await readManifest(dir), bytes });
      } catch (err) {
        entries.push({ path: `${migration}/${leaf}`, dir, manifest: undefined, bytes, problem: (err as Error).message });
      }
    }
  }
  return entries.sort((a, b) => (a.manifest?.createdAt ?? '').localeCompare(b.manifest?.createdAt ?? '') || a.path.localeCompare(b.path));
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
