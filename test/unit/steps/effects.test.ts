/**
 * Each step's effect on the schema model (issue 19), one row per step of the catalogue: the
 * model before (a collection `docs` behind the alias `live`), the steps folded over it, and what
 * the model holds after. Steps that only check (no `effect`) are pinned by a refusal and by
 * leaving the model as it was. No server: the preflight's fold, as `diff` uses it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { foldPlan } from '../../../src/runner/preflight.js';
import type { CollectionSchema } from '../../../src/schema/model.js';
import { emptyModel, putCollection, type ModelDatabase, type SchemaModel } from '../../../src/schema/plan-model.js';
import { STEP_DEFINITIONS, STEPS } from '../../../src/steps/catalogue.js';
import { rebuildNames } from '../../../src/steps/collections/rebuildCollection.js';
import type { RebuildParams } from '../../../src/steps/collections/rebuild/params.js';
import { writeBackup } from '../../support/backup.js';
import { planOf } from '../../support/fake-milvus.js';
import type { YamlStep } from '../../support/fixtures.js';

const docs = (): CollectionSchema => ({
  consistency_level: 'Bounded',
  fields: [
    { name: 'id', data_type: 'Int64', is_primary_key: true },
    { name: 'title', data_type: 'VarChar', max_length: 64 },
    { name: 'tags', data_type: 'Array', element_type: 'VarChar', max_capacity: 8, max_length: 16 },
    { name: 'v', data_type: 'FloatVector', dim: 4 },
  ],
  partitions: ['_default', 'p1'],
  indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }, title_ix: { field_name: 'title', index_type: 'INVERTED' } },
  load_state: 'released',
});

/** The model before every row: database default holds `docs`, and the alias `live` points at it. */
function before(): SchemaModel {
  const model = emptyModel();
  putCollection(model, undefined, 'docs', docs());
  model.databases.get('default')!.aliases.live = 'docs';
  return model;
}

/** Folds `up` (params parsed as a YAML file's are) over {@link before}: the problems found and the model after. */
async function fold(up: readonly YamlStep[], backupDir?: string) {
  const model = before();
  const plan = planOf('20261202_m', up);
  const steps = plan.steps!.map((s) => ({ ...s, params: STEPS.get(s.step)!.params.parse(s.params) as Record<string, unknown> }));
  const problems = await foldPlan(model, [{ ...plan, steps }], { backupDir });
  return { problems: problems.map((p) => `${p.path}: ${p.message}`), model, db: model.databases.get('default')! };
}

const names = (db: ModelDatabase) => ({ collections: Object.keys(db.collections).sort(), aliases: db.aliases });
const field = (db: ModelDatabase, name: string) => db.collections.docs!.fields.find((f) => f.name === name);

const rebuildByName = {
  collection_name: 'docs',
  writes: 'paused',
  changes: { rename_fields: { title: 'name' }, drop_fields: ['tags'], add_fields: [{ name: 'rank', data_type: 'Int32' }] },
};
const oldName = rebuildNames(STEPS.get('rebuildCollection')!.params.parse(rebuildByName) as RebuildParams).old;

const root = await mkdtemp(join(tmpdir(), 'mm-effects-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const rows = [{ id: '1', title: 'a', tags: [], v: [0, 0, 0, 1] }];
const backupSchema = { fields: docs().fields, enable_dynamic_field: false, consistency_level: 'Bounded' };
const partitionBackup = await writeBackup(root, 'm/step1-partition-docs-p1', rows, {
  collection: 'docs',
  partition: 'p1',
  schema: backupSchema,
  segments: [{ partition: 'p1', rows: 1 }],
});
const collectionBackup = await writeBackup(root, 'm/step1-collection-docs', rows, {
  kind: 'collection',
  collection: 'docs',
  partition: undefined,
  schema: backupSchema,
  segments: [{ rows: 1 }, { partition: 'p1', rows: 0 }],
  indexes: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  loaded: false,
  aliases: ['live'],
  stepName: 'dropCollection',
});
const restore = (b: typeof partitionBackup, partition_name?: string) => ({
  restoreBackup: {
    collection_name: 'docs',
    ...(partition_name ? { partition_name } : {}),
    path: b.dir.slice(root.length + 1),
    sha256: b.manifest.sha256,
  },
});

/** [step, what its effect does, the steps folded over {@link before}, what to read of the model after, what it holds]. */
const EFFECTS: readonly [string, string, YamlStep[], (db: ModelDatabase, model: SchemaModel) => unknown, unknown][] = [
  [
    'createCollection',
    'adds the collection with its fields, indexes, default partition and load state',
    [
      {
        createCollection: {
          collection_name: 'made',
          fields: [
            { name: 'pk', data_type: 'VarChar', max_length: 8, is_primary_key: true },
            { name: 'e', data_type: 'FloatVector', dim: 2 },
          ],
          index_params: [{ field_name: 'e', index_type: 'FLAT', metric_type: 'IP' }],
        },
      },
    ],
    (db) => db.collections.made,
    {
      consistency_level: 'Bounded',
      fields: [
        { name: 'pk', data_type: 'VarChar', max_length: 8, is_primary_key: true },
        { name: 'e', data_type: 'FloatVector', dim: 2 },
      ],
      partitions: ['_default'],
      indexes: { e: { field_name: 'e', index_type: 'FLAT', metric_type: 'IP' } },
      load_state: 'loaded',
    },
  ],
  [
    'dropCollection',
    'named through its alias, removes the collection and the aliases pointing at it',
    [{ dropCollection: { collection_name: 'live' } }],
    names,
    { collections: [], aliases: {} },
  ],
  [
    'loadCollection',
    'marks the collection loaded',
    [{ loadCollection: { collection_name: 'docs' } }],
    (db) => db.collections.docs!.load_state,
    'loaded',
  ],
  [
    'releaseCollection',
    'marks a loaded collection released',
    [{ loadCollection: { collection_name: 'docs' } }, { releaseCollection: { collection_name: 'docs' } }],
    (db) => db.collections.docs!.load_state,
    'released',
  ],
  [
    'renameCollection',
    'moves the collection to its new name; its aliases follow',
    [{ renameCollection: { collection_name: 'docs', new_collection_name: 'docs2' } }],
    (db) => ({ ...names(db), same: JSON.stringify(db.collections.docs2) === JSON.stringify(docs()) }),
    { collections: ['docs2'], aliases: { live: 'docs2' }, same: true },
  ],
  [
    'alterCollectionProperties',
    'sets the properties (as strings); dynamicfield.enabled turns on the dynamic field',
    [
      {
        alterCollectionProperties: { collection_name: 'docs', properties: { 'collection.ttl.seconds': 60, 'dynamicfield.enabled': true } },
      },
    ],
    (db) => [db.collections.docs!.properties, db.collections.docs!.enable_dynamic_field],
    [{ 'collection.ttl.seconds': '60' }, true],
  ],
  [
    'dropCollectionProperties',
    'removes the keys it drops (and the properties once none is left)',
    [
      { alterCollectionProperties: { collection_name: 'docs', properties: { 'collection.ttl.seconds': 60, 'mmap.enabled': true } } },
      { dropCollectionProperties: { collection_name: 'docs', properties: ['collection.ttl.seconds'] } },
    ],
    (db) => db.collections.docs!.properties,
    { 'mmap.enabled': 'true' },
  ],
  [
    'addCollectionField',
    'appends the field as declared',
    [{ addCollectionField: { collection_name: 'docs', field: { name: 'rating', data_type: 'Int32', nullable: true } } }],
    (db) => db.collections.docs!.fields.map((f) => f.name).concat(JSON.stringify(field(db, 'rating'))),
    ['id', 'title', 'tags', 'v', 'rating', '{"name":"rating","data_type":"Int32","nullable":true}'],
  ],
  [
    'alterCollectionFieldProperties',
    "sets a VarChar's max_length and an Array's max_capacity",
    [
      { alterCollectionFieldProperties: { collection_name: 'docs', field_name: 'title', properties: { max_length: 512 } } },
      {
        alterCollectionFieldProperties: {
          collection_name: 'docs',
          field_name: 'tags',
          properties: { max_capacity: 32, 'mmap.enabled': true },
        },
      },
    ],
    (db) => [field(db, 'title'), field(db, 'tags')],
    [
      { name: 'title', data_type: 'VarChar', max_length: 512 },
      { name: 'tags', data_type: 'Array', element_type: 'VarChar', max_capacity: 32, max_length: 16 },
    ],
  ],
  [
    'dropCollectionField',
    'removes the field and the indexes on it',
    [{ dropCollectionField: { collection_name: 'docs', field_name: 'title' } }],
    (db) => [db.collections.docs!.fields.map((f) => f.name), Object.keys(db.collections.docs!.indexes)],
    [['id', 'tags', 'v'], ['v']],
  ],
  [
    'rebuildCollection',
    'by name: the new schema takes the name (its aliases with it), the old collection is kept aside',
    [{ rebuildCollection: rebuildByName }],
    (db) => ({
      ...names(db),
      fields: db.collections.docs!.fields.map((f) => f.name),
      indexes: db.collections.docs!.indexes,
      partitions: db.collections.docs!.partitions,
      old: JSON.stringify(db.collections[oldName]) === JSON.stringify(docs()),
    }),
    {
      collections: ['docs', oldName].sort(),
      aliases: { live: 'docs' },
      fields: ['id', 'name', 'v', 'rank'],
      indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }, title_ix: { field_name: 'name', index_type: 'INVERTED' } },
      partitions: ['_default', 'p1'],
      old: true,
    },
  ],
  [
    'rebuildCollection',
    'through an alias, with a whole schema: the new collection is added and the alias moves to it; the old one stays',
    [
      {
        rebuildCollection: {
          collection_name: 'live',
          new_collection_name: 'docs_v2',
          writes: 'paused',
          schema: {
            fields: [
              { name: 'id', data_type: 'Int64', is_primary_key: true },
              { name: 'tag', data_type: 'VarChar', max_length: 32, is_partition_key: true },
              { name: 'v', data_type: 'FloatVector', dim: 4 },
            ],
            num_partitions: 2,
          },
        },
      },
    ],
    (db) => ({ ...names(db), v2: db.collections.docs_v2, docs: JSON.stringify(db.collections.docs) === JSON.stringify(docs()) }),
    {
      collections: ['docs', 'docs_v2'],
      aliases: { live: 'docs_v2' },
      v2: {
        consistency_level: 'Bounded',
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'tag', data_type: 'VarChar', max_length: 32, is_partition_key: true },
          { name: 'v', data_type: 'FloatVector', dim: 4 },
        ],
        partitions: ['_default_0', '_default_1'],
        indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' } },
        load_state: 'released',
      },
      docs: true,
    },
  ],
  [
    'createAlias',
    'points a new alias at the collection; given an alias as the collection, at its target',
    [{ createAlias: { alias: 'a2', collection_name: 'docs' } }, { createAlias: { alias: 'a3', collection_name: 'live' } }],
    (db) => db.aliases,
    { live: 'docs', a2: 'docs', a3: 'docs' },
  ],
  [
    'alterAlias',
    'moves the alias to another collection',
    [
      { createCollection: { collection_name: 'other', fields: docs().fields.filter((f) => f.name !== 'tags') } },
      { alterAlias: { alias: 'live', collection_name: 'other' } },
    ],
    (db) => db.aliases,
    { live: 'other' },
  ],
  ['dropAlias', 'removes the alias', [{ dropAlias: { alias: 'live' } }], (db) => db.aliases, {}],
  [
    'createDatabase',
    'adds an empty database',
    [{ createDatabase: { db_name: 'shop' } }],
    (_db, model) => [...model.databases.keys(), model.databases.get('shop')],
    ['default', 'shop', { collections: {}, aliases: {}, others: new Set() }],
  ],
  [
    'dropDatabase',
    'removes the database',
    [{ createDatabase: { db_name: 'shop' } }, { dropDatabase: { db_name: 'shop' } }],
    (_db, model) => [...model.databases.keys()],
    ['default'],
  ],
  [
    'createIndex',
    'adds the index under its name (the field name by default), params as strings',
    [
      { createIndex: { collection_name: 'docs', field_name: 'id', index_name: 'id_ix', index_type: 'STL_SORT' } },
      { createIndex: { collection_name: 'docs', field_name: 'tags', params: { x: 1 } } },
    ],
    (db) => [db.collections.docs!.indexes.id_ix, db.collections.docs!.indexes.tags],
    [
      { field_name: 'id', index_type: 'STL_SORT' },
      { field_name: 'tags', index_type: 'AUTOINDEX', params: { x: '1' } },
    ],
  ],
  [
    'dropIndex',
    'removes the index on the field',
    [{ dropIndex: { collection_name: 'docs', field_name: 'title' } }],
    (db) => Object.keys(db.collections.docs!.indexes),
    ['v'],
  ],
  [
    'createPartition',
    'adds the partition',
    [{ createPartition: { collection_name: 'docs', partition_name: 'p2' } }],
    (db) => db.collections.docs!.partitions,
    ['_default', 'p1', 'p2'],
  ],
  [
    'dropPartition',
    'removes the partition',
    [{ dropPartition: { collection_name: 'docs', partition_name: 'p1' } }],
    (db) => db.collections.docs!.partitions,
    ['_default'],
  ],
  [
    'restoreBackup',
    'of a partition backup: creates the partition again',
    [{ dropPartition: { collection_name: 'docs', partition_name: 'p1' } }, restore(partitionBackup, 'p1')],
    (db) => db.collections.docs!.partitions,
    ['_default', 'p1'],
  ],
  [
    'restoreBackup',
    "of a collection backup: re-creates the collection from the backup's manifest",
    [{ dropCollection: { collection_name: 'docs' } }, restore(collectionBackup)],
    (db) => db.collections.docs,
    {
      consistency_level: 'Bounded',
      fields: docs().fields,
      partitions: ['_default', 'p1'],
      indexes: { v: { field_name: 'v', index_type: 'FLAT' } },
      load_state: 'released',
    },
  ],
];

/** [step, the call of a step that only checks, the refusal]: these leave the model as it was. */
const CHECKS: readonly [string, YamlStep, string][] = [
  [
    'flush',
    { flush: { collection_names: ['docs', 'nope'] } },
    'up[0].flush: collection nope does not exist at this point of the plan (database default holds: docs)',
  ],
  [
    'loadPartitions',
    { loadPartitions: { collection_name: 'docs', partition_names: ['p1', 'p9'] } },
    'up[0].loadPartitions: collection docs has no partition p9 (partitions: _default, p1)',
  ],
  [
    'releasePartitions',
    { releasePartitions: { collection_name: 'live', partition_names: ['p9'] } },
    'up[0].releasePartitions: collection live has no partition p9 (partitions: _default, p1)',
  ],
  [
    'insert',
    { insert: { collection_name: 'docs', data: [{ id: 1, title: 'a', tags: [], v: [1, 2] }] } },
    'up[0].insert: data row 1: field "v" (FloatVector, dim 4) needs 4 numbers, got 2',
  ],
  [
    'upsert',
    { upsert: { collection_name: 'docs', data: [{ id: 1, title: 'a', tags: [], v: [1, 2, 3, 4], x: 1 }] } },
    'up[0].upsert: data row 1: unknown field "x": docs has id, title, tags, v (and no dynamic field)',
  ],
  [
    'delete',
    { delete: { collection_name: 'docs', partition_name: 'p9', filter: 'id > 0' } },
    'up[0].delete: collection docs has no partition p9 (partitions: _default, p1)',
  ],
  [
    'copyRows',
    { copyRows: { collection_name: 'docs', target_collection_name: 'nope' } },
    'up[0].copyRows: target collection nope does not exist at this point of the plan (database default holds: docs)',
  ],
];

describe('each step of the catalogue', () => {
  it('has its effect or its check pinned here; only exec has neither', () => {
    const pinned = new Set([...EFFECTS.map(([s]) => s), ...CHECKS.map(([s]) => s)]);
    const withEffect = STEP_DEFINITIONS.filter((d) => 'effect' in d).map((d) => d.name);
    expect(withEffect.filter((s) => !EFFECTS.some(([e]) => e === s))).toEqual([]);
    expect(STEP_DEFINITIONS.filter((d) => !pinned.has(d.name)).map((d) => d.name)).toEqual(['exec']);
    expect(STEP_DEFINITIONS.filter((d) => !('effect' in d) && !('expect' in d)).map((d) => d.name)).toEqual(['exec']);
  });
});

describe('effects on the schema model', () => {
  it.each(EFFECTS)('%s %s', async (_step, _what, up, read, after) => {
    const { problems, db, model } = await fold(up, root);
    expect(problems).toEqual([]);
    expect(read(db, model)).toEqual(after);
  });
});

describe('steps that only check', () => {
  it.each(CHECKS)('%s refuses what the model will not hold and changes nothing', async (_step, call, refusal) => {
    const { problems, model } = await fold([call], root);
    expect(problems).toEqual([refusal]);
    expect(model).toEqual(before());
  });
});
