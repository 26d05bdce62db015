import { z } from 'zod';
import { collectionTarget, dbOf, milvusName, qualified } from '../params.js';
import { defineStep } from '../types.js';

const params = z
  .object({
    ...collectionTarget,
    partition_name: milvusName.optional(),
    /** Boolean expression selecting the rows to delete, e.g. `id in [1, 2]` or `year < 2020`. */
    filter: z.string().min(1, { error: 'must not be empty' }),
  })
  .strict();

/** Longest filter shown in full in plans and logs (the inverse of a large insert lists its keys). */
const MAX_SHOWN_FILTER = 200;

function shorten(filter: string): string {
  return filter.length <= MAX_SHOWN_FILTER ? filter : `${filter.slice(0, MAX_SHOWN_FILTER - 1)}… (${filter.length.toLocaleString('en-US')} characters)`;
}

/** Deletes the rows matching a filter. Deletes data, so it is destructive and has no inverse. */
export const deleteRows = defineStep({
  name: 'delete',
  params,
  destructive: true,
  describe: (p) => `delete rows of ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''} where ${shorten(p.filter)}`,
  async facts(milvus, p) {
    const res = await milvus.client.count({ collection_name: p.collection_name, expr: p.filter, ...dbOf(p) } as never).catch(() => undefined);
    return res && typeof (res as { data?: unknown }).data === 'number' ? [`matches ${(res as { data: number }).data} rows now`] : [];
  },
  async run(ctx, p) {
    await ctx.milvus.call('delete', {
      collection_name: p.collection_name,
      ...(p.partition_name ? { partition_name: p.partition_name } : {}),
      filter: p.filter,
      ...dbOf(p),
    } as never);
  },
});
