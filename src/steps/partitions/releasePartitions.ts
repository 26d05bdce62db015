import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { needCollection, needPartition } from '../expect.js';
import { loadPartitions } from './loadPartitions.js';

const params = z
  .object({ ...collectionTarget, partition_names: z.array(milvusName).min(1, { error: 'needs at least one partition name' }) })
  .strict();

/** Releases partitions from memory. Data stays; searches on them stop working. */
export const releasePartitions = defineStep({
  name: 'releasePartitions',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  // Milvus (2.3) answers success to loading what is loaded and releasing what is released.
  repeatable: true,
  describe: (p) => `release partitions ${p.partition_names.join(', ')} of ${qualified(p)}`,
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    return collection ? p.partition_names.flatMap((name) => needPartition(model, p, collection, name)) : problems;
  },
  async run(ctx, p) {
    await ctx.milvus.call('releasePartitions', { collection_name: p.collection_name, partition_names: p.partition_names, ...dbOf(p) });
  },
  inverse: (p): InverseResult => ({
    steps: [callOf(loadPartitions, { collection_name: p.collection_name, partition_names: p.partition_names, ...dbOf(p) })],
  }),
});
