/**
 * Every pending migration is checked against the schema as it will be when each step runs,
 * before the first change: a valid migration before a faulty one is not applied, and no state
 * collection is created (issue 19). Milvus is checked with the SDK afterwards.
 */
import { DataType } from '@zilliz/milvus2-sdk-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml, type TestProject } from '../support/project.js';

const t = useMilvusTest();

/** A collection made behind the tool's back: id, title, a 4-dim embedding with a FLAT index named embedding_idx. */
const base = uniqueName('pf_base');

beforeAll(async () => {
  const res = await t.client.createCollection({
    collection_name: base,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'title', data_type: DataType.VarChar, max_length: 64 },
      { name: 'embedding', data_type: DataType.FloatVector, dim: 4 },
    ],
  });
  expect(res.error_code).toBe('Success');
  await t.client.createIndex({
    collection_name: base,
    field_name: 'embedding',
    index_name: 'embedding_idx',
    index_type: 'FLAT',
    metric_type: 'L2',
  });
});

interface Fault {
  /** The faulty step (one YAML list item, `@B` = the base collection). */
  step: string;
  /** The problem as reported, after the step path. */
  message: string;
  files?: Record<string, string>;
  offline?: boolean;
}

const faults: Record<string, Fault> = {
  'a step on a collection that does not exist': {
    step: 'createPartition: { collection_name: pf_nope, partition_name: p1 }',
    message: 'up[0].createPartition: collection pf_nope does not exist at this point of the plan (database default holds: ',
  },
  'an index on a field the collection lacks': {
    step: 'createIndex: { collection_name: @B, field_name: embeddingz, index_type: FLAT, metric_type: L2 }',
    message: 'up[0].createIndex: collection @B has no field embeddingz (fields: id, title, embedding)',
  },
  'rows whose vector has the wrong dim': {
    step: 'insert: { collection_name: @B, data: [{ id: 1, title: a, embedding: [1, 2, 3] }] }',
    message: 'up[0].insert: data row 1: field "embedding" (FloatVector, dim 4) needs 4 numbers, got 3',
  },
  'rows with a field the collection lacks': {
    step: 'insert: { collection_name: @B, data: [{ id: 1, title: a, embedding: [1, 2, 3, 4], colour: red }] }',
    message: 'up[0].insert: data row 1: unknown field "colour": @B has id, title, embedding (and no dynamic field)',
  },
  'a data file row with the wrong dim': {
    step: 'upsert: { collection_name: @B, data_file: seed.jsonl }',
    files: { 'seed.jsonl': '{"id": 1, "title": "a", "embedding": [1, 2, 3, 4]}\n{"id": 2, "title": "b", "embedding": [1, 2]}\n' },
    message: 'up[0].upsert: seed.jsonl line 2: field "embedding" (FloatVector, dim 4) needs 4 numbers, got 2',
  },
  'a data file row whose value has the wrong type': {
    step: 'insert: { collection_name: @B, data_file: seed.jsonl }',
    files: { 'seed.jsonl': '{"id": "one", "title": "a", "embedding": [1, 2, 3, 4]}\n' },
    message: 'up[0].insert: seed.jsonl line 1: field "id" (Int64) needs a whole number, got string "one"',
  },
  'a vector dim over Milvus limit': {
    step: 'createCollection: { collection_name: pf_wide, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 40000 }] }',
    message: 'FloatVector field v has dim 40000: Milvus allows at most 32768 (proxy.maxDimension)',
    // Needs no server: refused with the file's own checks, still before the first change.
    offline: true,
  },
  dropCollection: {
    step: 'dropCollection: { collection_name: pf_nope }',
    message: 'up[0].dropCollection: collection pf_nope does not exist at this point of the plan',
  },
  loadCollection: {
    step: 'loadCollection: { collection_name: pf_nope }',
    message: 'up[0].loadCollection: collection pf_nope does not exist at this point of the plan',
  },
  releaseCollection: {
    step: 'releaseCollection: { collection_name: pf_nope }',
    message: 'up[0].releaseCollection: collection pf_nope does not exist',
  },
  renameCollection: {
    step: 'renameCollection: { collection_name: pf_nope, new_collection_name: pf_other }',
    message: 'up[0].renameCollection: collection pf_nope does not exist',
  },
  'renameCollection onto a taken name': {
    step: `renameCollection: { collection_name: @B, new_collection_name: @B_x }`,
    message: 'up[1].renameCollection: @B_x is taken by a collection at this point of the plan',
  },
  alterCollectionProperties: {
    step: 'alterCollectionProperties: { collection_name: pf_nope, properties: { collection.ttl.seconds: 60 } }',
    message: 'up[0].alterCollectionProperties: collection pf_nope does not exist',
  },
  createAlias: {
    step: 'createAlias: { alias: pf_alias, collection_name: pf_nope }',
    message: 'up[0].createAlias: collection pf_nope does not exist',
  },
  alterAlias: {
    step: 'alterAlias: { alias: pf_no_alias, collection_name: @B }',
    message: 'up[0].alterAlias: alias pf_no_alias does not exist at this point of the plan (use createAlias)',
  },
  dropAlias: {
    step: 'dropAlias: { alias: pf_no_alias }',
    message: 'up[0].dropAlias: alias pf_no_alias does not exist at this point of the plan',
  },
  createDatabase: {
    step: 'createDatabase: { db_name: default }',
    message: 'up[0].createDatabase: database default already exists at this point of the plan',
  },
  dropDatabase: {
    step: 'dropDatabase: { db_name: pf_no_db }',
    message: 'up[0].dropDatabase: database pf_no_db does not exist at this point of the plan',
  },
  flush: { step: 'flush: { collection_names: [pf_nope] }', message: 'up[0].flush: collection pf_nope does not exist' },
  createIndex: {
    step: 'createIndex: { collection_name: pf_nope, field_name: v }',
    message: 'up[0].createIndex: collection pf_nope does not exist',
  },
  dropIndex: {
    step: 'dropIndex: { collection_name: @B, field_name: title }',
    message: 'up[0].dropIndex: collection @B has no index on title (indexes: embedding_idx on embedding)',
  },
  dropPartition: {
    step: 'dropPartition: { collection_name: @B, partition_name: pf_p }',
    message: 'up[0].dropPartition: collection @B has no partition pf_p (partitions: _default)',
  },
  loadPartitions: {
    step: 'loadPartitions: { collection_name: @B, partition_names: [pf_p] }',
    message: 'up[0].loadPartitions: collection @B has no partition pf_p',
  },
  releasePartitions: {
    step: 'releasePartitions: { collection_name: @B, partition_names: [pf_p] }',
    message: 'up[0].releasePartitions: collection @B has no partition pf_p',
  },
  insert: {
    step: 'insert: { collection_name: @B, partition_name: pf_p, data: [{ id: 1, title: a, embedding: [1, 2, 3, 4] }] }',
    message: 'up[0].insert: collection @B has no partition pf_p',
  },
  upsert: { step: 'upsert: { collection_name: pf_nope, data: [{ id: 1 }] }', message: 'up[0].upsert: collection pf_nope does not exist' },
  delete: { step: 'delete: { collection_name: pf_nope, filter: "id > 0" }', message: 'up[0].delete: collection pf_nope does not exist' },
  copyRows: {
    step: 'copyRows: { collection_name: @B, target_collection_name: pf_nope }',
    message: 'up[0].copyRows: target collection pf_nope does not exist',
  },
};

const canaryYaml = (name: string) => `up:\n${collectionYaml(name)}`;

async function expectUntouched(p: TestProject, canary: string): Promise<void> {
  expect((await t.client.hasCollection({ collection_name: canary })).value).toBe(false);
  expect((await t.client.hasCollection({ collection_name: p.stateCollection })).value).toBe(false);
  expect((await t.client.showPartitions({ collection_name: base })).partition_names).toEqual(['_default']);
}

describe('a faulty step after a valid migration: exit 2 before the first change', () => {
  it.each(Object.entries(faults))('%s', async (_label, f) => {
    const p = await t.project();
    const canary = uniqueName('pf_canary');
    await p.write('001_ok.yaml', canaryYaml(canary));
    const other = f.step.includes('@B_x')
      ? `  - createCollection: { collection_name: ${base}_x, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }] }\n`
      : '';
    await p.write('002_bad.yaml', `up:\n${other}  - ${f.step.replaceAll('@B', base)}\n`);
    for (const [name, content] of Object.entries(f.files ?? {})) await p.write(name, content);
    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(2);
    if (f.offline) expect(res.stderr).toContain(f.message);
    else {
      expect(res.stderr).toContain('The plan cannot run on this Milvus; nothing was changed');
      // The file's line of the faulty step: after `up:` and the optional other step.
      expect(res.stderr).toContain(`002_bad.yaml:${other ? 3 : 2}: ${f.message.replaceAll('@B', base)}`);
      // What the database holds leaves out the tool's own collections (the lock is held for the check).
      expect(res.stderr).not.toContain(p.stateCollection);
    }
    await expectUntouched(p, canary);
    expect((await t.client.hasCollection({ collection_name: `${base}_x` })).value).toBe(false);
  });

  it('plan and validate report the same problem', async () => {
    const p = await t.project();
    const canary = uniqueName('pf_canary');
    await p.write('001_ok.yaml', canaryYaml(canary));
    await p.write('002_bad.yaml', `up:\n  - createIndex: { collection_name: ${canary}, field_name: embeddingz }\n`);
    const message = `002_bad.yaml:2: up[0].createIndex: collection ${canary} has no field embeddingz (fields: id, title, embedding)`;
    for (const args of [['plan'], ['validate'], ['up']]) {
      const res = await p.cli(args);
      expect(res.code, `${args[0]}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toContain(message);
    }
    await expectUntouched(p, canary);
  });
});

describe('the fault in the third of three pending migrations', () => {
  it('is caught before the first runs, against the model the first two leave', async () => {
    const p = await t.project();
    const canary = uniqueName('pf_canary');
    await p.write('001_create.yaml', canaryYaml(canary));
    await p.write('002_partition.yaml', `up:\n  - createPartition: { collection_name: ${canary}, partition_name: p1 }\n`);
    await p.write('003_bad.yaml', `up:\n  - dropPartition: { collection_name: ${canary}, partition_name: p2 }\n`);
    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(
      `003_bad.yaml:2: up[0].dropPartition: collection ${canary} has no partition p2 (partitions: _default, p1)`,
    );
    await expectUntouched(p, canary);
  });
});

describe('a plan whose later steps use what earlier pending migrations create', () => {
  it('passes: collection, its fields, a partition, an alias, a renamed collection', async () => {
    const p = await t.project();
    const first = uniqueName('pf_first');
    const renamed = uniqueName('pf_renamed');
    const alias = uniqueName('pf_alias');
    await p.write('001_create.yaml', `up:\n${collectionYaml(first)}`);
    await p.write(
      '002_partition.yaml',
      `up:\n  - createPartition: { collection_name: ${first}, partition_name: p1 }\n  - createAlias: { alias: ${alias}, collection_name: ${first} }\n`,
    );
    await p.write('003_rename.yaml', `up:\n  - renameCollection: { collection_name: ${first}, new_collection_name: ${renamed} }\n`);
    await p.write(
      '004_rows.yaml',
      `up:\n  - insert:\n      collection_name: ${renamed}\n      partition_name: p1\n      data:\n${rowsYaml(1, 2)}\n  - alterAlias: { alias: ${alias}, collection_name: ${renamed} }\n`,
    );
    const res = await p.cli(['up']);
    expect(res.code, res.stderr).toBe(0);
    expect((await t.client.hasCollection({ collection_name: first })).value).toBe(false);
    expect((await t.client.showPartitions({ collection_name: renamed })).partition_names.sort()).toEqual(['_default', 'p1']);
    expect((await t.client.describeAlias({ alias, collection_name: alias })).collection).toBe(renamed);
  });
});

describe('down folds and checks the inverse steps first', () => {
  it('refuses a down whose inverse needs an alias that is gone, reverting nothing', async () => {
    const p = await t.project();
    const c = uniqueName('pf_down');
    const alias = uniqueName('pf_down_alias');
    await p.write('001_create.yaml', `up:\n${collectionYaml(c)}`);
    await p.write(
      '002_alias.yaml',
      `up:\n  - createAlias: { alias: ${alias}, collection_name: ${c} }\n  - createPartition: { collection_name: ${c}, partition_name: p1 }\n`,
    );
    expect((await p.cli(['up'])).code).toBe(0);
    // The partition goes behind the tool's back: the inverse's dropPartition would fail half-way.
    await t.client.releaseCollection({ collection_name: c });
    await t.client.dropPartition({ collection_name: c, partition_name: 'p1' });
    const res = await p.cli(['down', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`002_alias.yaml:3: down[0].dropPartition: collection ${c} has no partition p1 (partitions: _default)`);
    expect((await t.client.describeAlias({ alias, collection_name: alias })).collection).toBe(c);
    const state = await t.client.query({
      collection_name: p.stateCollection,
      filter: '',
      output_fields: ['name'],
      limit: 10,
      consistency_level: 'Strong',
    } as never);
    expect((state.data as { name: string }[]).map((r) => r.name).sort()).toEqual(['001_create', '002_alias']);
  });
});
