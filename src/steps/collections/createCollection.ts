import type { FunctionType } from '@zilliz/milvus2-sdk-node';
import * as z from 'zod';
import { waitForIndex, waitForLoad } from '../../milvus/wait.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, flag, milvusName } from '../params.js';
import { collectionExists } from '../../milvus/reads/lookups.js';
import { indexRequest } from '../../milvus/reads/index-spec.js';
import { indexSpec } from '../indexes/createIndex.js';
import { defineStep, oneCollection, callOf } from '../types.js';
import { dropCollection } from './dropCollection.js';
import { atLeast, compareVersions } from '../../milvus/version.js';
import type { CollectionSchema, FieldSchema } from '../../schema/model.js';
import { databaseOf, dbNameOf, nameTaken, putCollection } from '../../schema/plan-model.js';
import { MAX_DIM, MAX_FIELDS } from '../expect.js';

/** Field types and the Milvus version that introduced each one. */
export const FIELD_TYPES = {
  Bool: '2.0.0',
  Int8: '2.0.0',
  Int16: '2.0.0',
  Int32: '2.0.0',
  Int64: '2.0.0',
  Float: '2.0.0',
  Double: '2.0.0',
  VarChar: '2.0.0',
  JSON: '2.2.8',
  Array: '2.3.0',
  BinaryVector: '2.0.0',
  FloatVector: '2.0.0',
  Float16Vector: '2.4.0',
  BFloat16Vector: '2.4.0',
  SparseFloatVector: '2.4.0',
  Int8Vector: '2.6.0',
} as const;
type FieldType = keyof typeof FIELD_TYPES;
const FIELD_TYPE_NAMES = Object.keys(FIELD_TYPES) as [FieldType, ...FieldType[]];
const DENSE_VECTORS: readonly FieldType[] = ['BinaryVector', 'FloatVector', 'Float16Vector', 'BFloat16Vector', 'Int8Vector'];
const VECTORS: readonly FieldType[] = [...DENSE_VECTORS, 'SparseFloatVector'];

/** One field, as createCollection (and rebuildCollection's new schema) declares it. */
export const fieldSpec = z
  .object({
    name: milvusName,
    data_type: z.enum(FIELD_TYPE_NAMES, {
      error: (iss) => `unknown data_type ${JSON.stringify(iss.input)} (allowed: ${FIELD_TYPE_NAMES.join(', ')})`,
    }),
    description: z.string().optional(),
    is_primary_key: flag,
    autoID: flag,
    dim: z.number().int().positive().optional(),
    max_length: z.number().int().positive().max(65535).optional(),
    is_partition_key: flag,
    element_type: z.enum(FIELD_TYPE_NAMES).optional(),
    max_capacity: z.number().int().positive().optional(),
    nullable: flag,
    default_value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** Tokenise a VarChar's text (Milvus 2.5+): the input of a BM25 function. */
    enable_analyzer: flag,
    /** The analyzer, e.g. `{ type: english }` (Milvus 2.5+; default: the standard analyzer). */
    analyzer_params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Oldest Milvus with functions in a collection schema: BM25 full text search, release notes v2.5.0. */
export const FUNCTIONS_MIN_VERSION = '2.5.0';

/**
 * A function of the collection, as the SDK's `FunctionObject`: Milvus computes its output field
 * from its input fields. BM25 (2.5+) turns a VarChar with `enable_analyzer: true` into a
 * SparseFloatVector. Other types (text embedding, rerank: 2.6) are not in the catalogue yet.
 */
const functionSpec = z
  .object({
    name: milvusName,
    description: z.string().optional(),
    type: z.enum(['BM25'], { error: (iss) => `unknown function type ${JSON.stringify(iss.input)} (allowed: BM25)` }),
    input_field_names: z.array(milvusName).length(1, { error: 'a BM25 function takes exactly one input field' }),
    output_field_names: z.array(milvusName).length(1, { error: 'a BM25 function has exactly one output field' }),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const params = z
  .object({
    ...collectionTarget,
    fields: z.array(fieldSpec).min(1, { error: 'needs at least one field' }),
    description: z.string().optional(),
    enable_dynamic_field: flag,
    /** Number of partitions Milvus creates for a partition-key collection. */
    num_partitions: z.number().int().positive().max(4096).optional(),
    consistency_level: z.enum(['Strong', 'Session', 'Bounded', 'Eventually']).optional(),
    /** Indexes to build right after creating the collection; the collection is then loaded, as the SDK does. */
    index_params: z.array(z.object(indexSpec).strict()).optional(),
    /** Functions computing fields from others (BM25, Milvus 2.5+): the SDK's `functions`. */
    functions: z.array(functionSpec).optional(),
    /** Skip (and record nothing to undo) when a collection of that name already exists. */
    if_not_exists: flag,
  })
  .strict();
type Params = z.infer<typeof params>;

/**
 * Creates a collection. Milvus (2.3) answers success when a collection of that name already
 * exists with the same schema, and an error for another schema: so re-running after a crash is
 * safe, and a clash is reported by Milvus itself.
 */
export const createCollection = defineStep({
  name: 'createCollection',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  minVersion: requiredVersion,
  describe: (p) =>
    `create collection ${qualified(p)} (${p.fields.map((f) => `${f.name} ${f.data_type}${f.dim ? `(${f.dim})` : ''}`).join(', ')})` +
    (p.index_params?.length ? `, build ${p.index_params.length} index${p.index_params.length > 1 ? 'es' : ''} and load` : ''),
  check(p) {
    const problems: [string, string][] = [];
    const pks = p.fields.filter((f) => f.is_primary_key);
    if (p.fields.length > MAX_FIELDS)
      problems.push(['fields', `has ${p.fields.length} fields: Milvus allows at most ${MAX_FIELDS} per collection (proxy.maxFieldNum)`]);
    if (pks.length !== 1) problems.push(['fields', `needs exactly one field with is_primary_key: true (found ${pks.length})`]);
    if (!p.fields.some((f) => VECTORS.includes(f.data_type))) problems.push(['fields', `needs a vector field (${VECTORS.join(', ')})`]);
    if (p.fields.filter((f) => f.is_partition_key).length > 1) problems.push(['fields', 'at most one field can be the partition key']);
    if (p.num_partitions !== undefined && !p.fields.some((f) => f.is_partition_key)) {
      problems.push(['num_partitions', 'only applies to a collection with a partition key field']);
    }
    const names = new Set<string>();
    p.fields.forEach((f, i) => {
      if (names.has(f.name)) problems.push([`fields.${i}.name`, `duplicate field name ${f.name}`]);
      names.add(f.name);
      if (DENSE_VECTORS.includes(f.data_type) && f.dim === undefined)
        problems.push([`fields.${i}`, `${f.data_type} field ${f.name} needs dim`]);
      if (f.dim !== undefined && f.dim > MAX_DIM) {
        problems.push([
          `fields.${i}.dim`,
          `${f.data_type} field ${f.name} has dim ${f.dim}: Milvus allows at most ${MAX_DIM} (proxy.maxDimension)`,
        ]);
      }
      if (f.data_type === 'VarChar' && f.max_length === undefined)
        problems.push([`fields.${i}`, `VarChar field ${f.name} needs max_length`]);
      if (f.data_type === 'Array' && (f.element_type === undefined || f.max_capacity === undefined)) {
        problems.push([`fields.${i}`, `Array field ${f.name} needs element_type and max_capacity`]);
      }
    });
    problems.push(...functionProblems(p));
    p.index_params?.forEach((ix, i) => {
      if (!names.has(ix.field_name)) problems.push([`index_params.${i}.field_name`, `no field named ${ix.field_name} in this collection`]);
    });
    return problems;
  },
  expect({ model }, p) {
    if (!model.uncertain && !databaseOf(model, p.db_name))
      return [`database ${dbNameOf(model, p.db_name)} does not exist at this point of the plan`];
    // An existing collection is Milvus' to judge: it accepts the same schema again (or if_not_exists skips).
    if (nameTaken(model, p.db_name, p.collection_name) === 'alias')
      return [`${qualified(p)} is an alias at this point of the plan: Milvus refuses a collection of that name`];
    return [];
  },
  effect(model, p) {
    if (!nameTaken(model, p.db_name, p.collection_name))
      putCollection(model, p.db_name, p.collection_name, collectionFromParams(p, model.serverVersion));
  },
  async facts(milvus, p) {
    if (!(await collectionExists(milvus, p))) return [];
    return [
      p.if_not_exists ? 'already exists: skipped (if_not_exists)' : 'already exists: Milvus accepts this only if the schema is identical',
    ];
  },
  async run(ctx, p) {
    const { milvus } = ctx;
    if (p.if_not_exists && (await collectionExists(milvus, p))) return { skipped: true };
    await milvus.call('createCollection', createRequest(p) as never);
    if (p.index_params?.length) {
      for (const ix of p.index_params) {
        await milvus.call('createIndex', indexRequest({ ...ix, collection_name: p.collection_name, ...dbOf(p) }) as never);
      }
      for (const ix of p.index_params) {
        await waitForIndex(milvus, { collection_name: p.collection_name, field_name: ix.field_name, ...dbOf(p) });
      }
      const target = { collection_name: p.collection_name, ...dbOf(p) };
      await milvus.call('loadCollectionAsync', target);
      await waitForLoad(milvus, target);
    }
  },
  inverse(p, recorded) {
    if (recorded?.skipped) return { steps: [] };
    return { steps: [callOf(dropCollection, { collection_name: p.collection_name, ...dbOf(p) })] };
  },
});

/** The SDK's CreateCollectionReq for these params (exported for unit tests). */
export function createRequest(p: Params) {
  return {
    collection_name: p.collection_name,
    ...dbOf(p),
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.enable_dynamic_field !== undefined ? { enable_dynamic_field: p.enable_dynamic_field } : {}),
    ...(p.num_partitions !== undefined ? { num_partitions: p.num_partitions } : {}),
    ...(p.consistency_level !== undefined ? { consistency_level: p.consistency_level } : {}),
    fields: p.fields.map((f) => ({ ...f })),
    // FunctionType.BM25 is 1 in the SDK's enum (not imported: the SDK loads on first connection).
    ...(p.functions?.length ? { functions: p.functions.map((f) => ({ ...f, type: FUNCTION_TYPES[f.type], params: f.params ?? {} })) } : {}),
  };
}

/** The SDK's `FunctionType` values of the function types the catalogue takes. */
const FUNCTION_TYPES = { BM25: 1 as FunctionType } as const;

/** What Milvus (2.5) requires of a BM25 function's fields, checked before anything runs. */
function functionProblems(p: Params): [string, string][] {
  const problems: [string, string][] = [];
  const byName = new Map(p.fields.map((f) => [f.name, f]));
  p.functions?.forEach((fn, i) => {
    const [input] = fn.input_field_names;
    const [output] = fn.output_field_names;
    const inField = byName.get(input!);
    const outField = byName.get(output!);
    if (!inField) problems.push([`functions.${i}.input_field_names`, `no field named ${input} in this collection`]);
    else if (inField.data_type !== 'VarChar' || !inField.enable_analyzer)
      problems.push([`functions.${i}.input_field_names`, `BM25 input ${input} must be a VarChar field with enable_analyzer: true`]);
    if (!outField) problems.push([`functions.${i}.output_field_names`, `no field named ${output} in this collection`]);
    else if (outField.data_type !== 'SparseFloatVector')
      problems.push([`functions.${i}.output_field_names`, `BM25 output ${output} must be a SparseFloatVector field`]);
  });
  return problems;
}

/**
 * Partitions Milvus creates for a partition-key collection when `num_partitions` is not given:
 * 64 up to 2.4 (seen on 2.3.5), 16 since milvus-io/milvus#32950 (May 2024, in 2.5).
 */
export function defaultKeyPartitions(serverVersion: string | undefined): number {
  return serverVersion && atLeast(serverVersion, '2.5.0') ? 16 : 64;
}

/** The partitions Milvus makes for a partition-key collection of `num` partitions (default: the server's default), sorted by name. */
export function keyPartitions(num: number | undefined, serverVersion: string | undefined): string[] {
  return Array.from({ length: num ?? defaultKeyPartitions(serverVersion) }, (_, i) => `_default_${i}`).sort();
}

/** The collection these params create, as the schema model holds it (normalised as a read would be). */
export function collectionFromParams(p: Params, serverVersion?: string): CollectionSchema {
  const fields = p.fields.map((f) => {
    const out: FieldSchema = { name: f.name, data_type: f.data_type };
    if (f.is_primary_key) out.is_primary_key = true;
    if (f.autoID) out.autoID = true;
    for (const key of ['dim', 'max_length', 'max_capacity'] as const) if (f[key] !== undefined) out[key] = f[key];
    if (f.element_type) out.element_type = f.element_type;
    if (f.nullable) out.nullable = true;
    if (f.default_value !== undefined) out.default_value = f.default_value;
    if (f.is_partition_key) out.is_partition_key = true;
    if (f.description) out.description = f.description;
    return out;
  });
  const keyed = p.fields.some((f) => f.is_partition_key);
  const partitions = keyed ? keyPartitions(p.num_partitions, serverVersion) : ['_default'];
  const indexes = Object.fromEntries(
    (p.index_params ?? []).map((ix) => [
      ix.index_name ?? ix.field_name,
      {
        field_name: ix.field_name,
        index_type: ix.index_type ?? 'AUTOINDEX',
        ...(ix.metric_type ? { metric_type: ix.metric_type } : {}),
        ...(ix.params ? { params: Object.fromEntries(Object.entries(ix.params).map(([k, v]) => [k, String(v)])) } : {}),
      },
    ]),
  );
  return {
    ...(p.description ? { description: p.description } : {}),
    ...(p.enable_dynamic_field ? { enable_dynamic_field: true as const } : {}),
    consistency_level: p.consistency_level ?? 'Bounded',
    fields,
    partitions,
    indexes,
    load_state: p.index_params?.length ? 'loaded' : 'released',
  };
}

/** Oldest Milvus version that supports every field type used, and functions (2.5) when there are any. */
export function requiredVersion(p: Params): string {
  const analyzers = p.functions?.length || p.fields.some((f) => f.enable_analyzer || f.analyzer_params) ? [FUNCTIONS_MIN_VERSION] : [];
  return [...p.fields.map((f) => FIELD_TYPES[f.data_type]), ...analyzers].sort(compareVersions).at(-1) ?? '2.0.0';
}
