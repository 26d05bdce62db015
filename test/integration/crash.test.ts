/**
 * A run killed with SIGKILL at many points (between steps, inside a multi-step migration, during
 * state writes), then `up` again: the final schema and data equal those of a clean run.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { type TestProject } from '../support/project.js';
import { loadStateOf, partitionsOf, readRows } from '../support/sdk.js';

const BIN = resolve(import.meta.dirname, '../../bin/milvus-migrate.js');
const t = useMilvusTest();

async function writeMigrations(p: TestProject, c: string) {
  await p.write(
    '001_create.yaml',
    `up:\n  - createCollection:\n      collection_name: ${c}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n  - createPartition: { collection_name: ${c}, partition_name: old }\n  - createPartition: { collection_name: ${c}, partition_name: keep }\n`,
  );
  await p.write(
    '002_data.yaml',
    `up:\n  - insert: { collection_name: ${c}, partition_name: old, data: [{ id: 1, v: [1, 1] }, { id: 2, v: [2, 2] }] }\n  - insert: { collection_name: ${c}, partition_name: keep, data: [{ id: 3, v: [3, 3] }] }\n  - createIndex: { collection_name: ${c}, field_name: v, index_type: FLAT, metric_type: L2 }\n`,
  );
  await p.write(
    '003_reshape.yaml',
    `up:\n  - dropPartition: { collection_name: ${c}, partition_name: old }\n  - createPartition: { collection_name: ${c}, partition_name: new }\n  - loadCollection: { collection_name: ${c} }\n`,
  );
}

/** What a user would compare: partitions, fields, indexes, load state, rows. */
async function snapshot(c: string) {
  const desc = await t.client.describeCollection({ collection_name: c });
  const idx = await t.client.describeIndex({ collection_name: c });
  const rows = await readRows(t.client, c, { fields: ['id'] });
  return {
    fields: desc.schema.fields.map((f) => `${f.name}:${f.data_type}`),
    partitions: (await partitionsOf(t.client, c)).sort(),
    indexes: idx.index_descriptions.map((d) => `${d.field_name}:${d.params.map((x) => `${x.key}=${x.value}`).join(',')}`),
    load: await loadStateOf(t.client, c),
    ids: rows.map((r) => Number(r.id)).sort(),
  };
}

/** Runs `up` and SIGKILLs it as soon as stderr has shown `killAfter` step lines. */
function upKilledAfter(p: TestProject, killAfter: number): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'up', '--allow-destructive'], {
      cwd: p.dir,
      env: {
        ...process.env,
        NODE_ENV: undefined,
        MILVUS_ADDRESS: testAddress(),
        MILVUS_TOKEN: testToken() || undefined,
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let seen = 0;
    let killed = false;
    child.stderr.on('data', (d: Buffer) => {
      seen += (String(d).match(/\) step \d/g) ?? []).length;
      if (!killed && seen >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('close', () => done(killed));
  });
}

describe('SIGKILL at any point, then up again', () => {
  // Ten full runs of three migrations: longer than the default test timeout.
  it('converges to the schema and rows of an uninterrupted run', { timeout: 400_000 }, async () => {
    const clean = await t.project();
    const reference = uniqueName('crash_ref');
    await writeMigrations(clean, reference);
    expect((await clean.cli(['up', '--allow-destructive'])).code).toBe(0);
    const expected = await snapshot(reference);
    expect(expected.partitions).toEqual(['_default', 'keep', 'new']);
    expect(expected.ids).toEqual([3]);

    // Kill after the k-th step line: before or while that step runs, or while state is written.
    // Points spread over the three migrations (create, the two inserts, the index, drop/create, load)
    // keep the suite short; each covers a different kind of step.
    for (const k of [1, 2, 4, 6, 7, 9]) {
      const p = await t.project();
      const c = uniqueName(`crash_${k}`);
      await writeMigrations(p, c);
      expect(await upKilledAfter(p, k), `kill point ${k}`).toBe(true);
      const again = await p.cli(['up', '--allow-destructive']);
      expect(again.code, `kill point ${k}: ${again.stderr}`).toBe(0);
      expect(await snapshot(c), `kill point ${k}`).toEqual(expected);
      expect((await p.cli(['status', '--json'])).json().counts).toMatchObject({ applied: 3, failed: 0, pending: 0 });
    }
  });
});
