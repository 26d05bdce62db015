/**
 * The old collections rebuilds keep, against real Milvus through the CLI, checked with the SDK:
 * `status` lists them with their rows, `cleanup` refuses (exit 4) without --allow-destructive and
 * drops nothing, then drops them with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { cleanupDocument, runDocument, statusDocument } from '../../src/cli/json-shapes.js';
import { sdkClient, uniqueName } from '../support/milvus.js';
import { createProject, type TestProject } from '../support/project.js';
import { hasCollection } from '../support/sdk.js';

let client: MilvusClient;
let p: TestProject;
// A database of its own: cleanup drops every old collection of its database, and rebuild tests of
// other files keep theirs in the default database at the same time.
const db = uniqueName('cleanup_db');

beforeAll(async () => {
  client = await sdkClient();
  await client.createDatabase({ db_name: db });
  await client.use({ db_name: db });
  p = await createProject({ config: `migrations: migrations\nstateCollection: ${uniqueName('state')}\ndatabase: ${db}\n` });
});

afterAll(async () => {
  await p?.cleanup();
  if (client) {
    for (const c of (await client.showCollections({ db_name: db })).data)
      await client.dropCollection({ db_name: db, collection_name: c.name });
    await client.dropDatabase({ db_name: db });
    await client.closeConnection();
  }
});

async function createRows(c: string, rows: number): Promise<void> {
  const res = await client.createCollection({
    collection_name: c,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'n', data_type: 'Int64' },
      { name: 'v', data_type: 'FloatVector', dim: 4 },
    ],
  } as never);
  if (res.error_code !== 'Success') throw new Error(res.reason);
  await client.createIndex({ collection_name: c, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' });
  const data = Array.from({ length: rows }, (_, i) => ({ id: i, n: i, v: [i, 1, 2, 3] }));
  const ins = await client.insert({ collection_name: c, data });
  if (ins.status.error_code !== 'Success') throw new Error(ins.status.reason);
  await client.loadCollectionSync({ collection_name: c });
}

describe('cleanup of what rebuilds keep', () => {
  it(
    'status lists the old collection with its rows; cleanup refuses without --allow-destructive, then drops it',
    { timeout: 180_000 },
    async () => {
      const c = uniqueName('cl_rb');
      await createRows(c, 250);
      await p.write(
        '001_rebuild.yaml',
        `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, changes: { drop_fields: [n] } }\n`,
      );
      const up = await p.cli(['up']);
      expect(up.code, up.stderr).toBe(0);

      const status = await p.cli(['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const kept = statusDocument.parse(status.json()).keptByRebuilds!;
      expect(kept).toHaveLength(1);
      const old = kept[0]!;
      expect(old).toMatchObject({ rebuiltInto: c, rows: 250, migration: '001_rebuild', neededByDown: true });
      expect(old.name).toMatch(new RegExp(`^${c}__mm_old_[0-9a-f]{8}$`));
      expect(await hasCollection(client, old.name)).toBe(true);
      const text = await p.cli(['status']);
      expect(text.stdout).toContain('Kept by rebuilds (rollback; `milvus-migrate cleanup` drops them)');
      expect(text.stdout).toContain(old.name);

      // plan lists it too, in each of its formats: what the database holds besides the migrations.
      const plan = await p.cli(['plan', '--json']);
      expect(plan.code, plan.stderr).toBe(0);
      expect(runDocument.parse(plan.json()).keptByRebuilds).toEqual(kept);
      const planText = await p.cli(['plan']);
      expect(planText.stdout).toContain('Kept by rebuilds (rollback; `milvus-migrate cleanup` drops them)');
      expect(planText.stdout).toMatch(
        new RegExp(`${old.name}\\s+250 rows\\s+\\(old ${c}, by 001_rebuild\\); down of 001_rebuild needs it`),
      );
      const planMd = await p.cli(['plan', '--format', 'markdown']);
      expect(planMd.stdout).toContain('#### Kept by rebuilds: 1 old collection');
      expect(planMd.stdout).toContain(`| \`${old.name}\` | 250 | \`${c}\` | \`001_rebuild\` (its down needs it) |`);

      const refused = await p.cli(['cleanup', '--json']);
      expect(refused.code, refused.stderr).toBe(4);
      const doc = cleanupDocument.parse(refused.json());
      expect(doc.toDrop.map((l) => l.name)).toEqual([old.name]);
      expect(doc.dropped).toEqual([]);
      expect(doc.error?.message).toContain('down of 001_rebuild becomes impossible');
      expect(await hasCollection(client, old.name)).toBe(true);

      const dropped = await p.cli(['cleanup', '--allow-destructive']);
      expect(dropped.code, dropped.stderr).toBe(0);
      expect(dropped.stdout).toContain(old.name);
      expect(await hasCollection(client, old.name)).toBe(false);
      // The rebuilt collection is untouched.
      const count = await client.query({
        collection_name: c,
        filter: '',
        output_fields: ['count(*)'],
        consistency_level: 'Strong',
      } as never);
      expect(Number(count.data[0]!['count(*)'])).toBe(250);

      const after = statusDocument.parse((await p.cli(['status', '--json'])).json());
      expect(after.keptByRebuilds).toEqual([]);

      // What cleanup warned about: down of the rebuild can no longer cut back; preflight refuses it, changing nothing.
      const down = await p.cli(['down', '--allow-destructive']);
      expect(down.code).toBe(2);
      expect(down.stderr + down.stdout).toContain(`collection ${old.name} does not exist`);
      expect(await hasCollection(client, c)).toBe(true);
      const still = await client.query({
        collection_name: c,
        filter: '',
        output_fields: ['count(*)'],
        consistency_level: 'Strong',
      } as never);
      expect(Number(still.data[0]!['count(*)'])).toBe(250);
    },
  );
});
