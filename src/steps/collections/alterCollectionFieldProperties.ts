import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { collectionExists, describeCollection } from '../../milvus/reads/lookups.js';
import { callOf, defineStep, oneCollection, type InverseResult } from '../types.js';
import { needCollection, needField } from '../expect.js';
import { collectionOf, fieldOf, label } from '../../schema/plan-model.js';
import type { Milvus } from '../../milvus/client.js';

/**
 * Oldest Milvus that alters a field's properties (AlterCollectionField, milvus-io/milvus#37437,
 * Nov 2024): 2.5.0. The 2.4.20 release notes fix a bug in it, so late 2.4 patches carry it too,
 * but which 2.4 patch brought it is not verified: counted from 2.5. Milvus 2.3.5 answers `{}` to
 * the call and changes nothing (see milvus-facts.md), hence the gate.
 */
export const ALTER_FIELD_MIN_VERSION = '2.5.0';
/** `max_length` of a VarChar: the v2.5.2 release notes ("supports modifying the maximum length for VARCHAR columns"). */
export const ALTER_MAX_LENGTH_MIN_VERSION = '2.5.2';

/** The field properties Milvus alters in place (docs: alter-collection-field.md, SDK AlterCollectionFieldPropertiesReq). */
const properties = z.strictObject(
  {
    max_length: z.number().int().min(1).max(65535).optional(),
    max_capacity: z.number().int().min(1).max(4096).optional(),
    'mmap.enabled': z.boolean().optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? `Milvus alters only max_length, max_capacity and mmap.enabled of a field` : undefined,
  },
);

const params = z.object({ ...collectionTarget, field_name: milvusName, properties }).strict();
type Params = z.infer<typeof params>;
type FieldProperties = Params['properties'];

/** What the properties were before the change, so the inverse sets them back (absent: Milvus' default). */
interface FieldPropertiesBefore {
  readonly before: { max_length?: number; max_capacity?: number; 'mmap.enabled'?: boolean };
}

/**
 * Changes properties of a field in place (Milvus 2.5+): widens a VarChar's `max_length`, an
 * Array's `max_capacity`, or turns mmap on or off for the field. Rows are kept. Records the values
 * before, so its inverse sets them back.
 */
export const alterCollectionFieldProperties = defineStep({
  name: 'alterCollectionFieldProperties',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  minVersion: (p) => (p.properties.max_length !== undefined ? ALTER_MAX_LENGTH_MIN_VERSION : ALTER_FIELD_MIN_VERSION),
  describe: (p) =>
    `set ${Object.entries(p.properties)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')} on field ${p.field_name} of collection ${qualified(p)}`,
  check: (p) => (Object.keys(p.properties).length ? [] : [['properties', 'needs at least one of max_length, max_capacity, mmap.enabled']]),
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    if (!collection) return problems;
    const missing = needField(model, p, collection, p.field_name);
    if (missing.length) return missing;
    const f = fieldOf(collection, p.field_name)!;
    const where = `field ${p.field_name} of ${label(model, p)}`;
    const found: string[] = [];
    // Milvus: "you cannot change the primary field or alter its properties" (alter-collection-field.md).
    if (f.is_primary_key) found.push(`${where} is the primary key: Milvus alters no property of it`);
    const varchar = f.data_type === 'VarChar' || (f.data_type === 'Array' && f.element_type === 'VarChar');
    if (p.properties.max_length !== undefined && !varchar)
      found.push(`${where} is ${f.data_type}: max_length applies to VarChar fields only`);
    if (p.properties.max_capacity !== undefined && f.data_type !== 'Array')
      found.push(`${where} is ${f.data_type}: max_capacity applies to Array fields only`);
    return found;
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    const f = c && fieldOf(c, p.field_name);
    if (!f) return;
    if (p.properties.max_length !== undefined) f.max_length = p.properties.max_length;
    if (p.properties.max_capacity !== undefined) f.max_capacity = p.properties.max_capacity;
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist: the step will fail`];
    const before = await currentFieldProperties(milvus, p);
    if (!before) return [`collection ${qualified(p)} has no field ${p.field_name}: the step will fail`];
    return Object.entries(p.properties).map(([k, v]) => `${k}: ${String(before[k as keyof FieldProperties] ?? 'default')} -> ${String(v)}`);
  },
  async run(ctx, p) {
    // A resumed step may have changed them already: the values before are in its checkpoint.
    let recorded = ctx.resumed && isBefore(ctx.previous) ? ctx.previous : undefined;
    if (!recorded) {
      const current = await currentFieldProperties(ctx.milvus, p);
      const before = Object.fromEntries(Object.keys(p.properties).flatMap((k) => (current?.[k] !== undefined ? [[k, current[k]]] : [])));
      recorded = { before };
      await ctx.checkpoint(recorded);
    }
    await ctx.milvus.call('alterCollectionFieldProperties', alterFieldRequest(p));
    return recorded;
  },
  inverse(p, recorded): InverseResult {
    if (!isBefore(recorded)) return { irreversible: 'the field properties before the change were not recorded' };
    const back = recorded.before;
    // mmap off is Milvus' default, so "was not set" is undone by setting it false; a length has no default to go back to.
    const restore = {
      ...back,
      ...(p.properties['mmap.enabled'] !== undefined && back['mmap.enabled'] === undefined ? { 'mmap.enabled': false } : {}),
    };
    const lost = (['max_length', 'max_capacity'] as const).filter((k) => p.properties[k] !== undefined && back[k] === undefined);
    if (lost.length)
      return {
        irreversible: `the ${lost.join(' and ')} of ${p.field_name} before the change were not read, so the down cannot set them back`,
      };
    return {
      steps: [
        callOf(alterCollectionFieldProperties, {
          collection_name: p.collection_name,
          field_name: p.field_name,
          properties: restore,
          ...dbOf(p),
        }),
      ],
    };
  },
});

/** The SDK's AlterCollectionFieldPropertiesReq for these params (exported for unit tests). */
export function alterFieldRequest(p: Params) {
  return { collection_name: p.collection_name, field_name: p.field_name, properties: { ...p.properties }, ...dbOf(p) };
}

/** The field's alterable properties as Milvus describes them now; undefined when it has no such field. */
async function currentFieldProperties(milvus: Milvus, p: Params): Promise<Record<string, number | boolean | undefined> | undefined> {
  const { schema } = await describeCollection(milvus, p);
  const raw = schema.fields.find((f) => f.name === p.field_name) as unknown as Record<string, unknown> | undefined;
  if (!raw) return undefined;
  // Milvus keeps them as strings in type_params (max_length, max_capacity, mmap.enabled); the SDK copies some to the field.
  const kv = Object.fromEntries(((raw.type_params ?? []) as { key: string; value: unknown }[]).map((e) => [e.key, String(e.value)]));
  const number = (k: string) => {
    const v = kv[k] ?? raw[k];
    return v === undefined || v === null || v === '' ? undefined : Number(v);
  };
  const mmap = kv['mmap.enabled'];
  return {
    max_length: number('max_length'),
    max_capacity: number('max_capacity'),
    'mmap.enabled': mmap === undefined ? undefined : mmap === 'true',
  };
}

function isBefore(r: unknown): r is FieldPropertiesBefore {
  return typeof r === 'object' && r !== null && typeof (r as { before?: unknown }).before === 'object';
}
