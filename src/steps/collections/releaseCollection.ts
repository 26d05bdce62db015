import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { collectionMustExist } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { loadCollection } from './loadCollection.js';

const params = z.object(collectionTarget).strict();

/** Releases a collection from memory (data stays). */
export const releaseCollection = defineStep({
  name: 'releaseCollection',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  // Milvus (2.3) answers success to loading what is loaded and releasing what is released.
  repeatable: true,
  describe: (p) => `release collection ${qualified(p)}`,
  expect: (ctx, p) => collectionMustExist(ctx, p),
  effect(model, p) {
    const c = collectionOf(model, p);
    if (c) c.load_state = 'released';
  },
  async run(ctx, p) {
    await ctx.milvus.call('releaseCollection', { collection_name: p.collection_name, ...dbOf(p) });
  },
  inverse: (p): InverseResult => ({ steps: [callOf(loadCollection, { collection_name: p.collection_name, ...dbOf(p) })] }),
});
