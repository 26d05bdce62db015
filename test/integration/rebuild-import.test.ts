/**
 * rebuildCollection with `strategy: import` against real Milvus: rows written into JSON files in
 * the server's own storage folder and loaded by Milvus' bulkInsert, then verified as a copy is.
 * Checked afterwards with the SDK: the rows, the import tasks Milvus ran, no files left. Needs an
 * Embedded Milvus of this run (its data folder is where the files go); a server given by
 * MILVUS_ADDRESS reads no files of this machine, so the test is skipped there.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { statusJson } from '../../src/cli/render.js';
import { statusDocument } from '../../src/cli/json-shapes.js';
import { Migrator, MilvusStateStore, type StateRow } from '../../src/index.js';
import { apiProject, ok, useApiProjects } from '../support/api.js';
import { DyingStore } from '../support/dying-store.js';
import { uniqueName } from '../support/milvus.js';
import { readRows } from '../support/sdk.js';

const dataDir = inject('milvusDataDir');
const importDir = dataDir ? join(dataDir, 'data', 'milvus-migrate-import') : '';
const t = useApiProjects(importDir ? { importDir } : {});

const BIG = 9_007_199_254_740_993n; // 2^53 + 1: a JSON number read as a double would lose it
const vec = (i: number) => Array.from({ length: 8 }, (_, k) => ((i * 31 + k) % 97) / 97);

/** 3,000 rows in two partitions: Int64 key, VarChar, an Int64 beyond 2^53, an 8-dim vector, dynamic keys. */
async function createSource(c: string): Promise<void> {
  const res = await t.client.createCollection({
    collection_name: c,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'title', data_type: 'VarChar', max_length: 32 },
      { name: 'big', data_type: 'Int64' },
      { name: 'embedding', data_type: 'FloatVector', dim: 8 },
    ],
  } as never);
  if (res.error_code !== 'Success') throw new Error(res.reason);
  await t.client.createIndex({ collection_name: c, field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' });
  await t.client.createPartition({ collection_name: c, partition_name: 'p2' });
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    id: i + 1,
    title: `row "${i + 1}"`,
    big: String(BIG + BigInt(i)),
    embedding: vec(i + 1),
    ...(i % 3 === 0 ? { tag: `t${i}`, meta: { n: i } } : {}),
  }));
  for (const [partition, part] of [
    [undefined, rows.slice(0, 2000)],
    ['p2', rows.slice(2000)],
  ] as const) {
    const ins = await t.client.insert({ collection_name: c, ...(partition ? { partition_name: partition } : {}), data: part });
    if (ins.status.error_code !== 'Success') throw new Error(ins.status.reason);
  }
  await t.client.loadCollectionSync({ collection_name: c });
}

const all = (c: string, partition?: string) => readRows(t.client, c, { filter: 'id > 0', ...(partition ? { partition } : {}) });

describe('rebuildCollection strategy: import', () => {
  it.runIf(Boolean(dataDir))(
    'rebuilds 3,000 rows through files and bulkInsert (needs the Embedded Milvus of this run): rows identical, verification passes, no files left',
    async () => {
      const c = uniqueName('rb_import');
      await createSource(c);
      const before = await all(c);
      await t.api.write(
        '001_rebuild.yaml',
        `up:
  - rebuildCollection:
      collection_name: ${c}
      strategy: import
      writes: paused
      batch_size: 700
      changes:
        alter_fields: { title: { max_length: 256 } }
        add_fields:
          - { name: lang, data_type: VarChar, max_length: 8, fill: en }
`,
      );
      const plan = ok(await t.api.migrator().up({ dryRun: true }));
      expect(plan.results[0]!.steps[0]!.facts).toContain(
        `strategy: import: rows read in primary-key order into JSON files of up to 64 MB in ${importDir}, each loaded by Milvus' bulkInsert and checkpointed, then removed`,
      );
      ok(await t.api.migrator().up());

      // Cut over by name: the rebuilt collection has the name now; the old one is kept aside.
      const after = await all(c);
      expect(after).toHaveLength(3000);
      for (const [i, r] of after.entries()) {
        const b = before[i]!;
        expect(r).toEqual({ ...b, lang: 'en' });
      }
      expect((await all(c, 'p2')).map((r) => Number(r.id))).toEqual(Array.from({ length: 1000 }, (_, i) => 2001 + i));
      const desc = await t.client.describeCollection({ collection_name: c });
      const title = desc.schema.fields.find((f) => f.name === 'title')!;
      expect(title.type_params.find((p) => p.key === 'max_length')!.value).toBe('256');
      // The rows came in through Milvus' import, one completed task per partition's file.
      const tasks = await t.client.listImportTasks({ collection_name: c, limit: 0 } as never);
      expect(tasks.tasks.map((x) => [String(x.state), Number(x.row_count)]).sort()).toEqual([
        ['ImportCompleted', 1000],
        ['ImportCompleted', 2000],
      ]);
      const left = (await readdir(importDir)).filter((f) => f.includes(desc.collection_name) || f.startsWith('001_rebuild'));
      expect(left).toEqual([]);

      const status = statusDocument.parse(
        statusJson(await t.api.migrator().status(), { migrationsDir: t.api.dir, state: 's', address: 'a' }),
      );
      expect(status.migrations[0]!.verifications![0]!.report).toMatchObject({
        ok: true,
        mode: 'full',
        rows: { source: 3000, target: 3000, left_out: 0 },
        settings: [],
        differences: [],
        partitions: { _default: { source: 2000, target: 2000, left_out: 0 }, p2: { source: 1000, target: 1000, left_out: 0 } },
      });
    },
  );

  it.runIf(Boolean(dataDir))(
    'killed after a file was imported but before that was recorded, then up again: the file is not imported twice (needs the Embedded Milvus of this run)',
    async () => {
      const c = uniqueName('rb_import_kill');
      await createSource(c);
      const before = await all(c);
      await t.api.write(
        '001_rebuild.yaml',
        `up:\n  - rebuildCollection: { collection_name: ${c}, strategy: import, writes: paused, changes: { description: rebuilt } }\n`,
      );
      const state = uniqueName('state');
      // The checkpoint after the first file's task completed: the state still says it is pending.
      const imported = (row: StateRow) => {
        const rec = (row.details as { records?: Record<string, { copy?: { files?: number; pending?: unknown } }> } | undefined)?.records?.[
          '0'
        ];
        return rec?.copy?.files === 1 && rec.copy.pending === undefined;
      };
      const first = await new Migrator({
        milvus: t.api.milvus,
        store: new DyingStore(new MilvusStateStore(t.api.milvus, state), imported),
        migrationsDir: t.api.dir,
      }).up();
      expect(first.error?.message).toMatch(/state store died/);
      ok(await new Migrator({ milvus: t.api.milvus, store: new MilvusStateStore(t.api.milvus, state), migrationsDir: t.api.dir }).up());
      expect(await all(c)).toEqual(before);
      const tasks = await t.client.listImportTasks({ collection_name: c, limit: 0 } as never);
      expect(tasks.tasks.map((x) => Number(x.row_count)).sort()).toEqual([1000, 2000]);
    },
  );

  it('without a folder the server reads (no importDir, no Embedded Milvus): refused before anything changes', async () => {
    const c = uniqueName('rb_import_bad');
    const res = await t.client.createCollection({
      collection_name: c,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
    } as never);
    expect(res.error_code).toBe('Success');
    const project = await apiProject();
    try {
      await project.write(
        '001_rebuild.yaml',
        `up:\n  - rebuildCollection: { collection_name: ${c}, strategy: import, writes: paused, changes: { description: x } }\n`,
      );
      const run = await project.migrator().up();
      expect(run.error?.kind).toBe('invalid-input');
      expect(run.error?.message).toContain(
        `strategy: import needs a folder the server at ${project.milvus.address} reads import files from: set importDir in milvus.config.yaml`,
      );
      const names = (await t.client.showCollections()).data.map((x) => x.name).filter((x) => x.startsWith(c));
      expect(names).toEqual([c]);
      expect(await t.client.hasCollection({ collection_name: project.stateCollection }).then((r) => r.value)).toBe(false);
    } finally {
      await project.close();
    }
  });
});
