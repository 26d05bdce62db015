/** The CLI's main loop as a user runs it: up, status, down, status, up, with --json. */
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient, uniqueName } from '../support/milvus.js';
import { collectionYaml, createProject, rowsYaml, type TestProject } from '../support/project.js';
import { hasCollection, partitionsOf, readRows } from '../support/sdk.js';

let client: MilvusClient;
let p: TestProject;
const collection = uniqueName('roundtrip');

beforeAll(async () => {
  client = await sdkClient();
  p = await createProject();
  await p.write(
    '20261128120000_create.yaml',
    `description: create it\nup:\n${collectionYaml(collection)}  - createPartition: { collection_name: ${collection}, partition_name: example_partition }\n`,
  );
  await p.write(
    '20261128121000_seed.yaml',
    `up:\n  - insert:\n      collection_name: ${collection}\n      partition_name: example_partition\n      data:\n${rowsYaml(1, 5)}\n`,
  );
  await p.write(
    '20261128130000_drop.yaml',
    `description: Drop the example partition\nup:\n  - dropPartition: { collection_name: ${collection}, partition_name: example_partition }\ndown:\n  - createPartition: { collection_name: ${collection}, partition_name: example_partition }\n`,
  );
});
afterAll(async () => {
  await p.cleanup();
  await client.closeConnection();
});

const partitions = () => partitionsOf(client, collection);
const statuses = async () => {
  const res = await p.cli(['status', '--json']);
  expect(res.code, res.stderr).toBe(0);
  return res.json().migrations.map((m: { name: string; status: string }) => [m.name, m.status]);
};

describe('up → status → down → status → up', () => {
  it('round-trips, and the state survives new processes', async () => {
    expect(await statuses()).toEqual([
      ['20261128120000_create', 'pending'],
      ['20261128121000_seed', 'pending'],
      ['20261128130000_drop', 'pending'],
    ]);
    // status is read-only: it did not create the state collection.
    expect(await hasCollection(client, p.stateCollection)).toBe(false);

    const up = await p.cli(['up', '--allow-destructive', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const doc = up.json();
    expect(doc).toMatchObject({ command: 'up', ok: true, exitCode: 0, direction: 'up', dryRun: false, error: null });
    expect(doc.migrations.map((m: any) => [m.name, m.status, m.steps.map((s: any) => s.status)])).toEqual([
      ['20261128120000_create', 'success', ['done', 'done']],
      ['20261128121000_seed', 'success', ['done']],
      ['20261128130000_drop', 'success', ['done']],
    ]);
    expect(up.stderr).toContain('Applying 20261128130000_drop');
    expect(await partitions()).not.toContain('example_partition');

    const st = (await p.cli(['status', '--json'])).json();
    expect(st.counts).toEqual({ applied: 3, pending: 0, failed: 0, changed: 0, missing: 0 });
    const row = st.migrations[2];
    expect(row).toMatchObject({ name: '20261128130000_drop', status: 'applied', stepsDone: 1, toolVersion: '0.1.0', lastError: null });
    expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(row.appliedBy).toContain('@');
    expect(Number.isNaN(Date.parse(row.appliedAt))).toBe(false);

    // The state is in Milvus, in the configured collection: checked with the SDK.
    const rows = await readRows(client, p.stateCollection, { fields: ['name', 'status'] });
    expect(rows.map((r) => `${r.name}:${r.status}`).sort()).toEqual([
      '20261128120000_create:applied',
      '20261128121000_seed:applied',
      '20261128130000_drop:applied',
    ]);

    const again = await p.cli(['up']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to do: every migration is applied.');

    const down = await p.cli(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('20261128130000_drop reverted');
    expect(await partitions()).toContain('example_partition');
    expect(await statuses()).toEqual([
      ['20261128120000_create', 'applied'],
      ['20261128121000_seed', 'applied'],
      ['20261128130000_drop', 'pending'],
    ]);

    const plan = await p.cli(['plan', '--json']);
    expect(plan.code).toBe(0);
    const planned = plan.json().migrations;
    expect(planned).toHaveLength(1);
    expect(planned[0].steps[0]).toMatchObject({ step: 'dropPartition', destructive: true, status: 'planned' });
    // Re-created empty by the down; Milvus 2.3 loads a partition created in a loaded collection.
    expect(planned[0].steps[0].facts).toEqual(['holds 0 rows, deleted for good', 'loaded: will be released first']);

    const reup = await p.cli(['up', '--allow-destructive']);
    expect(reup.code, reup.stderr).toBe(0);
    expect(await partitions()).not.toContain('example_partition');
    expect((await statuses()).map((s: string[]) => s[1])).toEqual(['applied', 'applied', 'applied']);
  });

  it('down derives the inverse of up steps when a migration has no down, and --to 0 reverts all', async () => {
    const dry = await p.cli(['down', '--to', '0', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().migrations.map((m: any) => [m.name, m.steps.map((s: any) => s.step)])).toEqual([
      ['20261128130000_drop', ['createPartition']],
      ['20261128121000_seed', ['delete']],
      ['20261128120000_create', ['dropPartition', 'dropCollection']],
    ]);
    // Reverting a create drops data: the guard applies to down too.
    expect((await p.cli(['down', '--to', '0'])).code).toBe(4);
    expect(await hasCollection(client, collection)).toBe(true);

    const all = await p.cli(['down', '--to', '0', '--allow-destructive']);
    expect(all.code, all.stderr).toBe(0);
    expect(await hasCollection(client, collection)).toBe(false);
    expect(await statuses()).toEqual([
      ['20261128120000_create', 'pending'],
      ['20261128121000_seed', 'pending'],
      ['20261128130000_drop', 'pending'],
    ]);
  });
});
