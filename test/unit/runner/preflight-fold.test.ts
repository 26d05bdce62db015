/**
 * Each step's effect on the schema model, and the checks a plan's later steps get against it
 * (issue 19): the fold over an empty model, without a server.
 */
import { describe, expect, it } from 'vitest';
import type { Migration } from '../../../src/migrations/model.js';
import type { PlannedMigration } from '../../../src/runner/plan.js';
import { foldPlan } from '../../../src/runner/preflight.js';
import { emptyModel } from '../../../src/schema/plan-model.js';
import { STEPS } from '../../../src/steps/catalogue.js';
import type { StepCall } from '../../../src/steps/types.js';

const docs = {
  collection_name: 'docs',
  fields: [
    { name: 'id', data_type: 'Int64', is_primary_key: true },
    { name: 'title', data_type: 'VarChar', max_length: 64 },
    { name: 'embedding', data_type: 'FloatVector', dim: 4 },
  ],
};

function planOf(...migrations: StepCall[][]): PlannedMigration[] {
  return migrations.map((steps, i) => {
    const m: Migration = {
      name: `00${i + 1}_m`,
      path: `/m/00${i + 1}_m.yaml`,
      format: 'yaml',
      checksum: 'x',
      description: undefined,
      up: { kind: 'steps', steps },
      down: undefined,
    };
    return {
      migration: m,
      direction: 'up',
      steps: steps.map((s) => ({ step: s.step, params: STEPS.get(s.step)!.params.parse(s.params) as Record<string, unknown> })),
      body: m.up,
      notes: [],
      resumeFrom: 0,
      row: undefined,
    };
  });
}

const call = (step: string, params: Record<string, unknown>): StepCall => ({ step, params });

describe('effects on the schema model', () => {
  it('createCollection adds the collection with its fields, index, partitions and load state', async () => {
    const model = emptyModel();
    const index_params = [{ field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' }];
    expect(await foldPlan(model, planOf([call('createCollection', { ...docs, index_params })]))).toEqual([]);
    expect(model.databases.get('default')!.collections.docs).toEqual({
      consistency_level: 'Bounded',
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'title', data_type: 'VarChar', max_length: 64 },
        { name: 'embedding', data_type: 'FloatVector', dim: 4 },
      ],
      partitions: ['_default'],
      indexes: { embedding: { field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' } },
      load_state: 'loaded',
    });
  });

  it('partitions, indexes, aliases, properties, load state, rename and drop move the model forward', async () => {
    const model = emptyModel();
    const problems = await foldPlan(
      model,
      planOf(
        [call('createCollection', docs), call('createPartition', { collection_name: 'docs', partition_name: 'p1' })],
        [call('createIndex', { collection_name: 'docs', field_name: 'embedding', index_name: 'e', index_type: 'FLAT', metric_type: 'L2' })],
        [call('createAlias', { alias: 'live', collection_name: 'docs' }), call('loadCollection', { collection_name: 'docs' })],
        [call('alterCollectionProperties', { collection_name: 'docs', properties: { 'collection.ttl.seconds': 60 } })],
        [call('renameCollection', { collection_name: 'docs', new_collection_name: 'docs2' })],
      ),
    );
    expect(problems).toEqual([]);
    const db = model.databases.get('default')!;
    expect(Object.keys(db.collections)).toEqual(['docs2']);
    expect(db.aliases).toEqual({ live: 'docs2' });
    expect(db.collections.docs2).toMatchObject({
      partitions: ['_default', 'p1'],
      load_state: 'loaded',
      properties: { 'collection.ttl.seconds': '60' },
    });
    expect(Object.keys(db.collections.docs2!.indexes)).toEqual(['e']);

    await foldPlan(
      model,
      planOf([
        call('releaseCollection', { collection_name: 'docs2' }),
        call('dropIndex', { collection_name: 'docs2', field_name: 'embedding' }),
        call('dropPartition', { collection_name: 'docs2', partition_name: 'p1' }),
        call('dropAlias', { alias: 'live' }),
        call('dropCollectionProperties', { collection_name: 'docs2', properties: ['collection.ttl.seconds'] }),
      ]),
    );
    expect(db.collections.docs2).toMatchObject({ partitions: ['_default'], load_state: 'released', indexes: {} });
    expect(db.collections.docs2!.properties).toBeUndefined();
    expect(db.aliases).toEqual({});
    await foldPlan(model, planOf([call('dropCollection', { collection_name: 'docs2' })]));
    expect(db.collections).toEqual({});
  });

  it('createDatabase and dropDatabase add and remove a database; addCollectionField adds a nullable field', async () => {
    const model = emptyModel();
    await foldPlan(model, planOf([call('createDatabase', { db_name: 'shop' }), call('createCollection', { ...docs, db_name: 'shop' })]));
    expect(Object.keys(model.databases.get('shop')!.collections)).toEqual(['docs']);
    await foldPlan(
      model,
      planOf([
        call('addCollectionField', {
          collection_name: 'docs',
          db_name: 'shop',
          field: { name: 'rating', data_type: 'Int32', nullable: true },
        }),
      ]),
    );
    expect(model.databases.get('shop')!.collections.docs!.fields.at(-1)).toEqual({ name: 'rating', data_type: 'Int32', nullable: true });
    expect(await foldPlan(model, planOf([call('dropDatabase', { db_name: 'shop' })]))).toEqual([
      {
        file: '/m/001_m.yaml',
        path: 'up[0].dropDatabase',
        message: 'database shop will still hold 1 collection (docs): Milvus drops only an empty database',
      },
    ]);
    expect(model.databases.has('shop')).toBe(false);
  });
});

describe('checks against the model as it will be', () => {
  it('names the file, the step and what the database will hold', async () => {
    const problems = await foldPlan(
      emptyModel(),
      planOf(
        [call('createCollection', docs)],
        [
          call('createIndex', { collection_name: 'docs', field_name: 'embeddingz' }),
          call('insert', {
            collection_name: 'docs',
            data: [
              { id: 1, title: 'a', embedding: [1, 2] },
              { id: 2, title: 'b', embedding: [1, 2, 3, 4], x: 1 },
            ],
          }),
          call('dropPartition', { collection_name: 'docs', partition_name: 'p9' }),
          call('createPartition', { collection_name: 'dogs', partition_name: 'p1' }),
          call('alterAlias', { alias: 'live', collection_name: 'docs' }),
          call('loadCollection', { collection_name: 'docs' }),
        ],
      ),
    );
    expect(problems.map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual([
      '/m/002_m.yaml: up[0].createIndex: collection docs has no field embeddingz (fields: id, title, embedding)',
      '/m/002_m.yaml: up[1].insert: data row 1: field "embedding" (FloatVector, dim 4) needs 4 numbers, got 2',
      '/m/002_m.yaml: up[1].insert: data row 2: unknown field "x": docs has id, title, embedding (and no dynamic field)',
      '/m/002_m.yaml: up[2].dropPartition: collection docs has no partition p9 (partitions: _default); use if_exists: true to skip a missing partition',
      '/m/002_m.yaml: up[3].createPartition: collection dogs does not exist at this point of the plan (database default holds: docs)',
      '/m/002_m.yaml: up[4].alterAlias: alias live does not exist at this point of the plan (use createAlias)',
      '/m/002_m.yaml: up[5].loadCollection: collection docs has no index on embedding at this point of the plan: Milvus loads a collection only when every vector field has one',
    ]);
  });

  it('after a code migration, what is absent is not reported (its calls are known only when they run)', async () => {
    const plan = planOf([call('createPartition', { collection_name: 'made_by_code', partition_name: 'p1' })]);
    const code: PlannedMigration = { ...plan[0]!, steps: undefined, body: { kind: 'code', fn: async () => {} } };
    expect(await foldPlan(emptyModel(), [code, ...plan])).toEqual([]);
  });

  it('partitions per collection stop at the server limit', async () => {
    const model = emptyModel();
    await foldPlan(model, planOf([call('createCollection', docs)]));
    model.databases.get('default')!.collections.docs!.partitions = Array.from({ length: 1024 }, (_, i) => `p${i}`);
    const problems = await foldPlan(model, planOf([call('createPartition', { collection_name: 'docs', partition_name: 'one_more' })]), {
      serverVersion: 'v2.6.0',
    });
    expect(problems.map((p) => p.message)).toEqual([
      'collection docs will hold 1024 partitions: Milvus allows at most 1024 (rootCoord.maxPartitionNum)',
    ]);
  });
});
