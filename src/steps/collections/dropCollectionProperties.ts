import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget } from '../params.js';
import { collectionExists } from '../../milvus/reads/lookups.js';
import { defineStep, oneCollection } from '../types.js';
import { collectionMustExist } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { currentProperties, isPropertiesBefore, propertiesBefore, propertyChange, restoreProperties } from './alterCollectionProperties.js';

/**
 * Oldest Milvus that drops collection properties: 2.5.0 sends the keys as AlterCollection's
 * `delete_keys`. Milvus 2.3.5 refuses ("only support alter collection properties, but collection
 * properties is empty"); some late 2.4 releases have it too, but which ones is not verified.
 */
export const DROP_PROPERTIES_MIN_VERSION = '2.5.0';

const params = z
  .object({
    ...collectionTarget,
    /** The keys to remove, e.g. `[collection.ttl.seconds]` (the SDK's field name; pymilvus calls it `property_keys`). */
    properties: z.array(z.string().min(1)).min(1, { error: 'needs at least one property key' }),
  })
  .strict();

/**
 * Removes collection properties, so Milvus falls back to its defaults. Records the values the
 * keys had, so its inverse sets them again.
 */
export const dropCollectionProperties = defineStep({
  name: 'dropCollectionProperties',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  minVersion: DROP_PROPERTIES_MIN_VERSION,
  describe: (p) => `remove ${p.properties.join(', ')} from collection ${qualified(p)}`,
  expect: (ctx, p) => collectionMustExist(ctx, p),
  effect(model, p) {
    const c = collectionOf(model, p);
    if (!c?.properties) return;
    const left = Object.entries(c.properties).filter(([k]) => !p.properties.includes(k));
    if (left.length) c.properties = Object.fromEntries(left);
    else delete c.properties;
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist: the step will fail`];
    const current = await currentProperties(milvus, p);
    return p.properties.map((k) => (k in current ? propertyChange(k, current[k], undefined) : `${k}: not set`));
  },
  async run(ctx, p) {
    // A resumed step may have dropped them already: their old values are in the checkpoint saved below.
    let before = ctx.resumed && isPropertiesBefore(ctx.previous) ? ctx.previous : undefined;
    if (!before) {
      // Keys that have no value now keep none after the inverse: only the others are recorded.
      before = { ...propertiesBefore(await currentProperties(ctx.milvus, p), p.properties), absent: [] };
      if (Object.keys(before.previous).length === 0) return { skipped: true };
      await ctx.checkpoint(before);
    }
    await ctx.milvus.call('dropCollectionProperties', { collection_name: p.collection_name, properties: p.properties, ...dbOf(p) });
    return before;
  },
  inverse: (p, recorded) => restoreProperties(p, recorded),
});
