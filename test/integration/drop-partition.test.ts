/**
 * The seed step, dropPartition, against real Milvus: rows in two partitions, drop one, the other
 * keeps its rows; loaded partitions are released first; missing ones are refused before anything
 * runs unless if_exists, and fail at run time when they went missing where the check cannot see.
 * Milvus is checked with the SDK directly, not through the tool's state.
 */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml, type TestProject } from '../support/project.js';
import { hasCollection, loadStateOf, partitionsOf, readRows } from '../support/sdk.js';

const t = useMilvusTest();

const countRows = async (collection: string, partition?: string) =>
  (await readRows(t.client, collection, { partition, fields: ['id'] })).length;
const partitions = (collection: string) => partitionsOf(t.client, collection);

async function setUp(p: TestProject, collection: string) {
  await p.write(
    '001_create.yaml',
    `up:\n${collectionYaml(collection)}  - createPartition: { collection_name: ${collection}, partition_name: example_partition }\n  - createPartition: { collection_name: ${collection}, partition_name: other_partition }\n`,
  );
  await p.write(
    '002_seed.yaml',
    `up:\n  - insert:\n      collection_name: ${collection}\n      partition_name: example_partition\n      data:\n${rowsYaml(1, 30)}\n  - insert:\n      collection_name: ${collection}\n      partition_name: other_partition\n      data:\n${rowsYaml(100, 20)}\n`,
  );
}

describe('dropPartition', () => {
  it('drops a loaded partition (released first) and leaves the other partition and its rows intact', async () => {
    const p = await t.project();
    const collection = uniqueName('seed');
    await setUp(p, collection);
    await p.write('003_drop.yaml', `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: example_partition }\n`);

    expect((await p.cli(['up', '--to', '002_seed'])).code).toBe(0);
    expect(await countRows(collection, 'example_partition')).toBe(30);
    expect(await loadStateOf(t.client, collection)).toBe('LoadStateLoaded');

    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('releasing loaded partition example_partition');

    expect(await partitions(collection)).toEqual(expect.not.arrayContaining(['example_partition']));
    expect(await partitions(collection)).toEqual(expect.arrayContaining(['_default', 'other_partition']));
    expect(await countRows(collection, 'other_partition')).toBe(20);
    expect(await countRows(collection)).toBe(20);
  });

  it('with if_exists, a missing partition is a no-op and the migration is applied', async () => {
    const p = await t.project();
    const collection = uniqueName('ifexists');
    await p.write('001_create.yaml', `up:\n${collectionYaml(collection)}`);
    await p.write(
      '002_drop.yaml',
      `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: never_there, if_exists: true }\n`,
    );
    const res = await p.cli(['up', '--allow-destructive', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = res.json();
    expect(doc.migrations.map((m: any) => [m.name, m.status])).toEqual([
      ['001_create', 'success'],
      ['002_drop', 'success'],
    ]);
    expect(doc.migrations[1].steps[0].status).toBe('skipped');
    expect(await partitions(collection)).toEqual(['_default']);
  });

  it('without if_exists, a missing partition is refused before anything runs (exit 2) naming collection and partition; nothing is applied', async () => {
    const p = await t.project();
    const collection = uniqueName('missing');
    await p.write('001_create.yaml', `up:\n${collectionYaml(collection)}`);
    await p.write('002_drop.yaml', `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: never_there }\n`);
    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('The plan cannot run on this Milvus; nothing was changed');
    expect(res.stderr).toContain(
      `002_drop.yaml:2: up[0].dropPartition: collection ${collection} has no partition never_there (partitions: _default); use if_exists: true to skip a missing partition`,
    );
    // The check ran against the model 001_create leaves, before 001_create ran: nothing applied, no state.
    expect(await hasCollection(t.client, collection)).toBe(false);
    expect(await hasCollection(t.client, p.stateCollection)).toBe(false);
  });

  it('a partition gone at run time (dropped by a code migration the check cannot see into) fails with exit 1 naming collection and partition, and is recorded as failed', async () => {
    const p = await t.project();
    const collection = uniqueName('gone');
    await p.write(
      '001_create.yaml',
      `up:\n${collectionYaml(collection)}  - createPartition: { collection_name: ${collection}, partition_name: never_there }\n`,
    );
    await p.write(
      '002_code.mjs',
      `export default { async up({ steps }) { await steps.dropPartition({ collection_name: ${JSON.stringify(collection)}, partition_name: 'never_there' }); } };\n`,
    );
    await p.write('003_drop.yaml', `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: never_there }\n`);
    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain(
      `Migration 003_drop (up) step 1 dropPartition failed: partition never_there does not exist in collection ${collection} (use if_exists: true to skip a missing partition)`,
    );
    const status = (await p.cli(['status', '--json'])).json();
    expect(status.migrations.map((m: any) => [m.name, m.status])).toEqual([
      ['001_create', 'applied'],
      ['002_code', 'applied'],
      ['003_drop', 'failed'],
    ]);
    expect(status.migrations[2].lastError).toContain('partition never_there does not exist');
    expect(await partitions(collection)).toEqual(['_default']);
  });

  it('refuses _default and partitions of a partition-key collection before anything runs (exit 2)', async () => {
    const p = await t.project();
    const keyed = uniqueName('keyed');
    await p.write(
      '001_keyed.yaml',
      `up:\n  - createCollection:\n      collection_name: ${keyed}\n      num_partitions: 4\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: tenant, data_type: VarChar, max_length: 32, is_partition_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
    );
    await p.write('002_drop_key.yaml', `up:\n  - dropPartition: { collection_name: ${keyed}, partition_name: _default_0 }\n`);
    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`collection ${keyed} uses a partition key: Milvus manages its partitions and none can be dropped`);
    // Validation happened before the first migration: the collection was not created.
    expect(await hasCollection(t.client, keyed)).toBe(false);

    await p.write('002_drop_key.yaml', `up:\n  - dropPartition: { collection_name: ${keyed}, partition_name: _default }\n`);
    const res2 = await p.cli(['up', '--allow-destructive']);
    expect(res2.code).toBe(2);
    expect(res2.stderr).toContain('002_drop_key.yaml:2:');
    expect(res2.stderr).toContain('the _default partition cannot be dropped');
    expect(await hasCollection(t.client, keyed)).toBe(false);
  });
});
