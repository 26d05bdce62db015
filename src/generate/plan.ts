/**
 * From the schema the migrations produce to the one the user wants: the fewest steps, in a stable
 * order, each with the reason it is there. Pure: both schemas come in read, and the server's
 * version decides (through the capability table) what changes in place and what needs a rebuild.
 *
 * Order: collection renames; aliases that go; new collections; changes per collection (name
 * order); aliases that move or come; collections that go (last, once no alias points at them).
 * Renames are never guessed: only those the schema file states (`renamed_from:`).
 */
import { howToApply, type SchemaChangeKind } from '../steps/capabilities.js';
import type { CollectionSchema, DatabaseSchema, FieldSchema } from '../schema/model.js';
import { compareStrings } from '../schema/normalise.js';
import { usesPartitionKey } from '../schema/plan-model.js';
import type { SchemaRenames } from '../schema/yaml.js';
import { alterAlias } from '../steps/aliases/alterAlias.js';
import { createAlias } from '../steps/aliases/createAlias.js';
import { dropAlias } from '../steps/aliases/dropAlias.js';
import { alterCollectionProperties, DYNAMIC_FIELD_PROPERTY } from '../steps/collections/alterCollectionProperties.js';
import { alterCollectionFieldProperties } from '../steps/collections/alterCollectionFieldProperties.js';
import { addCollectionField } from '../steps/collections/addCollectionField.js';
import { dropCollectionField } from '../steps/collections/dropCollectionField.js';
import { dropCollection } from '../steps/collections/dropCollection.js';
import { dropCollectionProperties } from '../steps/collections/dropCollectionProperties.js';
import { loadCollection } from '../steps/collections/loadCollection.js';
import { rebuildCollection } from '../steps/collections/rebuildCollection.js';
import { releaseCollection } from '../steps/collections/releaseCollection.js';
import { renameCollection } from '../steps/collections/renameCollection.js';
import type { Changes } from '../steps/collections/rebuild/params.js';
import { createIndex } from '../steps/indexes/createIndex.js';
import { dropIndex } from '../steps/indexes/dropIndex.js';
import { createDatabase } from '../steps/databases/createDatabase.js';
import { createPartition } from '../steps/partitions/createPartition.js';
import { dropPartition } from '../steps/partitions/dropPartition.js';
import { callOf } from '../steps/types.js';
import { createSteps, fieldParams, indexParams, plainMap } from './create.js';
import { withDownGaps } from './reversible.js';
import type { GeneratedMigration, GeneratedStep, Template } from './types.js';

export interface PlanOptions {
  /** The version whose capabilities decide in place or rebuild (the server's, or `--target-version`). */
  readonly serverVersion: string;
  /** The migration's name: transform templates are named after it. */
  readonly migrationName: string;
  readonly description?: string | undefined;
}

const VECTOR_TYPES = new Set(['FloatVector', 'BinaryVector', 'Float16Vector', 'BFloat16Vector', 'SparseFloatVector', 'Int8Vector']);

const NO_RENAMES: SchemaRenames = { collections: {}, fields: {} };

/** The migration that takes `from` (what the migrations produce) to `to` (the schema file). */
export function planMigration(
  from: DatabaseSchema,
  to: DatabaseSchema,
  renames: SchemaRenames = NO_RENAMES,
  opts: PlanOptions,
): GeneratedMigration {
  const up: GeneratedStep[] = [];
  const templates: Template[] = [];
  const todos: string[] = [];
  const notes: string[] = [];
  const current: Record<string, CollectionSchema> = { ...from.collections };
  const aliases: Record<string, string> = { ...from.aliases };

  for (const [name, old] of sorted(renames.collections)) {
    if (name in current || !(old in current)) continue;
    up.push({
      call: callOf(renameCollection, { collection_name: old, new_collection_name: name }),
      why: `collection ${old} is renamed ${name} (renamed_from: ${old}); its rows and aliases stay with it`,
    });
    current[name] = current[old]!;
    delete current[old];
    for (const [a, target] of Object.entries(aliases)) if (target === old) aliases[a] = name;
  }

  for (const [alias, target] of sorted(aliases)) {
    if (alias in to.aliases) continue;
    up.push({
      call: callOf(dropAlias, { alias, collection_name: target }),
      why: `alias ${alias} (to ${target}) is not in the schema file`,
    });
  }

  for (const name of Object.keys(to.collections).sort(compareStrings)) {
    if (name in current) continue;
    const steps = createSteps(name, to.collections[name]!);
    up.push({ ...steps[0]!, why: `new ${steps[0]!.why}` }, ...steps.slice(1));
  }

  for (const name of Object.keys(to.collections).sort(compareStrings)) {
    const was = current[name];
    if (!was) continue;
    const changes = collectionChanges(name, was, to.collections[name]!, renames.fields[name] ?? {}, opts);
    up.push(...changes.steps);
    templates.push(...changes.templates);
    todos.push(...changes.todos);
    notes.push(...changes.notes);
  }

  for (const [alias, target] of sorted(to.aliases)) {
    const before = aliases[alias];
    if (before === target) continue;
    up.push(
      before === undefined
        ? { call: callOf(createAlias, { alias, collection_name: target }), why: `alias ${alias} for ${target}` }
        : { call: callOf(alterAlias, { alias, collection_name: target }), why: `alias ${alias} moves from ${before} to ${target}` },
    );
  }

  for (const name of Object.keys(current).sort(compareStrings)) {
    if (name in to.collections) continue;
    up.push({
      call: callOf(dropCollection, { collection_name: name, backup: true }),
      why: `collection ${name} is not in the schema file (a rename? say renamed_from: ${name} on its new name, and its rows are kept).\nbackup: true exports its rows first, so down restores them: remove it to skip the export, and down cannot revert this`,
      destructive: true,
    });
  }

  const checked = withDownGaps(up);
  for (const s of checked) if (s.downGap) notes.push(`${s.call.step} ${stepTarget(s)}: ${s.downGap}`);
  return {
    description: opts.description ?? describe(up),
    up: checked,
    templates,
    todos,
    notes,
  };
}

/** A database besides the connection's that a baseline re-creates, with what it holds. */
export interface BaselineDatabase {
  readonly name: string;
  readonly schema: DatabaseSchema;
}

/** Milvus' own database: every server has it, so a baseline never creates it. */
const DEFAULT_DATABASE = 'default';

/**
 * The baseline of a database: every collection and alias it holds, created from nothing. With
 * `others`, the same for each of those databases after it (in the order given): `createDatabase`
 * (except for `default`, which every server has), then its steps with `db_name`, so one migration
 * re-creates them all while its state stays in the connection's database.
 */
export function baselineMigration(schema: DatabaseSchema, opts: PlanOptions, others: readonly BaselineDatabase[] = []): GeneratedMigration {
  const count = (s: DatabaseSchema) => Object.keys(s.collections).length;
  const own = planMigration({ collections: {}, aliases: {} }, schema, NO_RENAMES, {
    ...opts,
    description:
      opts.description ??
      (others.length
        ? `Baseline: the ${plural(count(schema), 'collection')} of the database and ${plural(others.length, 'other database')} (${others
            .map((d) => `${d.name}: ${plural(count(d.schema), 'collection')}`)
            .join(', ')}) as they were`
        : `Baseline: the ${plural(count(schema), 'collection')} of the database as they were`),
  });
  if (!others.length) return own;
  const up = [...own.up];
  const notes = [...own.notes];
  for (const db of others) {
    if (db.name !== DEFAULT_DATABASE)
      up.push({
        call: callOf(createDatabase, { db_name: db.name }),
        why: `database ${db.name}: ${plural(count(db.schema), 'collection')}, created with db_name below (the migration's state stays in the configured database)`,
      });
    const m = planMigration({ collections: {}, aliases: {} }, db.schema, NO_RENAMES, opts);
    up.push(...m.up.map((s) => inDatabase(s, db.name)));
    notes.push(...m.notes.map((n) => `database ${db.name}: ${n}`));
  }
  return { ...own, up, notes };
}

/** `s` acting in database `db_name` (written first, so a reviewer sees where it acts). */
function inDatabase(s: GeneratedStep, db_name: string): GeneratedStep {
  return { ...s, call: { ...s.call, params: { db_name, ...s.call.params } }, why: `database ${db_name}: ${s.why}` };
}

function stepTarget(s: GeneratedStep): string {
  const p = s.call.params as { collection_name?: string; field_name?: string };
  return [p.collection_name, p.field_name].filter(Boolean).join('.');
}

function describe(up: readonly GeneratedStep[]): string {
  const counts = new Map<string, number>();
  for (const s of up) counts.set(s.call.step, (counts.get(s.call.step) ?? 0) + 1);
  return `Generated from the schema file: ${[...counts].map(([step, n]) => (n > 1 ? `${n}× ${step}` : step)).join(', ')}`;
}

interface CollectionPlan {
  steps: GeneratedStep[];
  templates: Template[];
  todos: string[];
  notes: string[];
}

/** What changes in one collection: the in-place steps, or one rebuild combining all that cannot be made in place. */
function collectionChanges(
  name: string,
  was: CollectionSchema,
  want: CollectionSchema,
  fieldRenames: Readonly<Record<string, string>>,
  opts: PlanOptions,
): CollectionPlan {
  const out: CollectionPlan = { steps: [], templates: [], todos: [], notes: [] };
  const changes: Changes & { alter_fields: Record<string, Record<string, unknown>> } = { alter_fields: {} };
  const reasons: string[] = [];
  const todo: string[] = [];
  let transform: string | undefined;
  /** Asks the table; a change that cannot be made in place joins the rebuild. */
  const inPlace = (kind: SchemaChangeKind, what: string): boolean => {
    const how = howToApply(kind, opts.serverVersion);
    if (how.inPlace) return true;
    reasons.push(`${what}: ${how.reason}`);
    return false;
  };

  /**
   * Changes that can be made in place on this version wait here: if the collection is rebuilt
   * anyway, the rebuild makes them too (one step instead of two).
   */
  const deferred: { step: GeneratedStep; toRebuild: () => void }[] = [];
  const consider = (kind: SchemaChangeKind, what: string, toRebuild: () => void, step?: () => GeneratedStep): void => {
    const how = howToApply(kind, opts.serverVersion);
    if (how.inPlace && step) deferred.push({ step: step(), toRebuild });
    else {
      reasons.push(`${what}: ${how.inPlace ? `${kind} has no step here` : how.reason}`);
      toRebuild();
    }
  };
  const alterField = (oldName: string, key: string, value: unknown) => {
    (changes.alter_fields[oldName] ??= {} as never)[key as never] = value as never;
  };

  // Fields: matched by name, or by the old name the file states.
  const oldByName = new Map(was.fields.map((f) => [f.name, f]));
  const matched = new Set<string>();
  for (const f of want.fields) {
    const stated = fieldRenames[f.name];
    const oldName = stated !== undefined && oldByName.has(stated) && !oldByName.has(f.name) ? stated : f.name;
    const old = oldByName.get(oldName);
    if (!old) {
      addField(f);
      continue;
    }
    matched.add(oldName);
    if (oldName !== f.name) {
      (changes.rename_fields ??= {})[oldName] = f.name;
      reasons.push(`field ${oldName} is renamed ${f.name} (renamed_from): Milvus renames no field in place`);
    }
    fieldChanges(oldName, old, f);
  }
  for (const f of was.fields) {
    if (matched.has(f.name)) continue;
    consider(
      'dropField',
      `field ${f.name} goes`,
      () => (changes.drop_fields ??= []).push(f.name),
      () => ({
        call: callOf(dropCollectionField, { collection_name: name, field_name: f.name }),
        why: `field ${f.name} is not in the schema file: dropped with its values (no inverse)`,
        destructive: true,
      }),
    );
  }

  function addField(f: FieldSchema): void {
    const kind: SchemaChangeKind = f.nullable && !VECTOR_TYPES.has(f.data_type) ? 'addNullableField' : 'addField';
    const needsFill = !f.nullable && f.default_value === undefined;
    consider(
      kind,
      `field ${f.name} is new`,
      () => {
        (changes.add_fields ??= []).push({ ...fieldParams(f), ...(needsFill ? { fill: null } : {}) } as never);
        if (needsFill) todo.push(`give add_fields ${f.name} a fill value (every existing row gets it)`);
      },
      () => ({
        call: callOf(addCollectionField, { collection_name: name, field: fieldParams(f) as never }),
        why: `field ${f.name} is new: added in place, existing rows read ${f.default_value === undefined ? 'null' : JSON.stringify(f.default_value)}`,
      }),
    );
  }

  function fieldChanges(oldName: string, a: FieldSchema, b: FieldSchema): void {
    const change = (kind: SchemaChangeKind, key: keyof FieldSchema, what: string, inPlace?: 'max_length' | 'max_capacity') => {
      if (a[key] === b[key]) return;
      consider(
        kind,
        `field ${b.name}: ${what} ${show(a[key])} -> ${show(b[key])}`,
        () => alterField(oldName, key, b[key] ?? defaultOf(key)),
        inPlace && b[inPlace] !== undefined
          ? () => ({
              call: callOf(alterCollectionFieldProperties, {
                collection_name: name,
                field_name: oldName,
                properties: { [inPlace]: b[inPlace] } as never,
              }),
              why: `field ${b.name}: ${what} ${show(a[key])} -> ${show(b[key])}, in place (rows are kept)`,
            })
          : undefined,
      );
    };
    change('changeFieldType', 'data_type', 'data_type');
    change('changeFieldType', 'element_type', 'element_type');
    change('alterFieldProperties', 'max_capacity', 'max_capacity', 'max_capacity');
    const widens = a.max_length !== undefined && b.max_length !== undefined && b.max_length > a.max_length;
    change(widens ? 'widenMaxLength' : 'changeFieldType', 'max_length', 'max_length', widens ? 'max_length' : undefined);
    change('changePrimaryKey', 'is_primary_key', 'is_primary_key');
    change('changeAutoId', 'autoID', 'autoID');
    change('changePartitionKey', 'is_partition_key', 'is_partition_key');
    change('changeNullable', 'nullable', 'nullable');
    change('changeDefault', 'default_value', 'default_value');
    change('changeDescription', 'description', 'description');
    if (a.dim !== b.dim) {
      consider('changeDim', `field ${b.name}: dim ${show(a.dim)} -> ${show(b.dim)}`, () => {
        alterField(oldName, 'dim', b.dim);
        transform = `transforms/${opts.migrationName}.${name}.ts`;
        todo.push(`write ${transform}: the new ${b.dim}-dim ${b.name} of each row`);
      });
    }
  }

  // Collection settings.
  if ((was.description ?? '') !== (want.description ?? '')) {
    if (!inPlace('changeDescription', `description ${show(was.description ?? '')} -> ${show(want.description ?? '')}`))
      changes.description = want.description ?? '';
  }
  if (!was.enable_dynamic_field && want.enable_dynamic_field) {
    consider(
      'enableDynamicField',
      'the dynamic field is enabled',
      () => (changes.enable_dynamic_field = true),
      () => ({
        call: callOf(alterCollectionProperties, { collection_name: name, properties: { [DYNAMIC_FIELD_PROPERTY]: true } }),
        why: 'the dynamic field is enabled, in place',
      }),
    );
  } else if (was.enable_dynamic_field && !want.enable_dynamic_field) {
    reasons.push('the dynamic field is disabled: no Milvus version does that in place');
    changes.enable_dynamic_field = false;
  }
  if (was.consistency_level !== want.consistency_level) {
    reasons.push(`consistency_level ${was.consistency_level} -> ${want.consistency_level}: no Milvus version changes it in place`);
    changes.consistency_level = want.consistency_level as never;
  }
  const keyedAfter = usesPartitionKey(want);
  if (keyedAfter && usesPartitionKey(was) && was.partitions.length !== want.partitions.length) {
    reasons.push(`partition key partitions ${was.partitions.length} -> ${want.partitions.length}: set when a collection is created`);
    changes.num_partitions = want.partitions.length;
  } else if (keyedAfter && !usesPartitionKey(was)) changes.num_partitions = want.partitions.length;

  const rebuild = reasons.length > 0;
  if (rebuild) for (const d of deferred) d.toRebuild();
  else out.steps.push(...deferred.map((d) => d.step));
  // Indexes: by name. A rebuild builds the new and changed ones itself.
  const indexSteps: GeneratedStep[] = [];
  let indexDropped = false;
  for (const ixName of union(was.indexes, want.indexes)) {
    const a = was.indexes[ixName];
    const b = want.indexes[ixName];
    if (a && b && JSON.stringify(a) === JSON.stringify(b)) continue;
    if (b && rebuild) {
      (changes.index_params ??= []).push(indexParams(ixName, b) as never);
      continue;
    }
    if (a && !(rebuild && changes.drop_fields?.includes(a.field_name))) {
      indexDropped = true;
      indexSteps.push({
        call: callOf(dropIndex, {
          collection_name: name,
          field_name: a.field_name,
          ...(ixName !== a.field_name ? { index_name: ixName } : {}),
        }),
        why: b
          ? `index ${ixName} changes (${indexText(a)} -> ${indexText(b)}): dropped, then built again`
          : `index ${ixName} is not in the schema file`,
      });
    }
    if (b)
      indexSteps.push({
        call: callOf(createIndex, { collection_name: name, ...indexParams(ixName, b) } as never),
        why: `index ${ixName}: ${indexText(b)}`,
      });
  }

  // Properties: set ones join a rebuild; removed ones are dropped.
  const set = Object.fromEntries(Object.entries(want.properties ?? {}).filter(([k, v]) => was.properties?.[k] !== v));
  const removed = Object.keys(was.properties ?? {}).filter((k) => !(k in (want.properties ?? {})));
  if (rebuild && Object.keys(set).length) changes.properties = plainMap(set);

  if (rebuild) {
    // rebuildCollection refuses an autoID key without renumber_autoid (Milvus 2.3 takes no given
    // keys for such a field, and the step asks on every version): which way is the user's choice.
    const key = want.fields.find((f) => f.is_primary_key);
    if (key?.autoID)
      todo.push(
        `${key.name} is autoID, so the copy cannot keep its keys: say renumber_autoid: true (every row gets a new key), or give ${key.name} autoID: false in changes.alter_fields to keep them (and in the schema file)`,
      );
    const params = {
      collection_name: name,
      writes: 'paused' as const,
      ...(transform ? { transform } : {}),
      changes: tidy(changes),
    };
    out.steps.push({
      call: callOf(rebuildCollection, params as never),
      why: [
        `rebuild ${name}, because:`,
        ...reasons.map((r) => `- ${r}`),
        'Every row is copied into a new collection (verified), which then takes the name; the old one is kept',
        `as ${name}__mm_old_<hex> (drop it in a later migration). Stop writers first: writes: paused.`,
      ].join('\n'),
      ...(todo.length ? { todo: todo.join('; ') } : {}),
    });
    if (transform) out.templates.push({ path: transform, text: transformTemplate(name, was, want, opts.migrationName) });
    out.todos.push(...todo.map((t) => `${opts.migrationName}: ${t}`));
    out.notes.push(`${name} is rebuilt: stop its writers while the migration runs; the old collection is kept as ${name}__mm_old_<hex>`);
  }

  // In place: partitions (not under a partition key), then indexes (released around drops), properties, load state.
  if (!keyedAfter) {
    const before = new Set(usesPartitionKey(was) ? [] : was.partitions);
    for (const p of want.partitions) {
      if (!before.has(p) && p !== '_default' && inPlace('createPartition', `partition ${p}`))
        out.steps.push({ call: callOf(createPartition, { collection_name: name, partition_name: p }), why: `partition ${p} is new` });
    }
  }
  const loadedBefore = was.load_state === 'loaded';
  if (indexDropped && loadedBefore)
    out.steps.push({
      call: callOf(releaseCollection, { collection_name: name }),
      why: `Milvus drops no index of a loaded collection: released for the index change (loaded again below)`,
    });
  out.steps.push(...indexSteps);
  if (!rebuild && Object.keys(set).length)
    out.steps.push({
      call: callOf(alterCollectionProperties, { collection_name: name, properties: plainMap(set) }),
      why: `properties ${Object.entries(set)
        .map(([k, v]) => `${k}: ${show(was.properties?.[k])} -> ${show(v)}`)
        .join(', ')}`,
    });
  if (removed.length)
    out.steps.push({
      call: callOf(dropCollectionProperties, { collection_name: name, properties: removed }),
      why: `properties ${removed.join(', ')} are not in the schema file`,
    });
  if (!keyedAfter && !usesPartitionKey(was)) {
    const after = new Set(want.partitions);
    for (const p of was.partitions) {
      if (!after.has(p))
        out.steps.push({
          call: callOf(dropPartition, { collection_name: name, partition_name: p, backup: true }),
          why: `partition ${p} is not in the schema file.\nbackup: true exports its rows first, so down restores them: remove it to skip the export (down then re-creates it empty)`,
          destructive: true,
        });
    }
  }
  const loadedAfterIndexes = loadedBefore && !indexDropped;
  if (want.load_state === 'loaded' && !loadedAfterIndexes)
    out.steps.push({
      call: callOf(loadCollection, { collection_name: name }),
      why: loadedBefore ? `loaded again after the index change` : `${name} is loaded`,
    });
  else if (want.load_state === 'released' && loadedBefore && !indexDropped)
    out.steps.push({ call: callOf(releaseCollection, { collection_name: name }), why: `${name} is released` });
  return out;
}

/** A transform for a rebuild whose data the tool cannot invent: throws until it is written. */
function transformTemplate(name: string, was: CollectionSchema, want: CollectionSchema, migration: string): string {
  const dims = want.fields
    .filter((f) => {
      const old = was.fields.find((o) => o.name === f.name);
      return old && old.dim !== f.dim;
    })
    .map((f) => `${f.name}: dim ${was.fields.find((o) => o.name === f.name)!.dim} -> ${f.dim}`);
  return `// Transform of the rebuild of ${name} in ${migration}: ${dims.join(', ')}.
// Called for every row (with its fields under their new names); return the new row, or null to
// leave it out. It must be deterministic: the verification runs it again on the rows it compares.
// Written by \`milvus-migrate generate\`: the vectors of the new dim cannot be derived from the old
// ones, so fill this in (e.g. re-embed the row's text), then remove the TODO line of the migration.

export default function transform(row: Record<string, unknown>): Record<string, unknown> | null {
  throw new Error('TODO: ${migration} transform of ${name} is not written yet (${dims.join(', ')})');
  return row;
}
`;
}

function tidy(c: Changes & { alter_fields: Record<string, unknown> }): Changes {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c))
    if (v !== undefined && !(k === 'alter_fields' && Object.keys(v as object).length === 0)) out[k] = v;
  return out as Changes;
}

function defaultOf(key: keyof FieldSchema): unknown {
  return key === 'description' ? '' : key === 'default_value' || key === 'element_type' ? undefined : false;
}

function indexText(ix: { index_type: string; metric_type?: string | undefined; params?: Record<string, string> | undefined }): string {
  const params = Object.entries(ix.params ?? {}).map(([k, v]) => `${k}=${v}`);
  return [ix.index_type, ix.metric_type, ...params].filter(Boolean).join(' ');
}

function show(v: unknown): string {
  return v === undefined ? 'none' : JSON.stringify(v);
}

function sorted<T>(m: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(m).sort(([a], [b]) => compareStrings(a, b));
}

function union(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareStrings);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
