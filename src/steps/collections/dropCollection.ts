import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import { loadState } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag } from '../params.js';
import { collectionExists, rowsAtStake, describeCollection } from '../../milvus/reads/lookups.js';
import { defineStep, oneCollection } from '../types.js';
import { needCollection, skippable } from '../expect.js';
import { removeCollection, resolvedName } from '../../schema/plan-model.js';
import { backupFirst } from '../../backup/export.js';
import type { BackupRecord } from '../../backup/format.js';
import { restoreFrom } from '../backups/restoreBackup.js';

const params = z
  .object({
    ...collectionTarget,
    if_exists: flag,
    /** Back up the schema, indexes, load state and every row first; the derived `down` then restores them. */
    backup: flag,
  })
  .strict();

/**
 * Drops a collection and all its data. Without a backup it cannot be undone, so a migration
 * that contains it has no derived `down`; with `backup: true` its `down` re-creates it from the
 * backup. Milvus answers success for a missing collection, so the step checks first.
 */
export const dropCollection = defineStep({
  name: 'dropCollection',
  params,
  destructive: true,
  backsUp: true,
  touches: (p) => oneCollection(p),
  describe: (p) => `drop collection ${qualified(p)} and all its data${p.backup ? ' (backed up first)' : ''}`,
  expect: ({ model }, p) => (p.if_exists ? [] : skippable(needCollection(model, p).problems, 'collection')),
  effect: (model, p) => removeCollection(model, { ...p, collection_name: resolvedName(model, p) }),
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`does not exist${p.if_exists ? ': no-op (if_exists)' : ': the step will fail'}`];
    const facts = [`${await rowsAtStake(milvus, p)}, ${p.backup ? 'backed up first' : 'deleted for good'}`];
    const state = await loadState(milvus, { collection_name: p.collection_name, ...dbOf(p) });
    if (state === 'LoadStateLoaded') facts.push('loaded');
    const aliases = (await describeCollection(milvus, p)).aliases;
    // Milvus 2.3 drops a collection that has aliases (2.5.5+ refuses).
    if (aliases.length) facts.push(`aliases pointing at it: ${aliases.join(', ')}`);
    return facts;
  },
  async run(ctx, p) {
    if (!(await collectionExists(ctx.milvus, p))) {
      // A resumed step may have dropped it before the previous run stopped, after its backup.
      const backedUp = ctx.resumed ? ctx.previous?.backup : undefined;
      if (backedUp) return { backup: backedUp };
      if (p.if_exists || ctx.resumed) return { skipped: true };
      throw new MilvusCallError('dropCollection', `collection ${qualified(p)} does not exist`, undefined, {
        hint: 'use if_exists: true to skip a missing collection',
      });
    }
    const backup = await backupFirst(ctx, p.backup, { kind: 'collection', collection_name: p.collection_name, db_name: p.db_name });
    await ctx.milvus.call('dropCollection', { collection_name: p.collection_name, ...dbOf(p) });
    return backup ? { backup } : undefined;
  },
  inverse: (p, recorded) => {
    if (recorded?.skipped) return { steps: [] };
    if (recorded?.backup) return restoreFrom(p, recorded.backup as BackupRecord);
    return { irreversible: `dropCollection ${qualified(p)} deletes its data; there is no backup to restore it from` };
  },
});
