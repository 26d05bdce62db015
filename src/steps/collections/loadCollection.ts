import * as z from 'zod';
import { waitForLoad } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { needCollection } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { releaseCollection } from './releaseCollection.js';

const VECTOR = /Vector$/;

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
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    if (!collection) return problems;
    // Milvus (2.3) loads only a collection whose every vector field has an index.
    const bare = collection.fields.filter(
      (f) => VECTOR.test(f.data_type) && !Object.values(collection.indexes).some((ix) => ix.field_name === f.name),
    );
    return bare.length
      ? [
          `collection ${qualified(p)} has no index on ${bare.map((f) => f.name).join(', ')} at this point of the plan: Milvus loads a collection only when every vector field has one`,
        ]
      : [];
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (c) c.load_state = 'loaded';
  },
  async run(ctx, p) {
    const target = { collection_name: p.collection_name, ...dbOf(p) };
    // Not the SDK's `loadCollection`: in 2.6.17 it polls on its own and sleeps 400 ms even after
    // the load completed; waitForLoad notices sooner.
    await ctx.milvus.call('loadCollectionAsync', { ...target, ...(p.replica_number ? { replica_number: p.replica_number } : {}) });
    if (p.wait !== false) await waitForLoad(ctx.milvus, target);
  },
  inverse: (p): InverseResult => ({ steps: [callOf(releaseCollection, { collection_name: p.collection_name, ...dbOf(p) })] }),
});
