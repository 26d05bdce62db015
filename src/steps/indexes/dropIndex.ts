import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { needCollection } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import type { CollectionSchema } from '../../schema/model.js';

const matching = (c: CollectionSchema, p: { field_name: string; index_name?: string | undefined }) =>
  Object.entries(c.indexes).filter(([name, ix]) => ix.field_name === p.field_name && (!p.index_name || name === p.index_name));
import { indexSpecOf } from '../../milvus/reads/index-spec.js';
import { createIndex } from './createIndex.js';

const params = z.object({ ...collectionTarget, field_name: milvusName, index_name: milvusName.optional() }).strict();

/**
 * Drops an index (no rows are lost, so not destructive). Records the index's type, metric and
 * params first so that its inverse can build the same index again.
 */
export const dropIndex = defineStep({
  name: 'dropIndex',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  describe: (p) => `drop index${p.index_name ? ` ${p.index_name}` : ''} on ${qualified(p)}.${p.field_name}`,
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    if (!collection || matching(collection, p).length) return problems;
    const indexes = Object.entries(collection.indexes).map(([name, ix]) => `${name} on ${ix.field_name}`);
    return [
      `collection ${qualified(p)} has no index${p.index_name ? ` ${p.index_name}` : ''} on ${p.field_name} (indexes: ${indexes.join(', ') || 'none'})`,
    ];
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (c) for (const [name] of matching(c, p)) delete c.indexes[name];
  },
  async run(ctx, p) {
    const target = { collection_name: p.collection_name, ...dbOf(p) };
    const desc = await ctx.milvus.call('describeIndex', {
      ...target,
      field_name: p.field_name,
      ...(p.index_name ? { index_name: p.index_name } : {}),
    });
    const index = desc.index_descriptions.find((d) => d.field_name === p.field_name && (!p.index_name || d.index_name === p.index_name));
    const spec = index ? indexSpecOf(index) : undefined;
    await ctx.milvus.call('dropIndex', { ...target, field_name: p.field_name, ...(p.index_name ? { index_name: p.index_name } : {}) });
    return { index_name: index?.index_name, index_type: spec?.index_type, metric_type: spec?.metric_type, params: spec?.params ?? {} };
  },
  inverse(p, recorded): InverseResult {
    if (!recorded) return { irreversible: 'the dropped index was not recorded' };
    // What run() returned above, read back from the state.
    const r = recorded as { index_name?: string; index_type?: string; metric_type?: string; params?: Record<string, string | number> };
    const params = r.params;
    return {
      steps: [
        callOf(createIndex, {
          collection_name: p.collection_name,
          field_name: p.field_name,
          ...(r.index_name ? { index_name: r.index_name } : {}),
          ...(r.index_type ? { index_type: r.index_type } : {}),
          ...(r.metric_type ? { metric_type: r.metric_type } : {}),
          ...(params && Object.keys(params).length ? { params } : {}),
          ...dbOf(p),
        }),
      ],
    };
  },
});
