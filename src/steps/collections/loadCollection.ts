import * as z from 'zod';
import { waitForLoad } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { releaseCollection } from './releaseCollection.js';

const params = z.object({ ...collectionTarget, replica_number: z.number().int().positive().optional(), wait: flag }).strict();

/** Loads a collection and waits until it is fully loaded (Milvus needs an index on each vector field). */
export const loadCollection = defineStep({
  name: 'loadCollection',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  // Milvus (2.3) answers success to loading what is loaded and releasing what is released.
  repeatable: true,
  describe: (p) => `load collection ${qualified(p)}`,
  async run(ctx, p) {
    const target = { collection_name: p.collection_name, ...dbOf(p) };
    // Not the SDK's `loadCollection`: in 2.6.17 it polls on its own and sleeps 400 ms even after
    // the load completed; waitForLoad notices sooner.
    await ctx.milvus.call('loadCollectionAsync', { ...target, ...(p.replica_number ? { replica_number: p.replica_number } : {}) });
    if (p.wait !== false) await waitForLoad(ctx.milvus, target);
  },
  inverse: (p): InverseResult => ({ steps: [callOf(releaseCollection, { collection_name: p.collection_name, ...dbOf(p) })] }),
});
