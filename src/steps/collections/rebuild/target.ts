/**
 * The new collection of a rebuild, worked out from the old one and the params: its schema as
 * `verify` would compare it, how each old field maps to a new one, and what the copy must fill.
 * Pure: the old collection comes in already read.
 */
import type { CollectionSchema, FieldSchema } from '../../../schema/model.js';
import type { SavedIndex } from '../../../backup/format.js';
import type { Changes, NewSchema, RebuildParams } from './params.js';

/** The old collection as a rebuild reads it. */
export interface OldCollection {
  readonly schema: CollectionSchema;
  /** Indexes as params to build them again (numbers as numbers). */
  readonly indexes: readonly SavedIndex[];
  readonly numPartitions?: number | undefined;
}

/** The new collection: what to create, and how old rows become new ones. */
export interface TargetPlan {
  /** What the new collection must look like once built and loaded (compared after the copy). */
  readonly schema: CollectionSchema;
  readonly indexes: readonly SavedIndex[];
  readonly numPartitions?: number | undefined;
  /** old field name → new field name, for every old field that is kept. */
  readonly renames: ReadonlyMap<string, string>;
  /** New fields the copy fills with a fixed value. */
  readonly fills: ReadonlyMap<string, unknown>;
  /** New fields whose values are not the old ones (added, or another type or dim): not compared unless a transform gives them. */
  readonly changed: ReadonlySet<string>;
}

/** A problem with the params against the old collection: `[param path, message]`. */
export type PlanProblem = readonly [string, string];

const VECTORS = new Set(['FloatVector', 'BinaryVector', 'Float16Vector', 'BFloat16Vector', 'SparseFloatVector', 'Int8Vector']);

/** The new collection, or the problems that stop it (unknown fields, clashes), before anything changes. */
export function planTarget(old: OldCollection, p: Pick<RebuildParams, 'changes' | 'schema'>): TargetPlan | { problems: PlanProblem[] } {
  return p.schema ? fromSchema(old, p.schema) : fromChanges(old, p.changes ?? {});
}

function strip({ fill: _fill, ...f }: FieldSchema & { fill?: unknown }): FieldSchema {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== false)) as unknown as FieldSchema;
}

function fromChanges(old: OldCollection, c: Changes): TargetPlan | { problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const names = old.schema.fields.map((f) => f.name);
  const known = (path: string, name: string) => {
    if (names.includes(name)) return true;
    problems.push([path, `no field named ${name} in the collection (it has ${names.join(', ')})`]);
    return false;
  };
  const dropped = new Set<string>();
  for (const [i, name] of (c.drop_fields ?? []).entries()) {
    if (!known(`changes.drop_fields.${i}`, name)) continue;
    if (old.schema.fields.find((f) => f.name === name)?.is_primary_key)
      problems.push([`changes.drop_fields.${i}`, `${name} is the primary key: give a new schema instead`]);
    dropped.add(name);
  }
  const renames = new Map<string, string>();
  for (const [from, to] of Object.entries(c.rename_fields ?? {})) {
    if (known(`changes.rename_fields.${from}`, from)) renames.set(from, to);
  }
  for (const name of Object.keys(c.alter_fields ?? {})) known(`changes.alter_fields.${name}`, name);
  const changed = new Set<string>();
  const fields: FieldSchema[] = [];
  for (const f of old.schema.fields) {
    if (dropped.has(f.name)) continue;
    const name = renames.get(f.name) ?? f.name;
    const alter = c.alter_fields?.[f.name];
    const next = strip({ ...f, ...(alter ?? {}), name } as FieldSchema);
    if (alter && ('data_type' in alter || 'dim' in alter || 'element_type' in alter)) changed.add(name);
    // A type change drops what only the old type had.
    if (next.data_type !== 'VarChar' && next.data_type !== 'Array') delete next.max_length;
    if (!VECTORS.has(next.data_type)) delete next.dim;
    if (next.data_type !== 'Array') {
      delete next.element_type;
      delete next.max_capacity;
    }
    fields.push(next);
  }
  const fills = new Map<string, unknown>();
  for (const [i, f] of (c.add_fields ?? []).entries()) {
    if (fields.some((x) => x.name === f.name))
      problems.push([`changes.add_fields.${i}.name`, `the new collection has a field named ${f.name} already`]);
    fields.push(strip(f as FieldSchema & { fill?: unknown }));
    changed.add(f.name);
    if (f.fill !== undefined) fills.set(f.name, f.fill);
  }
  checkNames(fields, 'changes', problems);
  const renamed = (field: string) => renames.get(field) ?? field;
  const replaced = new Set((c.index_params ?? []).map((ix) => ix.field_name));
  const indexes: SavedIndex[] = [
    ...old.indexes
      .filter((ix) => !dropped.has(ix.field_name) && !replaced.has(renamed(ix.field_name)))
      .map((ix) => ({ ...ix, field_name: renamed(ix.field_name) })),
    ...(c.index_params ?? []).map(savedIndex),
  ];
  checkIndexes(indexes, fields, 'changes.index_params', problems);
  if (problems.length) return { problems };
  const schema = collectionSchema(old, fields, {
    description: c.description,
    enable_dynamic_field: c.enable_dynamic_field,
    consistency_level: c.consistency_level,
    properties: c.properties,
  });
  return {
    schema,
    indexes,
    numPartitions: c.num_partitions ?? old.numPartitions,
    renames: keptRenames(old, dropped, renames),
    fills,
    changed,
  };
}

function fromSchema(old: OldCollection, s: NewSchema): TargetPlan | { problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const fields = s.fields.map((f) => strip(f as FieldSchema & { fill?: unknown }));
  checkNames(fields, 'schema', problems);
  const byName = new Map(old.schema.fields.map((f) => [f.name, f]));
  const changed = new Set<string>();
  const fills = new Map<string, unknown>();
  for (const f of s.fields) {
    const o = byName.get(f.name);
    if (!o || o.data_type !== f.data_type || o.dim !== f.dim) changed.add(f.name);
    if (f.fill !== undefined) fills.set(f.name, f.fill);
  }
  const given = new Set((s.index_params ?? []).map((ix) => ix.field_name));
  const indexes: SavedIndex[] = [
    ...old.indexes.filter((ix) => !given.has(ix.field_name) && fields.some((f) => f.name === ix.field_name)),
    ...(s.index_params ?? []).map(savedIndex),
  ];
  checkIndexes(indexes, fields, 'schema.index_params', problems);
  if (problems.length) return { problems };
  const dropped = new Set(old.schema.fields.filter((f) => !fields.some((x) => x.name === f.name)).map((f) => f.name));
  const schema = collectionSchema(old, fields, s);
  const numPartitions = s.num_partitions ?? (fields.some((f) => f.is_partition_key) ? old.numPartitions : undefined);
  return { schema, indexes, numPartitions, renames: keptRenames(old, dropped, new Map()), fills, changed };
}

function keptRenames(old: OldCollection, dropped: ReadonlySet<string>, renames: ReadonlyMap<string, string>): Map<string, string> {
  return new Map(old.schema.fields.filter((f) => !dropped.has(f.name)).map((f) => [f.name, renames.get(f.name) ?? f.name]));
}

type IndexParams = {
  field_name: string;
  index_name?: string | undefined;
  index_type?: string | undefined;
  metric_type?: string | undefined;
} & {
  params?: Record<string, string | number | boolean> | undefined;
};

function savedIndex(ix: IndexParams): SavedIndex {
  return Object.fromEntries(Object.entries(ix).filter(([, v]) => v !== undefined)) as unknown as SavedIndex;
}

function checkNames(fields: readonly FieldSchema[], at: string, problems: PlanProblem[]): void {
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) problems.push([at, `the new collection would have two fields named ${f.name}`]);
    seen.add(f.name);
  }
  if (fields.filter((f) => f.is_primary_key).length !== 1) problems.push([at, 'the new collection needs exactly one primary key field']);
  if (!fields.some((f) => VECTORS.has(f.data_type))) problems.push([at, 'the new collection needs a vector field']);
  if (fields.filter((f) => f.is_partition_key).length > 1) problems.push([at, 'at most one field can be the partition key']);
}

function checkIndexes(indexes: readonly SavedIndex[], fields: readonly FieldSchema[], at: string, problems: PlanProblem[]): void {
  for (const ix of indexes) {
    if (!fields.some((f) => f.name === ix.field_name)) problems.push([at, `no field named ${ix.field_name} in the new collection`]);
  }
}

/** The expected schema of the new collection: the old one's settings, unless changed. */
function collectionSchema(
  old: OldCollection,
  fields: FieldSchema[],
  s: Pick<NewSchema, 'description' | 'enable_dynamic_field' | 'consistency_level' | 'properties'>,
): CollectionSchema {
  const o = old.schema;
  const partitionKey = fields.some((f) => f.is_partition_key);
  const properties = { ...(o.properties ?? {}), ...Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, String(v)])) };
  const dynamic = s.enable_dynamic_field ?? o.enable_dynamic_field === true;
  const description = s.description ?? o.description;
  return {
    ...(description ? { description } : {}),
    ...(dynamic ? { enable_dynamic_field: true } : {}),
    consistency_level: s.consistency_level ?? o.consistency_level,
    fields,
    // A partition key makes Milvus manage the partitions: none are carried over.
    partitions: partitionKey ? [] : [...o.partitions],
    indexes: {},
    ...(Object.keys(properties).length ? { properties } : {}),
    load_state: o.load_state,
  };
}

/** The createCollection request for the new collection. */
export function createRequest(plan: TargetPlan, t: { collection_name: string; db_name?: string | undefined }) {
  const s = plan.schema;
  return {
    collection_name: t.collection_name,
    ...(t.db_name ? { db_name: t.db_name } : {}),
    ...(s.description ? { description: s.description } : {}),
    enable_dynamic_field: s.enable_dynamic_field === true,
    consistency_level: s.consistency_level,
    ...(plan.numPartitions && s.fields.some((f) => f.is_partition_key) ? { num_partitions: plan.numPartitions } : {}),
    fields: s.fields.map((f) => ({ ...f })),
  };
}
