import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { collectionExists, partitionNames, usesPartitionKey } from '../../milvus/reads/lookups.js';
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
  async preflight(ctx, p) {
    const planned = ctx.planned.collections.get(qualified(p));
    const partitionKey = planned
      ? planned.partitionKey
      : (await collectionExists(ctx.milvus, p)) && (await usesPartitionKey(ctx.milvus, p));
    // Milvus: "disable create partition if partition key mode is used".
    return partitionKey ? `collection ${qualified(p)} uses a partition key: Milvus does not allow creating partitions in it` : undefined;
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
