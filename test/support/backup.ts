/**
 * Backup folders for unit tests, written the way src/backup/export.ts writes one: canonical
 * lines, gzip, manifest. No Milvus.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { canonicalLine, MANIFEST_FILE, ROWS_FILE, type BackupManifest } from '../../src/backup/format.js';

/**
 * Writes a backup of `rows` at `root/path`: by default a `dropPartition` backup of partition `p`
 * of collection `c` (id Int64, v FloatVector dim 2); `over` replaces fields of its manifest.
 */
export async function writeBackup(
  root: string,
  path: string,
  rows: unknown[],
  over: Partial<BackupManifest> = {},
): Promise<{ dir: string; manifest: BackupManifest }> {
  const dir = join(root, path);
  await mkdir(dir, { recursive: true });
  const text = rows.map(canonicalLine).join('');
  const gz = gzipSync(text);
  await writeFile(join(dir, ROWS_FILE), gz);
  const manifest: BackupManifest = {
    format: 1,
    kind: 'partition',
    collection: 'c',
    partition: 'p',
    schema: {
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
      enable_dynamic_field: false,
    },
    segments: [{ partition: 'p', rows: rows.length }],
    indexes: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
    loaded: true,
    aliases: [],
    rows: rows.length,
    sha256: createHash('sha256').update(text).digest('hex'),
    fileSha256: createHash('sha256').update(gz).digest('hex'),
    bytes: gz.length,
    createdAt: '2026-11-29T00:00:00.000Z',
    migration: path.split('/')[0]!,
    step: 0,
    stepName: 'dropPartition',
    toolVersion: '0.0.0',
    ...over,
  };
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return { dir, manifest };
}
