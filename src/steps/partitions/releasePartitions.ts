import * as z from 'zod';
import { collectionTarget, dbOf, milvusName, qualified } from '../params.js';
import { callOf, defineStep, type InverseResult } from '../types.js';
import { loadPartitions } from './loadPartitions.js';

const params = z
  .object({ ...collectionTarget, partition_names: z.array(milvusName).min(1, { error: 'needs at least one partition name' }) })
  .strict();

/** Releases partitions from memory. Data stays; searches on them stop working. */
export const releasePartitions = defineStep({
  name: 'releasePartitions',
  params,
  destructive: false,
  // Milvus (2.3) answers success to loading what is loaded and releasing what is released.
  repeatable: true,
  describe: (p) => `release partitions ${p.partition_names.join(', ')} of ${qualified(p)}`,
  async run(ctx, p) {
    await ctx.milvus.call('releasePartitions', { collection_name: p.collection_name, partition_names: p.partition_names, ...dbOf(p) });
  },
  inverse: (p): InverseResult => ({
    steps: [callOf(loadPartitions, { collection_name: p.collection_name, partition_names: p.partition_names, ...dbOf(p) })],
  }),
});
