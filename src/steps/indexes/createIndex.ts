import * as z from 'zod';
import { waitForIndex } from '../../milvus/wait.js';
import { collectionTarget, dbOf, flag, milvusName, qualified } from '../params.js';
import { callOf, defineStep, type InverseResult } from '../types.js';
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

/** The SDK request for an index spec (shared with createCollection's `index_params`). */
export function indexRequest(p: Omit<CreateIndexParams, 'wait'>) {
  return {
    collection_name: p.collection_name,
    field_name: p.field_name,
    ...(p.index_name ? { index_name: p.index_name } : {}),
    ...(p.index_type ? { index_type: p.index_type } : {}),
    ...(p.metric_type ? { metric_type: p.metric_type } : {}),
    ...(p.params ? { params: p.params } : {}),
    ...dbOf(p),
  };
}

/**
 * An index as `describeIndex` lists it, as params to build it again: index_type, metric_type and
 * the build params, which Milvus (2.3) gives JSON-encoded under `params`.
 */
export function indexSpecOf(d: { index_name?: string; field_name: string; params: readonly { key: string; value: string | number }[] }) {
  const { index_type, metric_type, params: raw, ...rest } = Object.fromEntries(d.params.map((x) => [x.key, x.value])) as Record<string, string>;
  const params = raw ? (JSON.parse(raw) as Record<string, string | number>) : rest;
  return {
    field_name: d.field_name,
    ...(d.index_name ? { index_name: d.index_name } : {}),
    ...(index_type ? { index_type } : {}),
    ...(metric_type ? { metric_type } : {}),
    ...(Object.keys(params).length ? { params } : {}),
  };
}

/** Builds an index and waits until Milvus reports it finished. */
export const createIndex = defineStep({
  name: 'createIndex',
  params,
  destructive: false,
  describe: (p) => `create ${p.index_type ?? 'AUTOINDEX'} index${p.index_name ? ` ${p.index_name}` : ''} on ${qualified(p)}.${p.field_name}`,
  async run(ctx, p) {
    await ctx.milvus.call('createIndex', indexRequest(p) as never);
    if (p.wait !== false) {
      await waitForIndex(ctx.milvus, { collection_name: p.collection_name, field_name: p.field_name, ...(p.index_name ? { index_name: p.index_name } : {}), ...dbOf(p) });
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
