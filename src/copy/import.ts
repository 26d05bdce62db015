/**
 * The import strategy of the copy engine: rows streamed page by page in primary-key order (as
 * {@link copySegments} reads them), written into row-based JSON files in a folder the server
 * reads, each file handed to Milvus' own import (`bulkInsert`) and waited for, one file at a time.
 * Checkpointed per file: a file is recorded (pending) before it is submitted, so a resumed run
 * finds its import task instead of importing it twice, and its end key afterwards.
 * Memory stays at one page; a file holds at most `maxFileBytes` (plus one page).
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MilvusCallError } from '../errors.js';
import type { Milvus } from '../milvus/client.js';
import { countRows, rows } from '../milvus/reads/lookups.js';
import { andFilter, maxPk, pkLiteral, type PkValue } from '../milvus/reads/keys.js';
import { pages } from '../milvus/reads/paging.js';
import type { CollectionShape, Row } from '../milvus/reads/shape.js';
import type { CopyOptions, SegmentCursor } from './engine.js';
import { throttled } from '../util/progress.js';

/** Bytes of JSON after which a file is closed and imported (Milvus 2.3 takes up to 16 GB a file; smaller files checkpoint more often). */
export const DEFAULT_IMPORT_FILE_BYTES = 64_000_000;
/** How often an import task is asked how far it got. */
const IMPORT_POLL_MS = 200;

/** A file written and recorded before it is submitted: a resumed run looks for its task first. */
export interface PendingFile {
  readonly segment: number;
  /** Absolute path, as the server is given it. */
  readonly file: string;
  /** Largest source key in the file, rows in it, rows the transform left out of it. */
  readonly last_pk: PkValue;
  readonly rows: number;
  readonly left_out: number;
}

/** Where an import stands: each segment's cursor, files imported so far, and the file in flight. */
export interface ImportCursor {
  readonly segments: readonly SegmentCursor[];
  readonly files: number;
  readonly pending?: PendingFile | undefined;
}

export interface ImportOptions extends Pick<CopyOptions, 'milvus' | 'logger' | 'segments' | 'pk' | 'batchSize' | 'from' | 'to' | 'task'> {
  /** The collection imported into, and its shape (Int64 fields are written as JSON numbers). */
  readonly target: { readonly collection_name: string; readonly db_name?: string | undefined };
  readonly shape: CollectionShape;
  /** The partition segment i is imported into (none: the server routes by partition key, or `_default`). */
  partitionOf(segment: number): string | undefined;
  /** Local folder the server reads under the same path. */
  readonly dir: string;
  /** File name prefix, unique to this rebuild. */
  readonly prefix: string;
  readonly maxFileBytes?: number | undefined;
  /** Converts one page into the rows to write (a transform may leave some out). */
  convert(page: Row[]): Promise<Row[]>;
  readonly resume?: ImportCursor | undefined;
  checkpoint(cursor: ImportCursor): Promise<void>;
}

/**
 * Imports every row of the segments into the target, file by file. Returns the cursors (every
 * segment done). The rows are in the target when this returns (each import task completed).
 */
export async function importSegments(o: ImportOptions): Promise<ImportCursor> {
  const { milvus, logger, pk } = o;
  const maxBytes = o.maxFileBytes ?? DEFAULT_IMPORT_FILE_BYTES;
  let cursor: ImportCursor = o.resume ?? { segments: o.segments.map(() => ({ copied: 0 })), files: 0 };
  await fsp.mkdir(o.dir, { recursive: true });
  if (cursor.pending) cursor = await finish(o, cursor, cursor.pending);

  let remaining = 0;
  for (const [i, s] of o.segments.entries()) {
    const c = cursor.segments[i]!;
    if (c.done) continue;
    const after = c.last_pk === undefined ? undefined : `${pk.name} > ${pkLiteral(pk.kind, c.last_pk)}`;
    remaining += await countRows(milvus, s.read, s.read.partition_names?.[0], andFilter(s.filter, after), 'Strong');
  }
  const before = cursor.segments.reduce((n, c) => n + c.copied, 0);
  let copied = before;
  const total = before + remaining;
  logger.info(
    `importing ${rows(remaining)} from ${o.from} into ${o.to} through files in ${o.dir}` +
      (before ? ` (resuming: ${rows(before)} imported by the interrupted run)` : ''),
  );
  const progress = throttled(logger);
  const started = Date.now();
  const encode = encoder(o.shape);
  for (let segment = 0; segment < o.segments.length; segment++) {
    const s = o.segments[segment]!;
    let last = cursor.segments[segment]!.last_pk;
    if (cursor.segments[segment]!.done) continue;
    const reader = pages(milvus, s.read, pk, s.filter, o.batchSize, ['*'], true, last);
    for (let end = false; !end;) {
      const file = path.join(o.dir, `${o.prefix}-${String(cursor.files).padStart(5, '0')}.json`);
      const fd = await fsp.open(file, 'w');
      let bytes = 0;
      let written = 0;
      let read = 0;
      try {
        await fd.write('{"rows":[\n');
        while (bytes < maxBytes) {
          const next = await reader.next();
          if (next.done) {
            end = true;
            break;
          }
          const page = next.value;
          const data = await o.convert(page);
          if (data.length) {
            const text = (written ? ',\n' : '') + data.map(encode).join(',\n');
            await fd.write(text);
            bytes += Buffer.byteLength(text);
          }
          written += data.length;
          read += page.length;
          last = maxPk(
            pk.kind,
            page.map((r) => r[pk.name] as PkValue),
          );
        }
        await fd.write('\n]}\n');
      } finally {
        await fd.close();
      }
      if (last === undefined || read === 0) {
        await fsp.rm(file, { force: true });
        cursor = withSegment(cursor, segment, { done: true });
        await o.checkpoint(cursor);
        break;
      }
      const pending: PendingFile = { segment, file, last_pk: last, rows: written, left_out: read - written };
      if (written === 0) {
        await fsp.rm(file, { force: true });
        cursor = advance(cursor, pending, read);
        await o.checkpoint(cursor);
      } else {
        cursor = { ...cursor, pending };
        await o.checkpoint(cursor);
        cursor = await finish(o, cursor, pending, read);
      }
      copied += read;
      if (end) {
        cursor = withSegment(cursor, segment, { done: true });
        await o.checkpoint(cursor);
      }
      progress(`${o.task}: ${copied.toLocaleString('en-US')}/${rows(total)} (${total ? Math.floor((copied / total) * 100) : 100}%)`, {
        task: o.task,
        done: copied,
        total,
        unit: 'rows',
        elapsedMs: Date.now() - started,
        final: false,
      });
    }
  }
  logger.info(`imported ${rows(copied)} from ${o.from} into ${o.to} in ${cursor.files} files`);
  return cursor;
}

/** The cursor after `pending` is in the target: its segment goes on after its last key. */
function advance(c: ImportCursor, p: PendingFile, read = p.rows + p.left_out): ImportCursor {
  const was = c.segments[p.segment]!;
  const segments = c.segments.map((s, i) =>
    i === p.segment ? { ...was, last_pk: p.last_pk, copied: was.copied + read, left_out: (was.left_out ?? 0) + p.left_out } : s,
  );
  return { segments, files: c.files + 1 };
}

function withSegment(c: ImportCursor, segment: number, patch: Partial<SegmentCursor>): ImportCursor {
  return { ...c, segments: c.segments.map((s, i) => (i === segment ? { ...s, ...patch } : s)) };
}

/**
 * Gets a recorded file into the target exactly once: its task is looked up first (a run killed
 * after submitting it left one; Milvus keeps tasks for a day), submitted when there is none or it
 * failed, and waited for. Then the cursor moves past it and the file is removed.
 */
async function finish(o: ImportOptions, c: ImportCursor, p: PendingFile, read?: number): Promise<ImportCursor> {
  const { milvus, target } = o;
  const tasks = await milvus.call('listImportTasks', { ...target, limit: 0 } as never);
  const known = tasks.tasks
    .filter((t) => t.infos.some((kv) => kv.key === 'files' && kv.value === p.file))
    .filter((t) => !String(t.state).startsWith('ImportFailed'));
  let task: number | string;
  if (known.length) task = known[known.length - 1]!.id;
  else {
    if (!fs.existsSync(p.file))
      throw new MilvusCallError('bulkInsert', `import file ${p.file} is gone and Milvus has no import task for it`, undefined);
    const partition = o.partitionOf(p.segment);
    const res = await milvus.call('bulkInsert', {
      ...target,
      ...(partition ? { partition_name: partition } : {}),
      files: [p.file],
    } as never);
    task = res.tasks[0]!;
  }
  await waitForImport(milvus, task, p.file, target.collection_name);
  const next = advance(c, p, read);
  await o.checkpoint(next);
  await fsp.rm(p.file, { force: true });
  return next;
}

/** Waits until an import task completed; a failed one throws with Milvus' reason. */
async function waitForImport(milvus: Milvus, task: number | string, file: string, collection: string): Promise<void> {
  for (;;) {
    const s = await milvus.call('getImportState', { task: task as number });
    const state = String(s.state);
    if (state === 'ImportCompleted') return;
    if (state.startsWith('ImportFailed')) {
      const reason = s.infos.find((kv) => kv.key === 'failed_reason')?.value ?? state;
      throw new MilvusCallError('bulkInsert', `import of ${file} into ${collection} failed: ${reason}`, undefined);
    }
    await sleep(IMPORT_POLL_MS);
  }
}

/**
 * One row as import JSON. Int64 values come back from queries as strings: they are written as
 * JSON numbers (Milvus' import refuses "77" for an Int64), digit for digit, so keys beyond 2^53
 * stay exact. Everything else (vectors as arrays, JSON fields, the dynamic `$meta`) as is.
 */
export function encoder(shape: CollectionShape): (row: Row) => string {
  const int64 = new Set(shape.fields.filter((f) => f.dataType === 'Int64').map((f) => f.name));
  return (row) => {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue;
      const text =
        int64.has(k) && (typeof v === 'string' || typeof v === 'bigint') && /^-?\d+$/.test(String(v)) ? String(v) : JSON.stringify(v);
      parts.push(`${JSON.stringify(k)}:${text}`);
    }
    return `{${parts.join(',')}}`;
  };
}
