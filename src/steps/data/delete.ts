import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag, milvusName } from '../params.js';
import { backupFirst } from '../../backup/export.js';
import type { BackupRecord } from '../../backup/format.js';
import { restoreFrom } from '../backups/restoreBackup.js';
import { defineStep, oneCollection } from '../types.js';
import { needCollection, needPartition } from '../expect.js';
import { collectionExists, countRows, partitionNames, rows } from '../../milvus/reads/lookups.js';
import { loadState } from '../../milvus/wait.js';

const params = z
  .object({
    ...collectionTarget,
    partition_name: milvusName.optional(),
    /** Boolean expression selecting the rows to delete, e.g. `id in [1, 2]` or `year < 2020`. */
    filter: z.string().min(1, { error: 'must not be empty' }),
    /** Back up the matching rows first; the derived `down` then writes them back. */
    backup: flag,
  })
  .strict();

/** Longest filter shown in full in plans and logs (the inverse of a large insert lists its keys). */
const MAX_SHOWN_FILTER = 200;

function shorten(filter: string): string {
  return filter.length <= MAX_SHOWN_FILTER
    ? filter
    : `${filter.slice(0, MAX_SHOWN_FILTER - 1)}… (${filter.length.toLocaleString('en-US')} characters)`;
}

/**
 * Deletes the rows matching a filter. Deletes data, so it is destructive; with `backup: true` the
 * rows are backed up first and its inverse writes them back (upserted), otherwise it has none.
 */
export const deleteRows = defineStep({
  name: 'delete',
  params,
  destructive: true,
  backsUp: true,
  touches: (p) => oneCollection(p),
  describe: (p) =>
    `delete rows of ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''} where ${shorten(p.filter)}${p.backup ? ' (backed up first)' : ''}`,
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    return collection && p.partition_name ? needPartition(model, p, collection, p.partition_name) : problems;
  },
  async facts(milvus, p) {
    // Only what can be counted now: not a collection or partition an earlier step creates, and
    // not a released one (Milvus counts loaded ones only).
    if (!(await collectionExists(milvus, p))) return [];
    if (p.partition_name && !(await partitionNames(milvus, p)).includes(p.partition_name)) return [];
    const state = await loadState(milvus, {
      collection_name: p.collection_name,
      ...(p.partition_name ? { partition_names: [p.partition_name] } : {}),
      ...dbOf(p),
    });
    if (state !== 'LoadStateLoaded') return [];
    return [`matches ${rows(await countRows(milvus, p, p.partition_name, p.filter, 'Strong'))} now`];
  },
  async run(ctx, p) {
    // A resumed delete reuses the backup the stopped run recorded, taken before it deleted anything.
    const backup = await backupFirst(ctx, p.backup, {
      kind: 'rows',
      collection_name: p.collection_name,
      db_name: p.db_name,
      partition_name: p.partition_name,
      filter: p.filter,
    });
    await ctx.milvus.call('delete', {
      collection_name: p.collection_name,
      ...(p.partition_name ? { partition_name: p.partition_name } : {}),
      filter: p.filter,
      ...dbOf(p),
    } as never);
    return backup ? { backup } : undefined;
  },
  inverse: (p, recorded) =>
    recorded?.backup
      ? restoreFrom({ collection_name: p.collection_name, db_name: p.db_name }, recorded.backup as BackupRecord)
      : {
          irreversible: `delete ${qualified(p)} where ${shorten(p.filter)} removes rows; there is no backup to restore them from (use backup: true)`,
        },
});
