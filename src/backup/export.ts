/**
 * Taking a backup before a destructive step: every affected row, streamed page by page into a
 * gzip file, with a manifest; written under a `.partial` name, verified, then renamed. The step
 * deletes nothing until this has returned.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MigrateError } from '../errors.js';
import { loadState } from '../milvus/wait.js';
import { countRows, rows } from '../milvus/reads/lookups.js';
import { qualified } from '../milvus/reads/names.js';
import { ensureLoaded, pages, type ReadTarget } from '../milvus/reads/paging.js';
import { collectionShape } from '../milvus/reads/shape.js';
import { TOOL_VERSION } from '../version.js';
import {
  BACKUP_BATCH_SIZE,
  BACKUP_FORMAT,
  backupLeaf,
  canonicalLine,
  MANIFEST_FILE,
  PARTIAL_SUFFIX,
  ROWS_FILE,
  type BackupKind,
  type BackupManifest,
  type BackupRecord,
} from './format.js';
import { hashRowsFile, readManifest, verifyBackup } from './manifest.js';
import { cachingReads } from '../milvus/read-cache.js';
import { captureDefinition } from './schema.js';
import type { BackupContext } from './context.js';

/** What to back up. */
export interface BackupTarget {
  readonly kind: BackupKind;
  readonly collection_name: string;
  readonly db_name?: string | undefined;
  readonly partition_name?: string | undefined;
  readonly filter?: string | undefined;
}

/** The `backup` param of dropPartition, dropCollection and delete. */
export function wantsBackup(ctx: BackupContext, param: boolean | undefined): boolean {
  return param ?? ctx.backup?.byDefault ?? false;
}

/**
 * The backup a destructive step takes before it deletes anything, or `undefined` when none is
 * wanted. A resumed step whose backup was completed (and recorded) by the run that stopped reuses
 * it once it verifies; otherwise a new one is taken. The backup is checkpointed before returning,
 * so a run killed after the drop still knows where the rows went.
 */
export async function backupFirst(ctx: BackupContext, param: boolean | undefined, target: BackupTarget): Promise<BackupRecord | undefined> {
  if (!wantsBackup(ctx, param)) return undefined;
  const dir = backupDirOf(ctx);
  const previous = ctx.resumed ? (ctx.previous?.backup as BackupRecord | undefined) : undefined;
  if (previous) {
    const check = await verifyBackup(resolve(dir, previous.path), previous.sha256);
    if (check.ok) {
      ctx.logger.info(`reusing the backup taken by the interrupted run: ${previous.path} (${rows(previous.rows)})`);
      return previous;
    }
    ctx.logger.warn(`the backup taken by the interrupted run cannot be used (${check.problem}): taking a new one`);
  }
  const record = await exportBackup(ctx, target);
  await ctx.checkpoint({ backup: record });
  return record;
}

/** The absolute backup folder of a run (its default when none was configured). */
export function backupDirOf(ctx: Pick<BackupContext, 'backup'>): string {
  if (ctx.backup) return ctx.backup.dir;
  throw new MigrateError('invalid-input', 'no backup folder is configured for this run', {
    hint: 'set backupDir in milvus.config.yaml, or pass backup: { dir } to the Migrator',
  });
}

/** The folders of a target to read one after the other, as the manifest's segments. */
function segmentsOf(t: BackupTarget, partitions: readonly string[], partitionKey: boolean): (string | undefined)[] {
  if (t.kind === 'partition' || (t.kind === 'rows' && t.partition_name)) return [t.partition_name];
  if (t.kind === 'rows' || partitionKey) return [undefined];
  return ['_default', ...partitions];
}

/** Writes, verifies and renames a backup of `target`; returns what the step records. */
export async function exportBackup(ctx: BackupContext, target: BackupTarget): Promise<BackupRecord> {
  const { milvus, logger } = ctx;
  const root = backupDirOf(ctx);
  const coll = { collection_name: target.collection_name, ...(target.db_name ? { db_name: target.db_name } : {}) };
  const label = `${qualified(coll)}${target.partition_name ? ` partition ${target.partition_name}` : ''}${target.filter ? ` where ${target.filter}` : ''}`;
  // Both describe the collection: one describeCollection answers both.
  const described = cachingReads(milvus);
  const [shape, definition] = await Promise.all([collectionShape(described, coll), captureDefinition(described, coll)]);
  const state = await loadState(milvus, { ...coll, ...(target.kind === 'partition' ? { partition_names: [target.partition_name!] } : {}) });

  const leaf = backupLeaf({
    step: ctx.index,
    kind: target.kind,
    collection: target.collection_name,
    partition: target.partition_name,
    at: new Date(),
  });
  const folder = join(root, ctx.migration.name);
  const final = join(folder, leaf);
  const partial = `${final}${PARTIAL_SUFFIX}`;
  await mkdir(folder, { recursive: true });
  // Unfinished backups of this step left by a killed run are of no use to anyone.
  for (const old of await readdir(folder)) {
    if (old.startsWith(`step${ctx.index + 1}-`) && old.endsWith(PARTIAL_SUFFIX))
      await rm(join(folder, old), { recursive: true, force: true });
  }

  const loadedHere = await ensureLoaded(
    ctx,
    'backup',
    coll,
    target.kind === 'partition' || target.kind === 'rows' ? target.partition_name : undefined,
    qualified(coll),
  );
  try {
    await mkdir(partial, { recursive: true });
    const segments = segmentsOf(target, definition.partitions, definition.partitionKey);
    const reads = segments.map((partition): ReadTarget => ({ ...coll, ...(partition ? { partition_names: [partition] } : {}) }));
    // One Strong count: it waits until Milvus has every row written before; the pages after it
    // read with Bounded consistency, which then sees the same rows without waiting each time.
    const total = await countRows(milvus, coll, segments.length === 1 ? segments[0] : undefined, target.filter ?? '', 'Strong');
    logger.info(`backing up ${rows(total)} of ${label} to ${final}`);

    const hash = createHash('sha256');
    const gzip = createGzip();
    const written = pipeline(gzip, createWriteStream(join(partial, ROWS_FILE)));
    // Observed here, awaited below: a write error must not surface as an unhandled rejection.
    written.catch(() => {});
    const counts: number[] = [];
    const started = Date.now();
    let done = 0;
    try {
      for (const r of reads) {
        let n = 0;
        for await (const page of pages(milvus, r, shape.pk, target.filter, BACKUP_BATCH_SIZE)) {
          let text = '';
          for (const row of page) text += canonicalLine(row);
          hash.update(text);
          // Backpressure: one page in memory, not the whole partition queued in the gzip stream.
          if (!gzip.write(text)) await Promise.race([once(gzip, 'drain'), written]);
          n += page.length;
          done += page.length;
          // Structured, so that without a terminal it is printed every 10 s, not for every page.
          ctx.logger.progress?.(
            `backup ${label}: ${done.toLocaleString('en-US')}/${rows(total)} (${total ? Math.floor((done / total) * 100) : 100}%), ${((Date.now() - started) / 1000).toFixed(1)} s`,
            {
              task: `backup ${label}`,
              done,
              total,
              unit: 'rows',
              elapsedMs: Date.now() - started,
              final: done === total,
            },
          );
        }
        counts.push(n);
      }
      gzip.end();
      await written;
    } catch (err) {
      gzip.destroy(err as Error);
      await written.catch(() => {});
      throw err;
    }
    // Rows written while the backup ran may add to the count; fewer would mean a page was lost.
    if (done < total) {
      throw new MigrateError(
        'migration-failed',
        `the backup of ${label} read ${rows(done)} but Milvus counted ${rows(total)}: nothing was dropped`,
      );
    }

    // Verified by reading it back once: the rows on disk hash and count as they were written.
    const sha256 = hash.digest('hex');
    const fileHash = await hashRowsFile(join(partial, ROWS_FILE));
    if (fileHash.sha256 !== sha256 || fileHash.rows !== done) {
      throw new MigrateError(
        'migration-failed',
        `the backup of ${label} did not verify after writing (the rows file reads back differently): nothing was dropped`,
      );
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      kind: target.kind,
      ...(target.db_name ? { database: target.db_name } : {}),
      collection: target.collection_name,
      ...(target.partition_name ? { partition: target.partition_name } : {}),
      ...(target.filter ? { filter: target.filter } : {}),
      schema: definition.schema,
      segments: segments.map((partition, i) => ({ ...(partition ? { partition } : {}), rows: counts[i]! })),
      indexes: definition.indexes,
      loaded: state === 'LoadStateLoaded' || state === 'LoadStateLoading',
      aliases: definition.aliases,
      ...(definition.properties && Object.keys(definition.properties).length ? { properties: definition.properties } : {}),
      rows: done,
      sha256,
      fileSha256: fileHash.fileSha256,
      bytes: fileHash.bytes,
      createdAt: new Date().toISOString(),
      migration: ctx.migration.name,
      step: ctx.index,
      stepName: target.kind === 'rows' ? 'delete' : target.kind === 'partition' ? 'dropPartition' : 'dropCollection',
      toolVersion: TOOL_VERSION,
    };
    await writeFile(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    // The manifest reads back as a restore will read it.
    await readManifest(partial);
    await rename(partial, final);
    logger.info(`backed up ${rows(done)} of ${label} (${(manifest.bytes / 1024).toFixed(1)} KiB compressed) to ${final}`);
    if (definition.autoID)
      logger.warn(
        `${qualified(coll)} generates its primary keys (autoID): Milvus 2.3 takes no given keys for such a field, so restored rows will get new keys`,
      );
    return { path: `${ctx.migration.name}/${leaf}`, sha256: manifest.sha256, rows: done };
  } catch (err) {
    // Never leave a half-written backup behind: only a renamed folder is a backup.
    await rm(partial, { recursive: true, force: true });
    throw err;
  } finally {
    if (loadedHere) {
      // Put it back as it was; a drop that follows releases it anyway.
      const partition = target.kind === 'collection' ? undefined : target.partition_name;
      await (
        partition ? milvus.call('releasePartitions', { ...coll, partition_names: [partition] }) : milvus.call('releaseCollection', coll)
      ).catch((err: unknown) => logger.warn(`could not release ${label} again: ${(err as Error).message}`));
    }
  }
}
