import * as z from 'zod';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag, milvusName } from '../params.js';
import { collectionExists, describeCollection } from '../../milvus/reads/lookups.js';
import { defineStep, oneCollection } from '../types.js';
import { MAX_FIELDS, needCollection } from '../expect.js';
import { collectionOf, fieldOf } from '../../schema/plan-model.js';

/** Milvus adds fields to an existing collection from 2.6.0 on; 2.3.5 answers `{}` and changes nothing. */
export const ADD_FIELD_MIN_VERSION = '2.6.0';

/** Types Milvus (2.6) can add to an existing collection: scalars only, no vector fields. */
const ADDABLE_TYPES = ['Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'Float', 'Double', 'VarChar', 'JSON', 'Array'] as const;
type AddableType = (typeof ADDABLE_TYPES)[number];
const ELEMENT_TYPES = ['Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'Float', 'Double', 'VarChar'] as const;
const NUMBERS: readonly AddableType[] = ['Int8', 'Int16', 'Int32', 'Int64', 'Float', 'Double'];

const field = z
  .object({
    name: milvusName,
    data_type: z.enum(ADDABLE_TYPES, {
      error: (iss) =>
        `data_type ${JSON.stringify(iss.input)} cannot be added to an existing collection (Milvus adds scalar fields only; allowed: ${ADDABLE_TYPES.join(', ')})`,
    }),
    description: z.string().optional(),
    nullable: flag,
    default_value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    max_length: z.number().int().positive().max(65535).optional(),
    element_type: z.enum(ELEMENT_TYPES).optional(),
    max_capacity: z.number().int().positive().optional(),
  })
  .strict();

const params = z.object({ ...collectionTarget, field }).strict();
type Params = z.infer<typeof params>;

/**
 * Adds a scalar field to an existing collection (Milvus 2.6+). Existing rows read `null` (or
 * `default_value`) for it. Milvus cannot drop a field, so the step has no inverse.
 */
export const addCollectionField = defineStep({
  name: 'addCollectionField',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  minVersion: ADD_FIELD_MIN_VERSION,
  describe: (p) =>
    `add field ${p.field.name} ${p.field.data_type}${p.field.data_type === 'Array' ? `<${p.field.element_type}>` : ''} to collection ${qualified(p)}`,
  check(p) {
    const f = p.field;
    const problems: [string, string][] = [];
    // Milvus 2.6: rows that exist already have no value for the new field, so it must accept null.
    if (f.nullable !== true)
      problems.push([
        'field.nullable',
        'must be true: Milvus adds a field to an existing collection only as nullable (existing rows read null, or default_value)',
      ]);
    if (f.data_type === 'VarChar' && f.max_length === undefined) problems.push(['field', `VarChar field ${f.name} needs max_length`]);
    if (f.data_type === 'Array' && (f.element_type === undefined || f.max_capacity === undefined)) {
      problems.push(['field', `Array field ${f.name} needs element_type and max_capacity`]);
    }
    if (f.data_type === 'Array' && f.element_type === 'VarChar' && f.max_length === undefined)
      problems.push(['field', `Array of VarChar ${f.name} needs max_length`]);
    if (f.default_value !== undefined) {
      const expected = defaultValueType(f.data_type);
      if (!expected) problems.push(['field.default_value', `${f.data_type} fields take no default_value`]);
      else if (typeof f.default_value !== expected)
        problems.push(['field.default_value', `must be a ${expected} for a ${f.data_type} field`]);
    }
    return problems;
  },
  expect({ model }, p) {
    const { collection, problems } = needCollection(model, p);
    if (!collection) return problems;
    if (fieldOf(collection, p.field.name))
      return [`collection ${qualified(p)} already has a field ${p.field.name} at this point of the plan`];
    if (collection.fields.length >= MAX_FIELDS)
      return [`collection ${qualified(p)} has ${collection.fields.length} fields: Milvus allows at most ${MAX_FIELDS} (proxy.maxFieldNum)`];
    return [];
  },
  effect(model, p) {
    const c = collectionOf(model, p);
    if (!c || fieldOf(c, p.field.name)) return;
    const { name, data_type, description, max_length, element_type, max_capacity, default_value } = p.field;
    c.fields.push({
      name,
      data_type,
      nullable: true,
      ...(max_length !== undefined ? { max_length } : {}),
      ...(element_type ? { element_type } : {}),
      ...(max_capacity !== undefined ? { max_capacity } : {}),
      ...(default_value !== undefined ? { default_value } : {}),
      ...(description ? { description } : {}),
    });
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist: the step will fail`];
    const { schema } = await describeCollection(milvus, p);
    return schema.fields.some((f) => f.name === p.field.name) ? [`a field named ${p.field.name} already exists: the step will fail`] : [];
  },
  async run(ctx, p) {
    // A resumed step may have added it before the previous run stopped.
    if (ctx.resumed && (await describeCollection(ctx.milvus, p)).schema.fields.some((f) => f.name === p.field.name)) return;
    await ctx.milvus.call('addCollectionField', addFieldRequest(p));
  },
  inverse: (p) => ({
    irreversible: `addCollectionField: Milvus cannot drop a field, so ${p.field.name} stays in ${qualified(p)} (re-create the collection without it to remove it)`,
  }),
});

/** The SDK's AddCollectionFieldReq for these params (exported for unit tests). */
export function addFieldRequest(p: Params) {
  const { default_value, ...field } = p.field;
  // The SDK (2.6.17) types default_value as number | string, yet sends a boolean as Bool data, as Milvus expects.
  return {
    collection_name: p.collection_name,
    ...dbOf(p),
    field: { ...field, ...(default_value !== undefined ? { default_value: default_value as string | number } : {}) },
  };
}

function defaultValueType(t: AddableType): 'string' | 'number' | 'boolean' | undefined {
  if (t === 'VarChar') return 'string';
  if (t === 'Bool') return 'boolean';
  return NUMBERS.includes(t) ? 'number' : undefined;
}
