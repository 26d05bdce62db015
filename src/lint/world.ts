import { collectionFromParams } from '../steps/collections/createCollection.js';
import type { LintContext, LintedMigration, LocatedStep } from './types.js';

/** A field of a collection created in the linted migrations. */
export interface KnownField {
  readonly name: string;
  readonly data_type: string;
  readonly dim?: number | undefined;
  readonly max_length?: number | undefined;
  readonly element_type?: string | undefined;
  readonly max_capacity?: number | undefined;
}

/** A collection created by one of the linted migrations, as far as its steps tell. */
export interface KnownCollection {
  readonly fields: KnownField[];
  /** Fields with an index. */
  readonly indexed: Set<string>;
  /** The migration that created it. */
  readonly createdBy: string;
}

/**
 * What the `up` steps of the linted migrations have done so far, replayed without a server:
 * collections they created (by `db.name`) and aliases they created (alias → collection).
 * Collections made elsewhere are unknown, and rules that need their schema say nothing of them.
 */
export class World {
  readonly collections = new Map<string, KnownCollection>();
  readonly aliases = new Map<string, string>();
  /**
   * Partitions by collection: all of them for a collection created here, and for any other the
   * ones these migrations created plus `_default` (a lower bound: it may hold more).
   */
  readonly partitions = new Map<string, Set<string>>();

  /** Applies one step's effect on the model. */
  apply(s: LocatedStep, m: LintedMigration): void {
    const p = s.params as Record<string, unknown>;
    const key = collectionKey(p);
    switch (s.step) {
      case 'createCollection': {
        const fields = (p.fields as KnownField[]).map((f) => ({ ...f }));
        const indexed = new Set(((p.index_params as { field_name: string }[] | undefined) ?? []).map((i) => i.field_name));
        this.collections.set(key, { fields, indexed, createdBy: m.name });
        // The step's own model says which partitions Milvus makes (a partition key: num_partitions of them).
        this.partitions.set(key, new Set(collectionFromParams(s.params as never).partitions));
        break;
      }
      case 'dropCollection':
        this.collections.delete(key);
        this.partitions.delete(key);
        break;
      case 'renameCollection': {
        const c = this.collections.get(key);
        const parts = this.partitions.get(key);
        const renamed = collectionKey({ ...p, collection_name: p.new_collection_name });
        this.collections.delete(key);
        this.partitions.delete(key);
        if (c) this.collections.set(renamed, c);
        if (parts) this.partitions.set(renamed, parts);
        for (const [alias, target] of this.aliases) if (target === key) this.aliases.set(alias, renamed);
        break;
      }
      case 'createPartition':
        this.partitionsOf(p).add(p.partition_name as string);
        break;
      case 'dropPartition':
        this.partitionsOf(p).delete(p.partition_name as string);
        break;
      case 'createIndex':
        this.collections.get(key)?.indexed.add(p.field_name as string);
        break;
      case 'dropIndex':
        this.collections.get(key)?.indexed.delete(p.field_name as string);
        break;
      case 'addCollectionField': {
        const f = p.field as KnownField | undefined;
        if (f) this.collections.get(key)?.fields.push({ ...f });
        break;
      }
      case 'rebuildCollection': {
        const target = this.aliases.get(aliasKey({ ...p, alias: p.collection_name }));
        if (target === undefined) {
          // By name: the new collection takes the name (aliases stay on it), with a schema and
          // indexes worked out against the live collection: forget what we knew of it.
          this.collections.delete(key);
          break;
        }
        // Through an alias: the old collection is kept, and its aliases move to the new one.
        const db = key.slice(0, key.indexOf('.'));
        const moved = typeof p.new_collection_name === 'string' ? `${db}.${p.new_collection_name}` : `${target}__mm_rebuilt`;
        for (const [alias, to] of this.aliases) if (to === target) this.aliases.set(alias, moved);
        // The new collection gets the old one's partitions (the old one keeps them too).
        const parts = this.partitions.get(target);
        if (parts) this.partitions.set(moved, new Set(parts));
        break;
      }
      case 'createAlias':
      case 'alterAlias':
        this.aliases.set(aliasKey(p), key);
        break;
      case 'dropAlias':
        this.aliases.delete(aliasKey(p));
        break;
    }
  }

  /** The known collection a step's params name, directly or through an alias. */
  collection(p: Record<string, unknown>): KnownCollection | undefined {
    return this.collections.get(this.resolve(p));
  }

  /** `db.name` of the collection a step's params name, through an alias these migrations made. */
  resolve(p: Record<string, unknown>): string {
    return this.aliases.get(aliasKey({ ...p, alias: p.collection_name })) ?? collectionKey(p);
  }

  /** The partitions of the collection a step's params name (directly or through an alias), as far as known. */
  partitionsOf(p: Record<string, unknown>): Set<string> {
    const key = this.resolve(p);
    let parts = this.partitions.get(key);
    if (!parts) this.partitions.set(key, (parts = new Set(['_default'])));
    return parts;
  }

  /** The aliases that name the collection `key`. */
  aliasesOf(key: string): string[] {
    return [...this.aliases].filter(([, target]) => target === key).map(([alias]) => alias.slice(alias.indexOf('.') + 1));
  }
}

/** `db.name` of the collection a step's params name (`default` when no `db_name`). */
export function collectionKey(p: Record<string, unknown>): string {
  return `${typeof p.db_name === 'string' ? p.db_name : 'default'}.${String(p.collection_name)}`;
}

function aliasKey(p: Record<string, unknown>): string {
  return `${typeof p.db_name === 'string' ? p.db_name : 'default'}.${String(p.alias)}`;
}

/**
 * Replays the `up` steps of every migration in name order, calling `visit` before each step's
 * effect is applied (so a `dropCollection` sees the collection it drops).
 */
export function* replay<T>(ctx: LintContext, visit: (s: LocatedStep, m: LintedMigration, world: World) => Iterable<T>): Generator<T> {
  const world = new World();
  for (const m of ctx.migrations) {
    for (const s of m.up ?? []) {
      yield* visit(s, m, world);
      world.apply(s, m);
    }
  }
}
