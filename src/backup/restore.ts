/**
 * Restoring a backup: re-creates what was dropped (the collection with its schema, properties,
 * partitions and indexes, or the partition), writes every row back in batches, then reads them back to check the
 * count and the checksum, and puts the load state (and aliases) back as they were.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { MigrateError } from '../errors.js';
import type { Milvus } from '../milvus/client.js';
import { collectionExists, countRows, describeCollection, partitionNames, rows } from '../milvus/reads/lookups.js';
import { dbOf, qualified } from '../milvus/reads/names.js';
import { ensureLoaded, pages, type ReadTarget } from '../milvus/reads/paging.js';
import type { Row } from '../milvus/reads/shape.js';
import type { BackupContext } from './context.js';
import { backupDirOf } from './export.js';
import { BACKUP_BATCH_SIZE, canonicalLine, ROWS_FILE, type BackupManifest } from './format.js';
import { verifyBackup } from './manifest.js';
import { recreateCollection } from './schema.js';

/** What a restore saves after each batch: rows written so far (a resumed restore skips them). */
type RestoreProgress = { readonly restored: number };

/** The lines of a gzip-compressed text file, one at a time. */
async function* lines(file: string): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of gunzip) {
    rest += decoder.write(chunk as Buffer);
    let start = 0;
    for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n', start)) {
      yield rest.slice(start, i);
      start = i + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest) yield rest;
}

/** Restores the backup at `path` (relative to the backup dir); returns the rows written. */
export async function restoreBackup(ctx: BackupContext, ref: { path: string; sha256: string }): Promise<{ restored: number }> {
  const { milvus, logger } = ctx;
  const dir = resolve(backupDirOf(ctx), ref.path);
  const check = await verifyBackup(dir, ref.sha256);
  if (!check.ok) throw new MigrateError('invalid-input', `backup ${ref.path} cannot be restored: ${check.problem}; nothing was restored`);
  const m = check.manifest;
  const t = { collection_name: m.collection, ...(m.database ? { db_name: m.database } : {}) };
  const label = `${qualified(t)}${m.partition ? ` partition ${m.partition}` : ''}`;
  await prepareTarget(ctx, m, t);

  const desc = await describeCollection(milvus, t);
  const pk = desc.schema.fields.find((f) => f.is_primary_key);
  const autoID = Boolean(pk?.autoID);
  if (autoID)
    logger.warn(
      `${qualified(t)} generates its primary keys (autoID) and Milvus 2.3 takes no given keys for it: the restored rows get new keys`,
    );

  const previous = ctx.resumed ? Number((ctx.previous as RestoreProgress | undefined)?.restored ?? 0) : 0;
  if (previous) logger.info(`resuming: ${rows(previous)} were restored by the interrupted run`);
  logger.info(`restoring ${rows(m.rows)} of ${label} from ${dir}`);
  const hash = createHash('sha256');
  const input = lines(join(dir, ROWS_FILE));
  const started = Date.now();
  let done = 0;
  for (const segment of m.segments) {
    const partition = segment.partition ? { partition_name: segment.partition } : {};
    let batch: Row[] = [];
    const flush = async () => {
      if (!batch.length) return;
      // Upsert, so rows a killed restore wrote before its last checkpoint land once. An autoID
      // key cannot be given on 2.3 (insert refuses it, upsert rewrites it): those rows are inserted.
      await milvus.call(autoID ? 'insert' : 'upsert', { ...t, ...partition, data: batch } as never);
      done += batch.length;
      batch = [];
      await ctx.checkpoint({ restored: done } satisfies RestoreProgress);
      logger.progress?.(
        `restore ${label}: ${done.toLocaleString('en-US')}/${rows(m.rows)} (${m.rows ? Math.floor((done / m.rows) * 100) : 100}%), ${((Date.now() - started) / 1000).toFixed(1)} s`,
        {
          task: `restore ${label}`,
          done,
          total: m.rows,
          unit: 'rows',
          elapsedMs: Date.now() - started,
          final: done === m.rows,
        },
      );
    };
    for (let i = 0; i < segment.rows; i++) {
      const next = await input.next();
      if (next.done)
        throw new MigrateError(
          'migration-failed',
          `backup ${ref.path} ended after ${rows(done + batch.length)}; its manifest says ${rows(m.rows)}`,
        );
      hash.update(`${next.value}\n`);
      if (done + batch.length < previous) {
        done++;
        continue;
      }
      const row = JSON.parse(next.value) as Row;
      if (autoID && pk) delete row[pk.name];
      batch.push(row);
      if (batch.length >= BACKUP_BATCH_SIZE) await flush();
    }
    await flush();
  }
  if (hash.digest('hex') !== m.sha256)
    throw new MigrateError('migration-failed', `backup ${ref.path} changed while it was restored (checksum): check ${label}`);

  await checkRestored(ctx, m, t, label, autoID);
  if (m.kind === 'collection') await restoreAliases(ctx, m, t);
  logger.info(`restored ${rows(m.rows)} of ${label} from backup ${ref.path}`);
  return { restored: done };
}

/** Creates the collection or partition to restore into, when it is not there. */
async function prepareTarget(ctx: BackupContext, m: BackupManifest, t: { collection_name: string; db_name?: string }): Promise<void> {
  const { milvus } = ctx;
  const exists = await collectionExists(milvus, t);
  if (m.kind === 'collection') {
    if (!exists) return recreateCollection(milvus, m, t, ctx.logger);
    // A restore that was interrupted created it already; any other collection of that name is not ours to fill.
    // It may lack what that run had not done yet (properties, partitions, indexes): done now.
    if (ctx.resumed) return recreateCollection(milvus, m, t, ctx.logger, true);
    throw new MigrateError(
      'migration-failed',
      `collection ${qualified(t)} exists already: restoring the backup into it would mix its rows with others`,
      {
        hint: 'drop or rename that collection first, then run down again',
      },
    );
  }
  if (!exists)
    throw new MigrateError(
      'migration-failed',
      `collection ${qualified(t)} does not exist: the backup holds rows of it, not the collection itself`,
    );
  if (m.kind === 'partition' && !(await partitionNames(milvus, t)).includes(m.partition!)) {
    await milvus.call('createPartition', { ...t, partition_name: m.partition! });
  }
}

/**
 * Reads the restored rows back: their number, and for a partition or collection their checksum,
 * in the order of the backup (primary-key order, partition by partition). Then puts the load
 * state back as it was when the backup was taken.
 */
async function checkRestored(
  ctx: BackupContext,
  m: BackupManifest,
  t: { collection_name: string; db_name?: string },
  label: string,
  autoID: boolean,
): Promise<void> {
  const { milvus } = ctx;
  const partition = m.kind === 'collection' ? undefined : m.partition;
  const wasLoaded = m.kind === 'rows' ? undefined : m.loaded;
  const loadedHere = await ensureLoaded(ctx, 'restoreBackup', t, partition, qualified(t));
  try {
    const reads = m.segments.map((s): ReadTarget => ({ ...t, ...(s.partition ? { partition_names: [s.partition] } : {}) }));
    const count = await countRows(milvus, t, m.segments.length === 1 ? m.segments[0]!.partition : undefined, m.filter ?? '', 'Strong');
    const short = m.kind === 'rows' ? count < m.rows : count !== m.rows;
    if (short)
      throw new MigrateError(
        'migration-failed',
        `after the restore ${label} holds ${rows(count)}${m.filter ? ` matching ${m.filter}` : ''}; the backup holds ${rows(m.rows)}`,
      );
    // Rows added since (kind rows) or new autoID keys would change the checksum: count only.
    if (m.kind !== 'rows' && !autoID) {
      const pkField = m.schema.fields.find((f) => f.is_primary_key)!;
      const pk = { name: pkField.name, kind: pkField.data_type === 'VarChar' ? ('VarChar' as const) : ('Int64' as const) };
      const hash = createHash('sha256');
      for (const r of reads)
        for await (const page of pages(milvus, r, pk, undefined, BACKUP_BATCH_SIZE))
          for (const row of page) hash.update(canonicalLine(row));
      if (hash.digest('hex') !== m.sha256)
        throw new MigrateError('migration-failed', `the rows of ${label} read back after the restore do not match the backup's checksum`);
    }
  } finally {
    const release = wasLoaded === false || (wasLoaded === undefined && loadedHere);
    if (release) await releaseAgain(milvus, t, partition, ctx);
  }
}

async function releaseAgain(
  milvus: Milvus,
  t: { collection_name: string; db_name?: string },
  partition: string | undefined,
  ctx: BackupContext,
): Promise<void> {
  await (partition ? milvus.call('releasePartitions', { ...t, partition_names: [partition] }) : milvus.call('releaseCollection', t)).catch(
    (err: unknown) => ctx.logger.warn(`could not release ${qualified(t)} again: ${(err as Error).message}`),
  );
}

/** Aliases that pointed at a dropped collection and point nowhere now are created again. */
async function restoreAliases(ctx: BackupContext, m: BackupManifest, t: { collection_name: string; db_name?: string }): Promise<void> {
  if (!m.aliases.length) return;
  const current = new Set((await describeCollection(ctx.milvus, t)).aliases ?? []);
  for (const alias of m.aliases) {
    if (current.has(alias)) continue;
    await ctx.milvus
      .call('createAlias', { collection_name: t.collection_name, alias, ...dbOf(t) })
      .then(() => ctx.logger.info(`alias ${alias} points at ${qualified(t)} again`))
      .catch((err: unknown) => ctx.logger.warn(`alias ${alias} was not created again: ${(err as Error).message}`));
  }
}
