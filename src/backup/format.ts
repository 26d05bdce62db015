/**
 * What a backup is on disk. One folder per backed-up step:
 *
 * ```
 * <backup dir>/<migration>/step<N>-<kind>-<collection>[-<partition>]-<UTC stamp>/
 *   manifest.json    what was backed up: schema, indexes, load state, row count, checksums
 *   rows.jsonl.gz    one row per line (canonical JSON, keys sorted), gzip-compressed
 * ```
 *
 * A backup is written under `<folder>.partial` and renamed only once it is complete and verified,
 * so a run killed mid-backup never leaves something that looks complete.
 */
import { isAbsolute, normalize, sep } from 'node:path';

/** Version of the on-disk format, in every manifest. */
export const BACKUP_FORMAT = 1;
export const MANIFEST_FILE = 'manifest.json';
export const ROWS_FILE = 'rows.jsonl.gz';
/** Suffix of a backup being written. */
export const PARTIAL_SUFFIX = '.partial';
/** Rows per query page when exporting and per write when restoring. */
export const BACKUP_BATCH_SIZE = 1_000;

/** Where backups go and whether destructive steps take one without `backup: true`. */
export interface BackupSettings {
  /** Absolute folder holding every backup. */
  readonly dir: string;
  /** `--backup` / `backup: true` in the config: back up every dropPartition, dropCollection and delete. */
  readonly byDefault: boolean;
}

/** What was dropped: a partition, a whole collection, or the rows a `delete` removed. */
export type BackupKind = 'partition' | 'collection' | 'rows';

/** A field as needed to create it again (the `createCollection` step's field params). */
export interface SavedField {
  readonly name: string;
  readonly data_type: string;
  readonly is_primary_key?: boolean;
  readonly autoID?: boolean;
  readonly is_partition_key?: boolean;
  readonly dim?: number;
  readonly max_length?: number;
  readonly element_type?: string;
  readonly max_capacity?: number;
  readonly description?: string;
  readonly nullable?: boolean;
  readonly default_value?: unknown;
}

/** An index as needed to build it again (the `createIndex` step's params). */
export interface SavedIndex {
  readonly field_name: string;
  readonly index_name?: string;
  readonly index_type?: string;
  readonly metric_type?: string;
  readonly params?: Record<string, string | number | boolean>;
}

/** `manifest.json`. */
export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly kind: BackupKind;
  readonly database?: string;
  readonly collection: string;
  /** The dropped partition (kind `partition`), or the one a `delete` was limited to. */
  readonly partition?: string;
  /** The `delete` filter (kind `rows`). */
  readonly filter?: string;
  readonly schema: {
    readonly fields: readonly SavedField[];
    readonly description?: string;
    readonly enable_dynamic_field: boolean;
    readonly consistency_level?: string;
    readonly num_partitions?: number;
  };
  /**
   * The rows file in order, partition by partition (kind `collection`: each partition's rows
   * follow each other; a partition-key collection is one entry without a name, Milvus places the
   * rows itself).
   */
  readonly segments: readonly { readonly partition?: string; readonly rows: number }[];
  readonly indexes: readonly SavedIndex[];
  /** Whether the collection (kind `collection`) or partition (kind `partition`) was loaded. */
  readonly loaded: boolean;
  /** Aliases that pointed at the collection (kind `collection`). */
  readonly aliases: readonly string[];
  /**
   * The collection's properties (TTL, mmap, ...) as `snapshot` reads them, values as strings;
   * set again when the collection is re-created. Absent in backups written before they were kept.
   */
  readonly properties?: Readonly<Record<string, string>>;
  readonly rows: number;
  /** sha256 of the uncompressed rows stream. */
  readonly sha256: string;
  /** sha256 and size of `rows.jsonl.gz` as written. */
  readonly fileSha256: string;
  readonly bytes: number;
  readonly createdAt: string;
  readonly migration: string;
  /** Index of the step in its migration (0-based). */
  readonly step: number;
  readonly stepName: string;
  readonly toolVersion: string;
}

/** What a backed-up step records in the state (its inverse restores from it). */
export interface BackupRecord {
  /** Folder of the backup, relative to the backup dir: `<migration>/<leaf>`. */
  readonly path: string;
  readonly sha256: string;
  readonly rows: number;
}

/**
 * A row as one line: JSON with object keys sorted, so the same row always gives the same bytes
 * (Milvus returns a row's fields in no fixed order) and a restored collection hashes the same.
 * Float32 vectors come back from the SDK as the JS numbers nearest to them; JSON prints those
 * exactly, so they survive the round trip bit for bit.
 */
export function canonicalLine(row: unknown): string {
  return `${JSON.stringify(sortKeys(row))}\n`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** The folder name of a new backup: readable, unique per step and time, a valid file name. */
export function backupLeaf(p: { step: number; kind: BackupKind; collection: string; partition?: string | undefined; at: Date }): string {
  const stamp = p.at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `step${p.step + 1}-${p.kind}-${p.collection}${p.partition ? `-${p.partition}` : ''}-${stamp}`;
}

/**
 * Checks a recorded backup path (relative to the backup dir): it must stay inside it, since a
 * `restoreBackup` step written by hand could otherwise point anywhere. Returns the problem, if any.
 */
export function backupPathProblem(path: string): string | undefined {
  const n = normalize(path);
  if (isAbsolute(path) || n.startsWith('..') || n.split(sep).includes('..'))
    return 'must be a folder inside the backup dir (relative, no ..)';
  if (n.endsWith(PARTIAL_SUFFIX)) return `is an unfinished backup (${PARTIAL_SUFFIX})`;
  return undefined;
}
