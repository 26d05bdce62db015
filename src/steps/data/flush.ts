import * as z from 'zod';
import { pollUntil } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { dbName, milvusName } from '../params.js';
import { collectionExists } from '../../milvus/reads/lookups.js';
import { defineStep } from '../types.js';
import { needCollection } from '../expect.js';

const params = z
  .object({
    collection_names: z.array(milvusName).min(1, { error: 'needs at least one collection name' }),
    db_name: dbName,
  })
  .strict();

/**
 * Seals the collections' growing segments and waits until Milvus has persisted them, e.g. before
 * a backup or a bulk step that reads persisted segments. Changes no data: its inverse is empty.
 *
 * It does not use the SDK's `flushSync`: SDK 2.6.17 never checks Flush's status there, so a
 * flush that failed (e.g. a missing collection on Milvus 2.3.5) reports `flushed: true`. This step
 * checks Flush's answer, then polls GetFlushState for the segments it sealed, as flushSync does.
 */
export const flush = defineStep({
  name: 'flush',
  params,
  destructive: false,
  touches: (p) => ({ collections: p.collection_names.map((name) => ({ name, db_name: p.db_name })) }),
  // Flushing again seals nothing new.
  repeatable: true,
  describe: (p) =>
    `flush collection${p.collection_names.length === 1 ? '' : 's'} ${p.collection_names.map((c) => qualified({ ...p, collection_name: c })).join(', ')}`,
  expect: ({ model }, p) => p.collection_names.flatMap((c) => needCollection(model, { collection_name: c, db_name: p.db_name }).problems),
  async facts(milvus, p) {
    const facts: string[] = [];
    for (const c of p.collection_names) {
      const t = { collection_name: c, ...dbOf(p) };
      if (!(await collectionExists(milvus, t))) facts.push(`collection ${qualified(t)} does not exist: the step will fail`);
    }
    return facts;
  },
  async run(ctx, p) {
    const res = await ctx.milvus.call('flush', { collection_names: p.collection_names, ...dbOf(p) });
    const segmentIDs = Object.values((res.coll_segIDs ?? {}) as Record<string, { data?: unknown[] }>).flatMap((s) => s.data ?? []);
    if (segmentIDs.length === 0) return;
    await pollUntil(
      `flush of ${p.collection_names.join(', ')}`,
      async () => ({ done: Boolean((await ctx.milvus.call('getFlushState', { segmentIDs: segmentIDs as number[] })).flushed) }),
      { milvus: ctx.milvus },
    );
  },
  inverse: () => ({ steps: [] }),
});
