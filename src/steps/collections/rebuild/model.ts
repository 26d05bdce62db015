/**
 * What a rebuild does to the preflight's schema model: the collection it reaches (by name or
 * through an alias) is replaced by the new schema, under the name the cut-over gives it.
 */
import type { CollectionSchema, FieldSchema } from '../../../schema/model.js';
import { collectionOf, databaseOf, putCollection, removeCollection, resolvedName, type SchemaModel } from '../../../schema/plan-model.js';
import { collectionFromParams, keyPartitions } from '../createCollection.js';
import type { Changes, NewSchema, RebuildParams } from './params.js';

type FieldParams = NewSchema['fields'][number];

/** The model's field for a field as `createCollection` (and a rebuild's `add_fields`) declares it. */
function fieldOf(f: FieldParams): FieldSchema {
  const { fill: _fill, ...spec } = f;
  return collectionFromParams({ collection_name: 'x', fields: [spec] } as never).fields[0]!;
}

/** `c` with `changes` applied (fields dropped, renamed, altered, added; settings changed). */
export function changedSchema(c: CollectionSchema, changes: Changes, serverVersion?: string): CollectionSchema {
  const dropped = new Set(changes.drop_fields ?? []);
  const fields = c.fields
    .filter((f) => !dropped.has(f.name))
    .map((f) => {
      const name = changes.rename_fields?.[f.name] ?? f.name;
      const change = changes.alter_fields?.[f.name];
      return change ? fieldOf({ ...f, ...change, name } as FieldParams) : { ...f, name };
    });
  fields.push(...(changes.add_fields ?? []).map(fieldOf));
  const renamed = (name: string) => changes.rename_fields?.[name] ?? name;
  const indexes = Object.fromEntries(
    Object.entries(c.indexes)
      .filter(([, ix]) => !dropped.has(ix.field_name) && !changes.index_params?.some((n) => n.field_name === ix.field_name))
      .map(([name, ix]) => [name, { ...ix, field_name: renamed(ix.field_name) }]),
  );
  const fresh = collectionFromParams({ collection_name: 'x', fields: [], index_params: changes.index_params } as never).indexes;
  return {
    ...c,
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    ...(changes.enable_dynamic_field ? { enable_dynamic_field: true as const } : {}),
    ...(changes.consistency_level ? { consistency_level: changes.consistency_level } : {}),
    fields,
    partitions: partitionsOf(c, fields, changes.num_partitions, serverVersion),
    indexes: { ...indexes, ...fresh },
    ...(changes.properties
      ? { properties: { ...c.properties, ...Object.fromEntries(Object.entries(changes.properties).map(([k, v]) => [k, String(v)])) } }
      : {}),
  };
}

/** The new collection of a rebuild of `c`. */
export function rebuiltSchema(c: CollectionSchema, p: RebuildParams, serverVersion?: string): CollectionSchema {
  if (!p.schema) return changedSchema(c, p.changes ?? {}, serverVersion);
  const { fields, ...rest } = p.schema;
  const next = collectionFromParams({ collection_name: 'x', ...rest, fields: fields.map(({ fill: _fill, ...f }) => f) } as never);
  // The old indexes of fields the new schema keeps are built again (see the rebuild's target plan).
  const kept = Object.entries(c.indexes).filter(([, ix]) => next.fields.some((f) => f.name === ix.field_name));
  return {
    ...next,
    partitions: partitionsOf(c, next.fields, p.schema.num_partitions, serverVersion),
    load_state: c.load_state,
    indexes: { ...Object.fromEntries(kept), ...next.indexes },
  };
}

/**
 * The partitions of the new collection: with a partition key, those Milvus makes (as many as
 * asked, else as many as the old partition-key collection had); without one, the old ones,
 * carried over by the rebuild.
 */
function partitionsOf(old: CollectionSchema, fields: readonly FieldSchema[], num: number | undefined, serverVersion?: string): string[] {
  if (!fields.some((f) => f.is_partition_key)) return [...old.partitions];
  return keyPartitions(num ?? (old.fields.some((f) => f.is_partition_key) ? old.partitions.length : undefined), serverVersion);
}

/**
 * The rebuild's effect: through an alias, the new collection is added under `shadow` and the alias
 * moves to it (the old one stays); by name, the old one goes to `old` and the new takes the name.
 */
export function applyRebuild(model: SchemaModel, p: RebuildParams, names: { shadow: string; old: string }): void {
  const c = collectionOf(model, p);
  const db = databaseOf(model, p.db_name);
  if (!c || !db) return;
  const source = resolvedName(model, p);
  const next = rebuiltSchema(c, p, model.serverVersion);
  if (source !== p.collection_name) {
    putCollection(model, p.db_name, names.shadow, next);
    for (const [alias, target] of Object.entries(db.aliases)) if (target === source) db.aliases[alias] = names.shadow;
    return;
  }
  // The aliases of the old collection go with its name to the new one.
  const aliases = Object.entries(db.aliases).filter(([, target]) => target === source);
  removeCollection(model, { collection_name: source, ...(p.db_name ? { db_name: p.db_name } : {}) });
  putCollection(model, p.db_name, names.old, c);
  putCollection(model, p.db_name, source, next);
  for (const [alias] of aliases) db.aliases[alias] = source;
}
