/**
 * The schema of a database as milvus-migrate compares it: what migrations declare, or what Milvus
 * reports deterministically, without ids, timestamps or segment details. Key names follow the
 * step params (`data_type`, `is_primary_key`, ...) so a snapshot reads like a `createCollection`.
 * Optional keys are left out when they hold Milvus' default (see `normalise.ts`).
 */

export interface FieldSchema {
  name: string;
  data_type: string;
  is_primary_key?: true;
  autoID?: true;
  dim?: number;
  max_length?: number;
  element_type?: string;
  max_capacity?: number;
  nullable?: true;
  default_value?: string | number | boolean;
  is_partition_key?: true;
  description?: string;
}

/** An index as compared: field, type, metric and build params as Milvus reports them. */
export interface IndexSchema {
  field_name: string;
  index_type: string;
  metric_type?: string;
  /** Build params as Milvus reports them, every value as a string (`nlist: "128"`). */
  params?: Record<string, string>;
}

export type LoadState = 'loaded' | 'released';

/** One collection as compared by `verify`, `diff` and `snapshot` (normalised: see the README's Drift rules). */
export interface CollectionSchema {
  description?: string;
  enable_dynamic_field?: true;
  consistency_level: string;
  /** In the order Milvus reports them (the order they were declared in). */
  fields: FieldSchema[];
  /** Sorted by name; `_default` included. */
  partitions: string[];
  /** By index name. */
  indexes: Record<string, IndexSchema>;
  /** As set with `alterCollectionProperties`; values as strings. */
  properties?: Record<string, string>;
  load_state: LoadState;
}

/** The collections of one database (by name) and the aliases pointing at them (alias → collection). */
export interface DatabaseSchema {
  collections: Record<string, CollectionSchema>;
  aliases: Record<string, string>;
}

export function emptySchema(): DatabaseSchema {
  return { collections: {}, aliases: {} };
}

/**
 * The old collection a rebuild by name keeps, renamed aside: `<name>__mm_old_<8 hex>` (see
 * `rebuildNames`). The tool's own copy, as the state collection is: not part of the schema
 * `snapshot`, `diff` and `generate` compare (a later migration drops it).
 */
export const REBUILD_LEFTOVER = /__mm_old_[0-9a-f]{8}$/;

/** `s` without the old collections rebuilds keep (see {@link REBUILD_LEFTOVER}). */
export function withoutRebuildLeftovers(s: DatabaseSchema): DatabaseSchema {
  const collections = Object.fromEntries(Object.entries(s.collections).filter(([name]) => !REBUILD_LEFTOVER.test(name)));
  const aliases = Object.fromEntries(Object.entries(s.aliases).filter(([, target]) => !REBUILD_LEFTOVER.test(target)));
  return { collections, aliases };
}
