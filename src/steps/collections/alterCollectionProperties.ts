import * as z from 'zod';
import type { Milvus } from '../../milvus/client.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, typeOf } from '../params.js';
import { collectionExists, describeCollection } from '../../milvus/reads/lookups.js';
import { defineStep, oneCollection, type InverseResult, type StepCall, type StepRecord, callOf } from '../types.js';
import { collectionMustExist } from '../expect.js';
import { collectionOf } from '../../schema/plan-model.js';
import { dropCollectionProperties } from './dropCollectionProperties.js';

/** A property value as written in a migration; Milvus stores every value as a string. */
const propertyValue = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `must be a string, number or boolean, got ${typeOf(iss.input)}`,
});

const params = z
  .object({
    ...collectionTarget,
    /** e.g. `collection.ttl.seconds: 3600`, `mmap.enabled: true`. */
    properties: z
      .record(z.string().min(1), propertyValue)
      .refine((m) => Object.keys(m).length > 0, { error: 'needs at least one property' }),
  })
  .strict();

type Target = { collection_name: string; db_name?: string | undefined };

/** The property that turns the dynamic field on for an existing collection. */
export const DYNAMIC_FIELD_PROPERTY = 'dynamicfield.enabled';
/**
 * Oldest Milvus that turns the dynamic field on for an existing collection (AlterCollection
 * redirected to adding the `$meta` field, milvus-io/milvus#44151, merged 2025-09-01). Which 2.6
 * patch carries it is not verified: counted from 2.6.2, the first cut after the merge.
 */
export const DYNAMIC_FIELD_MIN_VERSION = '2.6.2';

/** A collection's properties as Milvus reports them (`describeCollection().properties`). */
export async function currentProperties(milvus: Milvus, t: Target): Promise<Record<string, string>> {
  const desc = await describeCollection(milvus, t);
  return Object.fromEntries((desc.properties ?? []).map((kv) => [kv.key, String(kv.value)]));
}

/**
 * What the touched keys were before a step changed them: `previous` holds the keys that had a
 * value, `absent` the keys that had none. Recorded for the inverse.
 */
export interface PropertiesBefore extends StepRecord {
  readonly previous: Readonly<Record<string, string>>;
  readonly absent: readonly string[];
}

export function propertiesBefore(current: Readonly<Record<string, string>>, keys: readonly string[]): PropertiesBefore {
  return {
    previous: Object.fromEntries(keys.filter((k) => k in current).map((k) => [k, current[k]!])),
    absent: keys.filter((k) => !(k in current)),
  };
}

export function isPropertiesBefore(r: StepRecord | undefined): r is PropertiesBefore {
  return !!r && typeof r.previous === 'object' && r.previous !== null && Array.isArray(r.absent);
}

/**
 * The steps that put the touched keys back as they were: old values altered back, keys that did
 * not exist dropped (which needs Milvus 2.5: `dropCollectionProperties` says so before anything runs).
 */
export function restoreProperties(t: Target, recorded: StepRecord | undefined): InverseResult {
  if (recorded?.skipped) return { steps: [] };
  if (!isPropertiesBefore(recorded)) return { irreversible: `the previous properties of ${qualified(t)} were not recorded` };
  const target = { collection_name: t.collection_name, ...dbOf(t) };
  const steps: StepCall[] = [];
  if (Object.keys(recorded.previous).length) {
    steps.push(callOf(alterCollectionProperties, { ...target, properties: { ...recorded.previous } }));
  }
  if (recorded.absent.length) steps.push(callOf(dropCollectionProperties, { ...target, properties: [...recorded.absent] }));
  return recorded.absent.length
    ? { steps, note: `drops ${recorded.absent.join(', ')}, which had no value before (dropCollectionProperties needs Milvus 2.5+)` }
    : { steps };
}

/** `key: old → new` for plans; `(unset)` for a key without a value. */
export function propertyChange(key: string, from: string | undefined, to: string | undefined): string {
  return `${key}: ${from ?? '(unset)'} → ${to ?? '(unset)'}`;
}

/**
 * Sets collection properties (TTL, mmap, ...) with the SDK's `alterCollectionProperties`, which
 * sends Milvus' AlterCollection (2.3 and newer; `alterCollection` is its deprecated SDK alias).
 * Records the previous values of exactly the touched keys, so its inverse restores them.
 */
export const alterCollectionProperties = defineStep({
  name: 'alterCollectionProperties',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  minVersion: (p) => (DYNAMIC_FIELD_PROPERTY in p.properties ? DYNAMIC_FIELD_MIN_VERSION : '2.0.0'),
  describe: (p) =>
    `set ${Object.entries(p.properties)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')} on collection ${qualified(p)}`,
  expect: (ctx, p) => collectionMustExist(ctx, p),
  effect(model, p) {
    const c = collectionOf(model, p);
    if (!c) return;
    const { [DYNAMIC_FIELD_PROPERTY]: dynamic, ...rest } = p.properties;
    // Milvus reports the dynamic field in the schema (enable_dynamic_field), not among the properties.
    if (String(dynamic) === 'true') c.enable_dynamic_field = true;
    if (Object.keys(rest).length)
      c.properties = { ...c.properties, ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])) };
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist: the step will fail`];
    const current = await currentProperties(milvus, p);
    return Object.entries(p.properties).map(([k, v]) =>
      current[k] === String(v) ? `${k}: already ${current[k]}` : propertyChange(k, current[k], String(v)),
    );
  },
  async run(ctx, p) {
    const keys = Object.keys(p.properties);
    // A resumed step may have altered them already: their old values are in the checkpoint saved below.
    let before = ctx.resumed && isPropertiesBefore(ctx.previous) ? ctx.previous : undefined;
    if (!before) {
      const current = await currentProperties(ctx.milvus, p);
      if (keys.every((k) => current[k] === String(p.properties[k]))) return { skipped: true };
      before = propertiesBefore(current, keys);
      // Saved before the change: a run killed right after the alter still knows the old values.
      await ctx.checkpoint(before);
    }
    await ctx.milvus.call('alterCollectionProperties', { collection_name: p.collection_name, properties: p.properties, ...dbOf(p) });
    return before;
  },
  inverse: (p, recorded) => restoreProperties(p, recorded),
});
