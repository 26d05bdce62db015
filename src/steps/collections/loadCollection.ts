import { z } from 'zod';
import { waitForLoad } from '../../milvus/wait.js';
import { collectionTarget, dbOf, flag, qualified } from '../params.js';
import { defineStep } from '../types.js';

const params = z.object({ ...collectionTarget, replica_number: z.number().int().positive().optional(), wait: flag }).strict();

/** Loads a collection and waits until it is fully loaded (Milvus needs an index on each vector field). */
export const loadCollection = defineStep({
  name: 'loadCollection',
  params,
  destructive: false,
  describe: (p) => `load collection ${qualified(p)}`,
  async run(ctx, p) {
    const target = { collection_name: p.collection_name, ...dbOf(p) };
    await ctx.milvus.call('loadCollection', { ...target, ...(p.replica_number ? { replica_number: p.replica_number } : {}) });
    if (p.wait !== false) await waitForLoad(ctx.milvus, target);
  },
  inverse: (p) => ({ steps: [{ step: 'releaseCollection', params: { collection_name: p.collection_name, ...dbOf(p) } }] }),
});
