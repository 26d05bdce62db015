import { indexSpecOf } from '../milvus/reads/index-spec.js';
import type { CollectionSchema, DatabaseSchema, FieldSchema, IndexSchema } from './model.js';

/**
 * Rules that turn what Milvus reports into the comparable {@link DatabaseSchema}:
 * - ids, timestamps, channels, shard and segment details are never kept;
 * - keys holding Milvus' default are left out (`nullable: false`, `autoID: false`, an empty
 *   description, element type `None`), so a declaration that omits them and a read that reports
 *   them agree;
 * - numbers Milvus keeps as strings (`dim`, `max_length`, `max_capacity`) become numbers; index
 *   params and properties become strings (Milvus stores them as strings; `nlist: 128` and
 *   `nlist: "128"` are the same index);
 * - properties that only restate a default (`mmap.enabled: false`) are dropped;
 * - `Loading` counts as `loaded` (it becomes loaded without anyone acting);
 * - every map is sorted by key, partitions by name; fields keep Milvus' order (the declared one).
 */

type KeyValue = { key: string; value: unknown };

/** Properties whose value only restates Milvus' default. */
const DEFAULT_PROPERTIES: Readonly<Record<string, string>> = { 'mmap.enabled': 'false' };

/** A field of `describeCollection().schema.fields`, or undefined for Milvus' own `$meta` field of dynamic collections. */
export function fieldFromDescribe(raw: Record<string, unknown>): FieldSchema | undefined {
  if (raw.is_dynamic) return undefined;
  const typeParams = kvMap(raw.type_params as KeyValue[] | undefined);
  const f: FieldSchema = { name: String(raw.name), data_type: String(raw.data_type) };
  if (raw.is_primary_key) f.is_primary_key = true;
  if (raw.autoID) f.autoID = true;
  for (const key of ['dim', 'max_length', 'max_capacity'] as const) {
    const v = typeParams[key] ?? raw[key];
    if (v !== undefined && v !== null && v !== '') f[key] = Number(v);
  }
  if (raw.element_type && raw.element_type !== 'None') f.element_type = String(raw.element_type);
  if (raw.nullable) f.nullable = true;
  const def = defaultValueOf(raw.default_value);
  if (def !== undefined) f.default_value = def;
  if (raw.is_partition_key) f.is_partition_key = true;
  if (raw.description) f.description = String(raw.description);
  return f;
}

/** Newer SDKs report a default as `{ long_data: 5 }` (one key per type); older ones as a plain value. */
function defaultValueOf(v: unknown): string | number | boolean | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'object') {
    const inner = Object.values(v as Record<string, unknown>).find((x) => x !== undefined && x !== null);
    return inner === undefined ? undefined : defaultValueOf(inner);
  }
  if (typeof v === 'bigint') return Number(v);
  return v as string | number | boolean;
}

/** One entry of `describeIndex().index_descriptions`, keyed by its name. */
export function indexFromDescribe(raw: { index_name: string; field_name: string; params?: KeyValue[] }): [string, IndexSchema] {
  // Read as dropIndex and backups read it to build it again; compared with params as strings.
  const spec = indexSpecOf({ field_name: raw.field_name, params: (raw.params ?? []) as { key: string; value: string | number }[] });
  const ix: IndexSchema = { field_name: spec.field_name, index_type: spec.index_type ?? 'AUTOINDEX' };
  if (spec.metric_type) ix.metric_type = spec.metric_type;
  const params = stringValues(spec.params ?? {});
  if (Object.keys(params).length) ix.params = params;
  return [raw.index_name, ix];
}

/** Collection properties as a map, without those that restate a default. */
export function propertiesFrom(raw: readonly KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(kvMap(raw))) if (DEFAULT_PROPERTIES[k] !== v) out[k] = v;
  return out;
}

/** A canonical copy: every map sorted, empty optional parts left out. Idempotent. */
export function normaliseSchema(s: DatabaseSchema): DatabaseSchema {
  const collections: Record<string, CollectionSchema> = {};
  for (const name of sortedKeys(s.collections)) collections[name] = normaliseCollection(s.collections[name]!);
  return { collections, aliases: sortMap(s.aliases) };
}

function normaliseCollection(c: CollectionSchema): CollectionSchema {
  const indexes: Record<string, IndexSchema> = {};
  for (const name of sortedKeys(c.indexes)) {
    const ix = c.indexes[name]!;
    indexes[name] = {
      field_name: ix.field_name,
      index_type: ix.index_type,
      ...(ix.metric_type ? { metric_type: ix.metric_type } : {}),
      ...(ix.params && Object.keys(ix.params).length ? { params: stringValues(ix.params) } : {}),
    };
  }
  const properties = c.properties ? stringValues(c.properties) : {};
  // Key order here is the order in a snapshot file.
  return {
    ...(c.description ? { description: c.description } : {}),
    ...(c.enable_dynamic_field ? { enable_dynamic_field: true as const } : {}),
    consistency_level: c.consistency_level,
    fields: c.fields.map(normaliseField),
    partitions: [...c.partitions].sort(compareStrings),
    indexes,
    ...(Object.keys(properties).length ? { properties } : {}),
    load_state: c.load_state,
  };
}

/** The keys of a field, in the order a snapshot writes them. */
const FIELD_KEYS: readonly (keyof FieldSchema)[] = [
  'name',
  'data_type',
  'is_primary_key',
  'autoID',
  'dim',
  'max_length',
  'element_type',
  'max_capacity',
  'nullable',
  'default_value',
  'is_partition_key',
  'description',
];

function normaliseField(f: FieldSchema): FieldSchema {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_KEYS) if (f[k] !== undefined) out[k] = f[k];
  return out as unknown as FieldSchema;
}

function kvMap(list: readonly KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((x) => [x.key, String(x.value)]));
}

function stringValues(m: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of sortedKeys(m)) out[k] = typeof m[k] === 'object' ? JSON.stringify(m[k]) : String(m[k]);
  return out;
}

function sortMap<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of sortedKeys(m)) out[k] = m[k]!;
  return out;
}

function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort(compareStrings);
}

/** Code-point order, independent of the locale (a snapshot must not change with the machine). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
