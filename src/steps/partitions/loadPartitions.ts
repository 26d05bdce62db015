import * as z from 'zod';
import { waitForLoad } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag, milvusName } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { needCollection, needPartition } from '../expect.js';
import { releasePartitions } from './releasePartitions.js';

export const partitionsParams = z
  .object({
    ...collectionTarget,
    partition_names: z.array(milvusName).min(1, { error: 'needs at least one partition name' }),
    replica_number: z.number().int().positive().optional(),
    /** Wait until loaded (default true). */
    wait: flag,
  })
  .strict();

/** Loads partitions into memory and waits until they are queryable. */
export const loadPartitions = defineStep({
  name: 'loadPartitions',
  params: partitionsParams,
  destructive: false,
  touches: (p) => oneCollection(p),
  // Milvus (2.3) answers success to loading what is loaded and releasing what is released.
  repeatable: true,
  describe: (p) => `load partitions ${p.partition_names.join(', ')} of ${qualified(p)}`,
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    return collection ? p.partition_names.flatMap((name) => needPartition(model, p, collection, name)) : problems;
  },
  async run(ctx, p) {
    const req = { collection_name: p.collection_name, partition_names: p.partition_names, ...dbOf(p) };
    await ctx.milvus.call('loadPartitions', { ...req, ...(p.replica_number ? { replica_number: p.replica_number } : {}) });
    if (p.wait !== false) await waitForLoad(ctx.milvus, req);
  },
  inverse: (p): InverseResult => ({
    steps: [callOf(releasePartitions, { collection_name: p.collection_name, partition_names: p.partition_names, ...dbOf(p) })],
  }),
});
