import * as z from 'zod';
import { waitForIndex } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { indexRequest } from '../../milvus/reads/index-spec.js';
import { collectionTarget, flag, milvusName } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { needCollection, needField } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { dropIndex } from './dropIndex.js';

export const indexSpec = {
  field_name: milvusName,
  index_name: milvusName.optional(),
  index_type: z.string().min(1).optional(),
  metric_type: z.string().min(1).optional(),
  /** Index build params, e.g. `{ nlist: 128 }`. */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
};

const params = z.object({ ...collectionTarget, ...indexSpec, wait: flag }).strict();
export type CreateIndexParams = z.infer<typeof params>;

/** Builds an index and waits until Milvus reports it finished. */
export const createIndex = defineStep({
  name: 'createIndex',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  describe: (p) =>
    `create ${p.index_type ?? 'AUTOINDEX'} index${p.index_name ? ` ${p.index_name}` : ''} on ${qualified(p)}.${p.field_name}`,
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    return collection ? needField(model, p, collection, p.field_name) : problems;
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (!c) return;
    c.indexes[p.index_name ?? p.field_name] = {
      field_name: p.field_name,
      index_type: p.index_type ?? 'AUTOINDEX',
      ...(p.metric_type ? { metric_type: p.metric_type } : {}),
      ...(p.params ? { params: Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, String(v)])) } : {}),
    };
  },
  async run(ctx, p) {
    await ctx.milvus.call('createIndex', indexRequest(p) as never);
    if (p.wait !== false) {
      await waitForIndex(ctx.milvus, {
        collection_name: p.collection_name,
        field_name: p.field_name,
        ...(p.index_name ? { index_name: p.index_name } : {}),
        ...dbOf(p),
      });
    }
  },
  inverse: (p): InverseResult => ({
    steps: [
      callOf(dropIndex, {
        collection_name: p.collection_name,
        field_name: p.field_name,
        ...(p.index_name ? { index_name: p.index_name } : {}),
        ...dbOf(p),
      }),
    ],
  }),
});
