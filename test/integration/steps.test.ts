/**
 * Each step of the catalogue and its inverse against real Milvus, through the public API, with
 * Milvus checked afterwards by the SDK directly.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok, useApiProjects } from '../support/api.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml } from '../support/project.js';
import { createCollectionWithSdk, hasCollection, loadStateOf, partitionsOf, readRows } from '../support/sdk.js';

/** Each test has its own migrations folder and state collection. */
const t = useApiProjects();
const { up, down } = t;
const has = (c: string) => hasCollection(t.client, c);
const loadState = (c: string, partitions?: string[]) => loadStateOf(t.client, c, partitions);
const indexes = async (c: string) => {
  const res = await t.client.describeIndex({ collection_name: c });
  return (res.index_descriptions ?? []).map((d) => ({
    field: d.field_name,
    state: String(d.state),
    params: Object.fromEntries(d.params.map((p) => [p.key, p.value])),
  }));
};
const count = async (c: string) => (await readRows(t.client, c, { fields: ['id'] })).length;

const ID_AND_8_DIM_VECTOR = [
  { name: 'id', data_type: 'Int64', is_primary_key: true },
  { name: 'v', data_type: 'FloatVector', dim: 8 },
];

let n = 0;
const name = (what: string) => `${String(++n).padStart(3, '0')}_${what}`;

describe('collections', () => {
  it('createCollection with partition key, dynamic field and description; inverse drops it', async () => {
    const c = uniqueName('keyed');
    await t.api.write(
      `${name('create_keyed')}.yaml`,
      `up:
  - createCollection:
      collection_name: ${c}
      description: tenants
      enable_dynamic_field: true
      num_partitions: 8
      fields:
        - { name: id, data_type: Int64, is_primary_key: true, autoID: true }
        - { name: tenant, data_type: VarChar, max_length: 32, is_partition_key: true }
        - { name: tags, data_type: Array, element_type: VarChar, max_capacity: 4, max_length: 16 }
        - { name: meta, data_type: JSON }
        - { name: v, data_type: FloatVector, dim: 8 }
`,
    );
    await up();
    const desc = await t.client.describeCollection({ collection_name: c });
    expect(desc.schema.description).toBe('tenants');
    expect(desc.schema.enable_dynamic_field).toBe(true);
    expect(desc.schema.fields.map((f) => [f.name, f.data_type, Boolean(f.is_partition_key)])).toEqual([
      ['id', 'Int64', false],
      ['tenant', 'VarChar', true],
      ['tags', 'Array', false],
      ['meta', 'JSON', false],
      ['v', 'FloatVector', false],
    ]);
    expect(desc.schema.fields[0]!.autoID).toBe(true);
    expect(await partitionsOf(t.client, c)).toHaveLength(8);
    expect(await loadState(c)).toBe('LoadStateNotLoad');

    await down();
    expect(await has(c)).toBe(false);
  });

  it('createCollection with index_params builds the index and loads; same schema again is accepted; if_not_exists skips and its down keeps the collection', async () => {
    const c = uniqueName('indexed');
    await t.api.write(`${name('create_indexed')}.yaml`, `up:\n${collectionYaml(c)}`);
    await up();
    expect(await indexes(c)).toEqual([{ field: 'embedding', state: 'Finished', params: { index_type: 'FLAT', metric_type: 'L2' } }]);
    expect(await loadState(c)).toBe('LoadStateLoaded');

    // Same schema: Milvus accepts the create again.
    await t.api.write(
      `${name('create_same')}.yaml`,
      `up:\n${collectionYaml(c).replace('index_params:\n        - { field_name: embedding, index_type: FLAT, metric_type: L2 }\n', '')}`,
    );
    await up();

    await t.api.write(
      `${name('create_if_not_exists')}.yaml`,
      `up:\n  - createCollection:\n      collection_name: ${c}\n      if_not_exists: true\n      fields:\n        - { name: other, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
    );
    const run = await up();
    expect(run.results[0]!.steps[0]!.status).toBe('skipped');
    await down();
    expect(await has(c)).toBe(true);
    expect((await t.client.describeCollection({ collection_name: c })).schema.fields.map((f) => f.name)).toEqual([
      'id',
      'title',
      'embedding',
    ]);
  });

  it('createCollection with another schema for an existing name fails with what Milvus said', async () => {
    const c = uniqueName('clash');
    await t.api.write(`${name('clash_a')}.yaml`, `up:\n${collectionYaml(c)}`);
    await t.api.write(
      `${name('clash_b')}.yaml`,
      `up:\n  - createCollection:\n      collection_name: ${c}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 16 }\n`,
    );
    const run = await t.api.migrator().up();
    expect(run.results.map((r) => r.status)).toEqual(['success', 'error']);
    expect(run.error?.kind).toBe('migration-failed');
    expect(run.error?.message).toMatch(/step 1 createCollection failed: .*create duplicate collection with different parameters/);
  });

  it('dropCollection drops it; a missing one is refused before anything runs unless if_exists, and fails if gone at run time; it is irreversible without a backup', async () => {
    const c = uniqueName('todrop');
    await createCollectionWithSdk(t.client, c);
    await t.api.write(`${name('drop_it')}.yaml`, `up:\n  - dropCollection: { collection_name: ${c} }\n`);
    await t.api.write(`${name('drop_again')}.yaml`, `up:\n  - dropCollection: { collection_name: ${c}, if_exists: true }\n`);
    const run = await up();
    expect(run.results.map((r) => r.steps[0]!.status)).toEqual(['done', 'skipped']);
    expect(await has(c)).toBe(false);

    const missing = name('drop_missing');
    await t.api.write(`${missing}.yaml`, `up:\n  - dropCollection: { collection_name: ${c} }\n`);
    const refused = await t.api.migrator().up();
    expect(refused.error?.kind).toBe('invalid-input');
    expect(refused.error?.message).toContain('The plan cannot run on this Milvus; nothing was changed');
    expect(refused.error?.message).toContain(
      `${missing}.yaml:2: up[0].dropCollection: collection ${c} does not exist at this point of the plan (database default holds: `,
    );
    expect(refused.error?.message).toContain('; use if_exists: true to skip a missing collection');
    expect(refused.results.map((r) => r.status)).toEqual(['not-executed']);
    expect((await t.api.migrator().status()).map((s) => s.status)).toEqual(['applied', 'applied', 'pending']);

    // Gone at run time: a code migration the check cannot see into drops it first.
    const gone = uniqueName('todrop_gone');
    await createCollectionWithSdk(t.client, gone);
    await rm(join(t.api.dir, `${missing}.yaml`));
    await t.api.write(
      `${name('drop_code')}.mjs`,
      `export default { async up({ steps }) { await steps.dropCollection({ collection_name: ${JSON.stringify(gone)} }); } };\n`,
    );
    await t.api.write(`${name('drop_gone')}.yaml`, `up:\n  - dropCollection: { collection_name: ${gone} }\n`);
    const failed = await t.api.migrator().up();
    expect(failed.results.map((r) => r.status)).toEqual(['success', 'error']);
    expect(failed.error?.message).toContain(
      `dropCollection failed: collection ${gone} does not exist (use if_exists: true to skip a missing collection)`,
    );
    expect(await has(gone)).toBe(false);
    await expect(t.api.migrator().down({ to: 0 }).then(ok)).rejects.toThrow(
      /drop_it.yaml: is irreversible: step 1 dropCollection: dropCollection .* deletes its data; there is no backup/,
    );
  });
});

describe('indexes', () => {
  it('createIndex waits until built; its inverse drops it', async () => {
    const c = uniqueName('idx');
    await createCollectionWithSdk(t.client, c, { fields: ID_AND_8_DIM_VECTOR });
    await t.api.write(
      `${name('index')}.yaml`,
      `up:\n  - createIndex: { collection_name: ${c}, field_name: v, index_type: IVF_FLAT, metric_type: IP, params: { nlist: 64 } }\n`,
    );
    await up();
    expect(await indexes(c)).toEqual([
      { field: 'v', state: 'Finished', params: { index_type: 'IVF_FLAT', metric_type: 'IP', params: '{"nlist":64}' } },
    ]);
    await down();
    expect(await indexes(c)).toEqual([]);
  });

  it('dropIndex records the index and its inverse builds the same one again', async () => {
    const c = uniqueName('dropidx');
    await createCollectionWithSdk(t.client, c, { fields: ID_AND_8_DIM_VECTOR });
    await t.client.createIndex({ collection_name: c, field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 32 } });
    const before = await indexes(c);
    await t.api.write(`${name('drop_index')}.yaml`, `up:\n  - dropIndex: { collection_name: ${c}, field_name: v }\n`);
    await up();
    expect(await indexes(c)).toEqual([]);
    await down();
    expect(await indexes(c)).toEqual(before);
  });
});

describe('load and release', () => {
  it('loadCollection / releaseCollection and their inverses', async () => {
    const c = uniqueName('load');
    await t.api.write(`${name('create')}.yaml`, `up:\n${collectionYaml(c)}  - releaseCollection: { collection_name: ${c} }\n`);
    await up();
    expect(await loadState(c)).toBe('LoadStateNotLoad');
    await t.api.write(`${name('load')}.yaml`, `up:\n  - loadCollection: { collection_name: ${c} }\n`);
    await up();
    expect(await loadState(c)).toBe('LoadStateLoaded');
    await down();
    expect(await loadState(c)).toBe('LoadStateNotLoad');
  });

  it('loadPartitions / releasePartitions and their inverses', async () => {
    const c = uniqueName('loadparts');
    await t.api.write(
      `${name('create')}.yaml`,
      `up:\n${collectionYaml(c)}  - releaseCollection: { collection_name: ${c} }\n  - createPartition: { collection_name: ${c}, partition_name: p1 }\n  - createPartition: { collection_name: ${c}, partition_name: p2 }\n`,
    );
    await t.api.write(`${name('load_p1')}.yaml`, `up:\n  - loadPartitions: { collection_name: ${c}, partition_names: [p1] }\n`);
    await up();
    expect(await loadState(c, ['p1'])).toBe('LoadStateLoaded');
    expect(await loadState(c, ['p2'])).toBe('LoadStateNotLoad');
    await t.api.write(`${name('release_p1')}.yaml`, `up:\n  - releasePartitions: { collection_name: ${c}, partition_names: [p1] }\n`);
    await up();
    expect(await loadState(c, ['p1'])).toBe('LoadStateNotLoad');
    await down(); // re-loads p1
    expect(await loadState(c, ['p1'])).toBe('LoadStateLoaded');
    await down(); // releases p1
    expect(await loadState(c, ['p1'])).toBe('LoadStateNotLoad');
  });
});

describe('partitions and data', () => {
  it('createPartition, insert; the inverse of insert deletes exactly the inserted rows; delete removes rows', async () => {
    const c = uniqueName('data');
    await t.api.write(
      `${name('create')}.yaml`,
      `up:\n${collectionYaml(c)}  - createPartition: { collection_name: ${c}, partition_name: p2027 }\n`,
    );
    await up();
    expect(await partitionsOf(t.client, c)).toEqual(['_default', 'p2027']);
    await t.client.insert({ collection_name: c, data: [{ id: 999, title: 'by hand', embedding: [1, 1, 1, 1] }] });

    await t.api.write(
      `${name('seed')}.yaml`,
      `up:\n  - insert:\n      collection_name: ${c}\n      partition_name: p2027\n      data:\n${rowsYaml(1, 10)}\n`,
    );
    await up();
    expect(await count(c)).toBe(11);
    await down();
    expect(await count(c)).toBe(1);

    await up();
    await t.api.write(`${name('delete')}.yaml`, `up:\n  - delete: { collection_name: ${c}, filter: "id < 5" }\n`);
    await up();
    expect(await count(c)).toBe(7);
    await expect(t.api.migrator().down().then(ok)).rejects.toThrow(
      /is irreversible: step 1 delete: delete .* where id < 5 removes rows; there is no backup to restore them from \(use backup: true\)/,
    );
  });

  it('a delete limited to a partition is planned with the rows its filter matches there only', async () => {
    const c = uniqueName('delplan');
    await t.api.write(
      `${name('create')}.yaml`,
      `up:\n${collectionYaml(c)}  - createPartition: { collection_name: ${c}, partition_name: p1 }\n`,
    );
    await up();
    await t.client.insert({
      collection_name: c,
      partition_name: 'p1',
      data: [1, 2, 3].map((id) => ({ id, title: 'p1', embedding: [id, 1, 1, 1] })),
    });
    await t.client.insert({ collection_name: c, data: [4, 5].map((id) => ({ id, title: 'default', embedding: [id, 1, 1, 1] })) });
    await t.api.write(`${name('delete')}.yaml`, `up:\n  - delete: { collection_name: ${c}, partition_name: p1, filter: "id > 0" }\n`);
    const plan = ok(await t.api.migrator().up({ dryRun: true }));
    expect(plan.results[0]!.steps[0]!.facts).toEqual(['matches 3 rows now']);
    await up();
    expect(await count(c)).toBe(2);
  });

  it('dropPartition without backup has createPartition as inverse, with a note that rows are not restored', async () => {
    const c = uniqueName('dropinv');
    await t.api.write(
      `${name('create')}.yaml`,
      `up:\n${collectionYaml(c)}  - createPartition: { collection_name: ${c}, partition_name: old }\n`,
    );
    await t.api.write(`${name('drop')}.yaml`, `up:\n  - dropPartition: { collection_name: ${c}, partition_name: old }\n`);
    await up();
    expect(await partitionsOf(t.client, c)).toEqual(['_default']);
    const plan = ok(await t.api.migrator().down({ dryRun: true }));
    expect(plan.results[0]!.steps[0]).toMatchObject({
      step: 'createPartition',
      note: 're-creates the partition empty: its rows are not restored',
    });
    await down();
    expect(await partitionsOf(t.client, c)).toEqual(['_default', 'old']);
  });
});
