import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import { loadState } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag, milvusName } from '../params.js';
import { collectionExists, partitionNames, rowsAtStake } from '../../milvus/reads/lookups.js';
import { needCollection, needPartition, partitionKeyProblem, skippable } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { createPartition } from './createPartition.js';
import { backupFirst } from '../../backup/export.js';
import type { BackupRecord } from '../../backup/format.js';
import { restoreFrom } from '../backups/restoreBackup.js';

export const DEFAULT_PARTITION = '_default';

const params = z
  .object({
    ...collectionTarget,
    partition_name: milvusName,
    /** Skip quietly when the partition (or its collection) does not exist. */
    if_exists: flag,
    /** Back up every row first; the derived `down` then restores them. */
    backup: flag,
  })
  .strict();

/**
 * Drops a partition and every row in it: the step this project started from.
 * Milvus refuses to drop a loaded partition, so a loaded one is released first; and Milvus
 * answers success to dropping a partition that does not exist, so the step checks itself.
 */
export const dropPartition = defineStep({
  name: 'dropPartition',
  params,
  destructive: true,
  backsUp: true,
  touches: (p) => oneCollection(p),
  describe: (p) => `drop partition ${p.partition_name} of ${qualified(p)} and all its rows${p.backup ? ' (backed up first)' : ''}`,
  check(p) {
    if (p.partition_name === DEFAULT_PARTITION) {
      return [['partition_name', `the ${DEFAULT_PARTITION} partition cannot be dropped (Milvus keeps it for every collection)`]];
    }
    return [];
  },
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    if (!collection) return p.if_exists ? [] : skippable(problems, 'partition');
    const keyed = partitionKeyProblem(model, p, collection, 'Milvus manages its partitions and none can be dropped');
    if (keyed.length || p.if_exists) return keyed;
    return skippable(needPartition(model, p, collection, p.partition_name), 'partition');
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (c) c.partitions = c.partitions.filter((x) => x !== p.partition_name);
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p)))
      return [`collection ${qualified(p)} does not exist${p.if_exists ? ': no-op (if_exists)' : ': the step will fail'}`];
    if (!(await partitionNames(milvus, p)).includes(p.partition_name)) {
      return [`partition does not exist${p.if_exists ? ': no-op (if_exists)' : ': the step will fail'}`];
    }
    const facts = [`${await rowsAtStake(milvus, p)}, ${p.backup ? 'backed up first' : 'deleted for good'}`];
    const state = await loadState(milvus, { collection_name: p.collection_name, partition_names: [p.partition_name], ...dbOf(p) });
    if (state === 'LoadStateLoaded' || state === 'LoadStateLoading') facts.push('loaded: will be released first');
    return facts;
  },
  async run(ctx, p) {
    const { milvus } = ctx;
    const exists = (await collectionExists(milvus, p)) && (await partitionNames(milvus, p)).includes(p.partition_name);
    if (!exists) {
      // A resumed step may have dropped it before the previous run stopped, after its backup.
      const backedUp = ctx.resumed ? ctx.previous?.backup : undefined;
      if (backedUp) return { backup: backedUp };
      if (p.if_exists || ctx.resumed) return { skipped: true };
      throw new MilvusCallError('dropPartition', `partition ${p.partition_name} does not exist in collection ${qualified(p)}`, undefined, {
        hint: 'use if_exists: true to skip a missing partition',
      });
    }
    const backup = await backupFirst(ctx, p.backup, {
      kind: 'partition',
      collection_name: p.collection_name,
      db_name: p.db_name,
      partition_name: p.partition_name,
    });
    const target = { collection_name: p.collection_name, ...dbOf(p) };
    const state = await loadState(milvus, { ...target, partition_names: [p.partition_name] });
    if (state !== 'LoadStateNotLoad') {
      // Milvus 2.3 refuses: "partition cannot be dropped, partition is loaded, please release it first".
      ctx.logger.info(`releasing loaded partition ${p.partition_name} before dropping it`);
      await milvus.call('releasePartitions', { ...target, partition_names: [p.partition_name] });
    }
    await milvus.call('dropPartition', { ...target, partition_name: p.partition_name });
    return { released: state !== 'LoadStateNotLoad', ...(backup ? { backup } : {}) };
  },
  inverse(p, recorded): InverseResult {
    if (recorded?.skipped) return { steps: [] };
    if (recorded?.backup) return restoreFrom(p, recorded.backup as BackupRecord);
    return {
      steps: [callOf(createPartition, { collection_name: p.collection_name, partition_name: p.partition_name, ...dbOf(p) })],
      note: 're-creates the partition empty: its rows are not restored',
    };
  },
});
