import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { collectionExists, partitionNames } from '../../milvus/reads/lookups.js';
import { maxPartitions, needCollection, partitionKeyProblem } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { DEFAULT_PARTITION, dropPartition } from './dropPartition.js';

const params = z.object({ ...collectionTarget, partition_name: milvusName }).strict();

/** Creates a partition. Milvus answers success when it already exists, so re-running is safe. */
export const createPartition = defineStep({
  name: 'createPartition',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  // Milvus (2.3) answers success to creating an existing partition.
  repeatable: true,
  describe: (p) => `create partition ${p.partition_name} in ${qualified(p)}`,
  check(p) {
    return p.partition_name === DEFAULT_PARTITION ? [['partition_name', `${DEFAULT_PARTITION} always exists and cannot be created`]] : [];
  },
  expect({ model, serverVersion }, p) {
    const { collection, problems } = needCollection(model, p);
    if (!collection) return problems;
    // Milvus: "disable create partition if partition key mode is used".
    const keyed = partitionKeyProblem(model, p, collection, 'Milvus does not allow creating partitions in it');
    if (keyed.length || collection.partitions.includes(p.partition_name)) return keyed;
    const max = maxPartitions(serverVersion);
    if (collection.partitions.length >= max) {
      return [
        `collection ${qualified(p)} will hold ${collection.partitions.length} partitions: Milvus allows at most ${max} (rootCoord.maxPartitionNum)`,
      ];
    }
    return [];
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (c && !c.partitions.includes(p.partition_name)) c.partitions = [...c.partitions, p.partition_name].sort();
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist yet`];
    return (await partitionNames(milvus, p)).includes(p.partition_name) ? ['already exists: no-op'] : [];
  },
  async run(ctx, p) {
    await ctx.milvus.call('createPartition', { collection_name: p.collection_name, partition_name: p.partition_name, ...dbOf(p) });
  },
  inverse: (p): InverseResult => ({
    steps: [callOf(dropPartition, { collection_name: p.collection_name, partition_name: p.partition_name, ...dbOf(p) })],
  }),
});
