/**
 * What `insert` and `upsert` share: rows inline or from a data file, checked against the
 * collection's schema before the first write, then written in batches with a checkpoint after
 * each, so a run that stops part-way resumes after the last batch it saved.
 */
import * as z from 'zod';
import { MigrateError } from '../../errors.js';
import { PROGRESS_INTERVAL_MS, throttled } from '../../util/progress.js';
import { dbOf } from '../../milvus/reads/names.js';
import { milvusName, collectionTarget } from '../params.js';
import { rows } from '../../milvus/reads/lookups.js';
import type { ExpectContext, StepContext } from '../types.js';
import type { CollectionSchema } from '../../schema/model.js';
import { usesPartitionKey } from '../../schema/plan-model.js';
import { needCollection, needPartition } from '../expect.js';
import { dataFileParamProblem, inBatches, readDataFile, resolveDataFile, whereIs, type LocatedRow } from './data-file.js';
import { KeyRecorder, type KeyRecord, type PkValue } from '../../milvus/reads/keys.js';
import { collectionShape, rowProblem, type CollectionShape } from '../../milvus/reads/shape.js';
import { MAX_BATCH_SIZE } from '../../milvus/reads/paging.js';

export { PROGRESS_INTERVAL_MS, throttled };

/** Rows per insert/upsert call (and per query page of `copyRows`). */
export const DEFAULT_BATCH_SIZE = 1_000;
/** Rows with problems listed in one error (the count of the rest is given). */
const MAX_LISTED_PROBLEMS = 10;

/** The `batch_size` param of the data steps. */
export const batchSize = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .positive({ error: 'must be at least 1' })
  .max(MAX_BATCH_SIZE, { error: `must be at most ${MAX_BATCH_SIZE} (Milvus' limit for one query)` })
  .optional();

/** Params shared by `insert` and `upsert`. */
export const rowsParams = z
  .object({
    ...collectionTarget,
    partition_name: milvusName.optional(),
    /** Rows inline, one map per row, field name → value (vectors as lists of numbers). */
    data: z.array(z.record(z.string(), z.unknown())).min(1, { error: 'needs at least one row' }).optional(),
    /** A .json (array of rows) or .jsonl (one row per line) file, relative to the migration's folder. */
    data_file: z.string({ error: 'must be a path, e.g. seed/rows.jsonl' }).min(1, { error: 'must not be empty' }).optional(),
    /** Rows per call (default {@link DEFAULT_BATCH_SIZE}). */
    batch_size: batchSize,
  })
  .strict();
/** Params of `insert` and `upsert`. */
export type RowsParams = z.infer<typeof rowsParams>;

/** `check` of both steps: exactly one source of rows, and a data file name that can work. */
export function checkRowsSource(p: RowsParams): [string, string][] {
  if (p.data && p.data_file !== undefined) return [['data_file', 'give either data (rows inline) or data_file, not both']];
  if (!p.data && p.data_file === undefined) {
    return [['data', 'missing: give data (rows inline) or data_file (a .json or .jsonl file, relative to the migration)']];
  }
  const problem = p.data_file === undefined ? undefined : dataFileParamProblem(p.data_file);
  return problem ? [['data_file', problem]] : [];
}

/** `3 rows` or `the rows of seed/titles.jsonl`, for `describe`. */
export function describeSource(p: RowsParams): string {
  return p.data ? rows(p.data.length) : `the rows of ${p.data_file}`;
}

/** What a write of rows saves as a checkpoint and returns: rows written, and for `insert` the keys. */
export type WriteRecord = { rows_done: number; rows_total: number } & Partial<KeyRecord>;

/** A collection of the schema model as the data steps see it, to check rows against it before anything runs. */
export function shapeOf(c: CollectionSchema, label: string): CollectionShape {
  const fields = c.fields.map((f) => ({
    name: f.name,
    dataType: f.data_type,
    isPrimaryKey: Boolean(f.is_primary_key),
    autoID: Boolean(f.autoID),
    isPartitionKey: Boolean(f.is_partition_key),
    dim: f.dim,
    optional: Boolean(f.nullable) || f.default_value !== undefined,
    maxLength: f.max_length,
  }));
  const pk = fields.find((f) => f.isPrimaryKey) ?? fields[0]!;
  return {
    label,
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    dynamic: Boolean(c.enable_dynamic_field),
    pk: { name: pk.name, kind: pk.dataType === 'VarChar' ? 'VarChar' : 'Int64', autoID: pk.autoID },
    partitionKey: usesPartitionKey(c),
  };
}

/**
 * `expect` of `insert` and `upsert`: the collection (and partition) will exist, and every row,
 * inline or in the data file (read through once, so a missing file or a bad line is a
 * validation error naming the file and line), fits the collection as it will be then.
 */
export async function expectRows(ctx: ExpectContext, p: RowsParams, mode: 'insert' | 'upsert'): Promise<string[]> {
  const { collection, problems } = needCollection(ctx.model, p);
  const label = p.data_file ?? 'data';
  const shape = collection ? shapeOf(collection, p.db_name ? `${p.db_name}.${p.collection_name}` : p.collection_name) : undefined;
  if (collection && p.partition_name) {
    if (usesPartitionKey(collection))
      problems.push(`collection ${shape!.label} uses a partition key: Milvus picks each row's partition itself (remove partition_name)`);
    else problems.push(...needPartition(ctx.model, p, collection, p.partition_name));
  }
  let total = 0;
  let more = 0;
  try {
    const source = p.data ? p.data.map((row, index) => ({ row, index })) : readDataFile(resolveDataFile(p.data_file!, ctx.migration.dir));
    for await (const r of source) {
      total++;
      const problem = shape && rowProblem(r.row, shape, mode);
      if (!problem) continue;
      if (problems.length < MAX_LISTED_PROBLEMS) problems.push(`${label} ${whereIs(r)}: ${problem}`);
      else more++;
    }
  } catch (err) {
    return [...problems, err instanceof Error ? err.message : String(err)];
  }
  if (more) problems.push(`... and ${more} more rows of ${label} that do not fit ${shape!.label}`);
  if (total === 0) problems.push(`${label} holds no rows`);
  return problems;
}

/**
 * Writes the rows of an `insert` or `upsert` step. Every row is checked against the schema
 * first (a file is read twice: once to check, once to write), so a bad row fails the step before
 * anything is written, naming the file and line.
 */

export async function writeRows(ctx: StepContext, p: RowsParams, mode: 'insert' | 'upsert'): Promise<WriteRecord> {
  const shape = await collectionShape(ctx.milvus, p);
  if (p.partition_name && shape.partitionKey) {
    throw new MigrateError('invalid-input', `collection ${shape.label} uses a partition key: Milvus picks each row's partition itself`, {
      hint: 'remove partition_name',
    });
  }
  const label = p.data_file ?? 'data';
  const source = (): AsyncIterable<LocatedRow> | Iterable<LocatedRow> =>
    p.data ? p.data.map((row, index) => ({ row, index })) : readDataFile(resolveDataFile(p.data_file!, ctx.migration.dir));

  const total = await checkRows(source(), shape, mode, label);

  const previous = ctx.resumed ? (ctx.previous as Partial<WriteRecord> | undefined) : undefined;
  let done = previous?.rows_done !== undefined && previous.rows_total === total ? Number(previous.rows_done) : 0;
  // The file changed since the interrupted run: its checkpoint says nothing about this one, so
  // every row is written again, upserted where Milvus allows it so none lands twice.
  const changed = previous?.rows_done !== undefined && previous.rows_total !== total;
  if (changed) {
    ctx.logger.warn(
      `${label} now holds ${rows(total)}, ${rows(Number(previous.rows_total))} when the interrupted run started: writing all of them again`,
    );
  }
  const keys = mode === 'insert' ? KeyRecorder.from(done > 0 ? previous : undefined, shape.pk.name, shape.pk.kind) : undefined;
  if (done > 0) ctx.logger.info(`resuming: ${rows(done)} of ${label} were written by the interrupted run`);

  const progress = throttled(ctx.logger);
  const started = Date.now();
  let first = true;
  for await (const batch of inBatches(skip(source(), done), p.batch_size ?? DEFAULT_BATCH_SIZE)) {
    // The first batch after an interrupted run may already be in Milvus (the run can stop
    // between a write and its checkpoint). Milvus 2.3 keeps duplicate primary keys on insert,
    // so that batch is upserted: same result whether it landed or not. Milvus 2.3 refuses to
    // upsert into an autoID collection, and there is no telling which rows landed: say so.
    let method = mode;
    if (ctx.resumed && (first || changed) && mode === 'insert') {
      if (shape.pk.autoID) {
        if (first)
          ctx.logger.warn(
            `${shape.label} generates its primary keys (autoID): rows of the batch the interrupted run was writing may now be there twice`,
          );
      } else method = 'upsert';
    }
    first = false;
    const res = await ctx.milvus.call(method, {
      collection_name: p.collection_name,
      ...(p.partition_name ? { partition_name: p.partition_name } : {}),
      data: batch.map((r) => r.row),
      ...dbOf(p),
    } as never);
    keys?.add(idsOf(res));
    done += batch.length;
    const record: WriteRecord = { rows_done: done, rows_total: total, ...keys?.record() };
    // The last batch's record is what the step returns; the runner saves it.
    if (done < total) await ctx.checkpoint(record);
    progress(`${label}: ${done.toLocaleString('en-US')}/${rows(total)} written to ${shape.label}`, {
      task: `${label} → ${shape.label}`,
      done,
      total,
      unit: 'rows',
      elapsedMs: Date.now() - started,
      final: done >= total,
    });
  }
  if (Date.now() - started >= PROGRESS_INTERVAL_MS)
    ctx.logger.info(`${label}: ${rows(total)} written to ${shape.label} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { rows_done: done, rows_total: total, ...keys?.record() };
}

/** Checks every row; returns how many there are. Throws listing the first problems. */
async function checkRows(
  source: AsyncIterable<LocatedRow> | Iterable<LocatedRow>,
  shape: CollectionShape,
  mode: 'insert' | 'upsert',
  label: string,
): Promise<number> {
  let total = 0;
  const problems: string[] = [];
  let more = 0;
  for await (const r of source) {
    total++;
    const problem = rowProblem(r.row, shape, mode);
    if (!problem) continue;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(`  ${label} ${whereIs(r)}: ${problem}`);
    else more++;
  }
  if (problems.length) {
    const n = problems.length + more;
    throw new MigrateError(
      'invalid-input',
      `${n} row${n === 1 ? '' : 's'} of ${label} cannot be written to ${shape.label}; nothing was written:\n${problems.join('\n')}${more ? `\n  ... and ${more} more` : ''}`,
    );
  }
  if (total === 0) throw new MigrateError('invalid-input', `${label} holds no rows`);
  return total;
}

async function* skip<T>(items: AsyncIterable<T> | Iterable<T>, n: number): AsyncGenerator<T> {
  let i = 0;
  for await (const item of items) if (i++ >= n) yield item;
}

/** The primary keys an insert or upsert answered with (Int64 keys as decimal strings). */
export function idsOf(res: unknown): PkValue[] {
  const ids = (res as { IDs?: { int_id?: { data: (number | string)[] }; str_id?: { data: string[] } } }).IDs;
  return ids?.int_id?.data.map(String) ?? ids?.str_id?.data ?? [];
}
