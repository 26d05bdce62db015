/** Edited, missing and out-of-order migrations; mark for repair and baseline; resume after a failure. */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { rm } from 'node:fs/promises';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml, type TestProject } from '../support/project.js';
import { createCollectionWithSdk, partitionsOf, readRows } from '../support/sdk.js';

const t = useMilvusTest();
const partitions = (c: string) => partitionsOf(t.client, c);
const statuses = async (p: TestProject) => (await p.cli(['status', '--json'])).json().migrations.map((m: any) => [m.name, m.status]);

describe('history checks', () => {
  it('an edited applied migration: status says changed, validate and up exit 2, --allow-changed goes on', async () => {
    const p = await t.project();
    const c = uniqueName('edited');
    await p.write('001_create.yaml', `up:\n${collectionYaml(c)}`);
    expect((await p.cli(['up'])).code).toBe(0);
    await p.write('001_create.yaml', `description: edited\nup:\n${collectionYaml(c)}`);
    await p.write('002_part.yaml', `up:\n  - createPartition: { collection_name: ${c}, partition_name: p1 }\n`);
    expect(await statuses(p)).toEqual([
      ['001_create', 'changed'],
      ['002_part', 'pending'],
    ]);
    const validate = await p.cli(['validate']);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('001_create.yaml: changed since it was applied');
    const up = await p.cli(['up']);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('1 applied migration was edited after running (checksum mismatch); nothing was run');
    expect(await partitions(c)).toEqual(['_default']);
    const forced = await p.cli(['up', '--allow-changed']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await partitions(c)).toEqual(['_default', 'p1']);
  });

  it('a pending migration named before an applied one runs only with --allow-out-of-order; a deleted file is missing', async () => {
    const p = await t.project();
    const c = uniqueName('order');
    await p.write('001_create.yaml', `up:\n${collectionYaml(c)}`);
    await p.write('003_b.yaml', `up:\n  - createPartition: { collection_name: ${c}, partition_name: b }\n`);
    expect((await p.cli(['up'])).code).toBe(0);
    await p.write('002_a.yaml', `up:\n  - createPartition: { collection_name: ${c}, partition_name: a }\n`);
    const up = await p.cli(['up']);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('1 pending migration sorts before the last applied one (003_b); nothing was run');
    expect((await p.cli(['up', '--allow-out-of-order'])).code).toBe(0);
    expect(await partitions(c)).toEqual(['_default', 'b', 'a']);
    await rm(`${p.migrationsDir}/003_b.yaml`);
    expect(await statuses(p)).toEqual([
      ['001_create', 'applied'],
      ['002_a', 'applied'],
      ['003_b', 'missing'],
    ]);
  });

  it('mark --applied baselines without running steps; mark --pending lets it run again', async () => {
    const p = await t.project();
    const c = uniqueName('baseline');
    await createCollectionWithSdk(t.client, c);
    await p.write('001_existing.yaml', `up:\n  - createPartition: { collection_name: ${c}, partition_name: made_by_hand }\n`);
    const marked = await p.cli(['mark', '001_existing', '--applied', '--json']);
    expect(marked.code, marked.stderr).toBe(0);
    expect(await partitions(c)).toEqual(['_default']);
    const st = (await p.cli(['status', '--json'])).json().migrations[0];
    expect(st).toMatchObject({ name: '001_existing', status: 'applied', marked: true });
    expect((await p.cli(['up'])).stdout).toContain('Nothing to do');
    expect((await p.cli(['mark', '001_existing', '--pending'])).code).toBe(0);
    expect((await p.cli(['up'])).code).toBe(0);
    expect(await partitions(c)).toEqual(['_default', 'made_by_hand']);
    expect((await p.cli(['mark', 'nope', '--applied'])).code).toBe(2);
  });

  it('a migration that failed at step 2 resumes at step 2 once the cause is fixed', async () => {
    const p = await t.project();
    const c = uniqueName('resume');
    await p.write('001_create.yaml', `up:\n${collectionYaml(c)}  - createPartition: { collection_name: ${c}, partition_name: not_yet }\n`);
    // Gone at run time, where the preflight cannot see: a code migration drops it, so 003's step 2
    // passes the check before the run and fails in it.
    await p.write(
      '002_hide.mjs',
      `export default { async up({ steps }) { await steps.dropPartition({ collection_name: ${JSON.stringify(c)}, partition_name: 'not_yet' }); } };\n`,
    );
    await p.write(
      '003_steps.yaml',
      `up:\n  - insert: { collection_name: ${c}, data: [{ id: 1, title: once, embedding: [1, 2, 3, 4] }] }\n  - dropPartition: { collection_name: ${c}, partition_name: not_yet }\n  - createPartition: { collection_name: ${c}, partition_name: after }\n`,
    );
    const first = await p.cli(['up', '--allow-destructive', '--json']);
    expect(first.code).toBe(1);
    const failed = first.json().migrations[2];
    expect(failed.error).toMatchObject({ stepIndex: 1, step: 'dropPartition' });
    expect(failed.steps.map((s: any) => s.status)).toEqual(['done', 'failed', 'not-run']);
    const st = (await p.cli(['status', '--json'])).json().migrations[2];
    expect(st).toMatchObject({ status: 'failed', stepsDone: 1 });

    await t.client.createPartition({ collection_name: c, partition_name: 'not_yet' });
    const second = await p.cli(['up', '--allow-destructive', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json().migrations[0]).toMatchObject({ name: '003_steps', resumeFrom: 1 });
    expect(second.json().migrations[0].steps.map((s: any) => s.status)).toEqual(['skipped', 'done', 'done']);
    // The insert ran once: one row, not two.
    const rows = await readRows(t.client, c, { filter: 'id == 1', fields: ['id'] });
    expect(rows).toHaveLength(1);
    expect(await partitions(c)).toEqual(['_default', 'after']);
  });
});
