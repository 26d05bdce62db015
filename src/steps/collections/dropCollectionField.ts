import type { DropCollectionFunctionReq } from '@zilliz/milvus2-sdk-node';
import * as z from 'zod';
import type { Milvus, MilvusMethod } from '../../milvus/client.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { collectionExists, describeCollection } from '../../milvus/reads/lookups.js';
import { defineStep, oneCollection } from '../types.js';
import { needCollection, needField } from '../expect.js';
import { collectionOf, fieldOf, label } from '../../schema/plan-model.js';

/**
 * Milvus drops a field of an existing collection from 3.0.0 on (release notes v3.0.0: "schema
 * supports online add / backfill / drop"; AlterCollectionSchema with a DropRequest,
 * milvus-io/milvus#48983). Older servers have no such call.
 */
export const DROP_FIELD_MIN_VERSION = '3.0.0';

/** The SDK method (Node SDK 3.x, docs `dropCollectionField()`); the installed 2.6.17 has none. */
const METHOD = 'dropCollectionField';

/**
 * The Node SDK 3.x request of `dropCollectionField` (`collection_name`, `field_name` or
 * `field_id`, `db_name`), declared here on the nearest type the installed SDK (2.6.17) has,
 * `DropCollectionFunctionReq` (same target, a function name instead of a field name).
 */
export type DropCollectionFieldReq = Omit<DropCollectionFunctionReq, 'function_name'> & { field_name: string };

const VECTOR_TYPES = ['FloatVector', 'Float16Vector', 'BFloat16Vector', 'BinaryVector', 'SparseFloatVector', 'Int8Vector'];

const params = z.object({ ...collectionTarget, field_name: milvusName }).strict();
type Params = z.infer<typeof params>;

/**
 * Drops a field and its data from an existing collection (Milvus 3.0+). Destructive: the
 * field's values are gone, so there is no inverse (adding the field again gives it no values).
 */
export const dropCollectionField = defineStep({
  name: 'dropCollectionField',
  params,
  destructive: true,
  touches: (p) => oneCollection(p),
  minVersion: DROP_FIELD_MIN_VERSION,
  describe: (p) => `drop field ${p.field_name} and its data from collection ${qualified(p)}`,
  expect({ model, reads }, p) {
    const found: string[] = [];
    if (reads && !hasMethod(reads)) {
      found.push(
        `dropCollectionField needs @zilliz/milvus2-sdk-node 3.x: the installed SDK has no ${METHOD} method (upgrade the SDK next to milvus-migrate)`,
      );
    }
    const { collection, problems } = needCollection(model, p);
    if (!collection) return [...found, ...problems];
    const missing = needField(model, p, collection, p.field_name);
    if (missing.length) return [...found, ...missing];
    const f = fieldOf(collection, p.field_name)!;
    const where = `field ${p.field_name} of ${label(model, p)}`;
    // What Milvus 3.0's proxy refuses to drop (milvus-io/milvus#48983).
    if (f.is_primary_key) found.push(`${where} is the primary key: Milvus cannot drop it`);
    if (f.is_partition_key) found.push(`${where} is the partition key: Milvus cannot drop it`);
    const vectors = collection.fields.filter((x) => VECTOR_TYPES.includes(x.data_type));
    if (vectors.length === 1 && vectors[0]!.name === f.name)
      found.push(`${where} is the collection's only vector field: Milvus cannot drop it`);
    return found;
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (!c || !fieldOf(c, p.field_name)) return;
    c.fields = c.fields.filter((f) => f.name !== p.field_name);
    // Milvus drops the field's indexes with it.
    for (const [name, ix] of Object.entries(c.indexes)) if (ix.field_name === p.field_name) delete c.indexes[name];
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist: the step will fail`];
    const { schema } = await describeCollection(milvus, p);
    return schema.fields.some((f) => f.name === p.field_name)
      ? []
      : [`collection ${qualified(p)} has no field ${p.field_name}: the step will fail`];
  },
  async run(ctx, p) {
    // A resumed step may have dropped it before the previous run stopped.
    if (ctx.resumed && !(await describeCollection(ctx.milvus, p)).schema.fields.some((f) => f.name === p.field_name)) return;
    // Not in the installed SDK's types: called by name (the preflight refused a client without it).
    await ctx.milvus.call(METHOD as MilvusMethod, dropFieldRequest(p) as never);
  },
  inverse: (p) => ({
    irreversible: `dropCollectionField: the values of ${p.field_name} in ${qualified(p)} are gone once it is dropped (add it again with addCollectionField and refill it)`,
  }),
});

/** The SDK's DropCollectionFieldReq for these params (exported for unit tests). */
export function dropFieldRequest(p: Params): DropCollectionFieldReq {
  return { collection_name: p.collection_name, field_name: p.field_name, ...dbOf(p) };
}

function hasMethod(milvus: Milvus): boolean {
  const client = (milvus as { client?: unknown }).client;
  return client === undefined || typeof (client as Record<string, unknown>)[METHOD] === 'function';
}
