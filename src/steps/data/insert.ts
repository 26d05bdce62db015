import { z } from 'zod';
import { collectionTarget, dbOf, milvusName, qualified } from '../params.js';
import { describeCollection, rows } from '../lookups.js';
import { defineStep } from '../types.js';

const params = z
  .object({
    ...collectionTarget,
    partition_name: milvusName.optional(),
    /** Rows inline, one map per row, field name → value (vectors as lists of numbers). */
    data: z.array(z.record(z.string(), z.unknown())).min(1, { error: 'needs at least one row' }),
  })
  .strict();

/**
 * Inserts rows (seed data, lookup tables). Records the primary keys Milvus assigned or received,
 * so the inverse deletes exactly these rows.
 */
export const insert = defineStep({
  name: 'insert',
  params,
  destructive: false,
  describe: (p) => `insert ${rows(p.data.length)} into ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''}`,
  async run(ctx, p) {
    // A resumed insert may already have landed before the previous run died; Milvus 2.3 keeps
    // duplicate primary keys, so upsert the same rows instead (same result when they are there).
    // With autoID keys there is no way to tell, and rows may be inserted twice.
    const res = await ctx.milvus.call(ctx.resumed ? 'upsert' : 'insert', {
      collection_name: p.collection_name,
      ...(p.partition_name ? { partition_name: p.partition_name } : {}),
      data: p.data,
      ...dbOf(p),
    } as never);
    const pk = (await describeCollection(ctx.milvus, p)).schema.fields.find((f) => f.is_primary_key);
    const idsOf = res.IDs as { int_id?: { data: (number | string)[] }; str_id?: { data: string[] } } | undefined;
    const ids: (number | string)[] = idsOf?.int_id?.data.map(Number) ?? idsOf?.str_id?.data ?? [];
    return { pk_field: pk?.name, ids };
  },
  inverse(p, recorded) {
    const ids = recorded?.ids as (string | number)[] | undefined;
    if (!recorded?.pk_field || !ids?.length) return { irreversible: 'the inserted primary keys were not recorded' };
    return {
      steps: [
        {
          step: 'delete',
          params: {
            collection_name: p.collection_name,
            ...(p.partition_name ? { partition_name: p.partition_name } : {}),
            filter: `${String(recorded.pk_field)} in ${JSON.stringify(ids)}`,
            ...dbOf(p),
          },
        },
      ],
      note: 'deletes the inserted rows by primary key',
    };
  },
});
