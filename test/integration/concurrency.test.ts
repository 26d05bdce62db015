/**
 * Several runs at once on one database: the lock makes exactly one apply each migration; the
 * others wait and find nothing to do, or give up with exit 3. A stale lock is taken over; unlock.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { createCollectionWithSdk, hasCollection, partitionsOf, readRows } from '../support/sdk.js';

const t = useMilvusTest();

describe('the run lock', () => {
  it('8 processes running up at once, twice: every migration applied exactly once; each exits 0 or 3', async () => {
    const p = await t.project();
    const c = uniqueName('race');
    await createCollectionWithSdk(t.client, c);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) {
        const n = round * 10 + i;
        // insert is not idempotent: a migration applied twice would leave a duplicate row.
        await p.write(
          `${String(n).padStart(3, '0')}_p${n}.yaml`,
          `up:\n  - createPartition: { collection_name: ${c}, partition_name: p${n} }\n  - insert: { collection_name: ${c}, partition_name: p${n}, data: [{ id: ${n}, v: [0.1, 0.2] }] }\n`,
        );
      }
      const runs = await Promise.all(Array.from({ length: 8 }, () => p.cli(['up', '--json', '--lock-timeout', '90'])));
      for (const r of runs) expect([0, 3], r.stderr).toContain(r.code);
      const applied = runs.flatMap((r) =>
        r.code === 0
          ? r
              .json()
              .migrations.filter((m: any) => m.status === 'success')
              .map((m: any) => m.name)
          : [],
      );
      expect(applied.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${String(round * 10 + i).padStart(3, '0')}_p${round * 10 + i}`));
    }
    // Checked in Milvus: one row per migration, 20 partitions besides _default.
    await t.client.loadCollection({ collection_name: c } as never).catch(() => undefined);
    await t.client.createIndex({ collection_name: c, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' });
    await t.client.loadCollectionSync({ collection_name: c });
    const rows = await readRows(t.client, c, { fields: ['id'] });
    expect(rows.map((r) => Number(r.id)).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await partitionsOf(t.client, c)).toHaveLength(21);
    const status = (await p.cli(['status', '--json'])).json();
    expect(status.counts).toMatchObject({ applied: 20, pending: 0, failed: 0 });
  });

  it('a waiting run gives up with exit 3 naming the holder; a stale lock is taken over; unlock releases it', async () => {
    const p = await t.project();
    const lockName = `${p.stateCollection}_lock`;
    const holder = { id: 'dead-run', host: 'ci-runner-7', pid: 4242, command: 'milvus-migrate up', since: '2026-11-28T00:00:00.000Z' };
    // A lock left by a run that died: nobody renews its heartbeat.
    await t.client.createCollection({
      collection_name: lockName,
      description: JSON.stringify(holder),
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
    } as never);
    await p.write(
      '001_a.yaml',
      `up:\n  - createCollection: { collection_name: ${uniqueName('lk')}, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }] }\n`,
    );

    const waited = await p.cli(['up', '--lock-timeout', '2']);
    expect(waited.code).toBe(3);
    expect(waited.stderr).toContain('Another run holds the migration lock');
    expect(waited.stderr).toContain('milvus-migrate up (pid 4242 on ci-runner-7, since 2026-11-28T00:00:00.000Z)');
    expect((await p.cli(['status', '--json'])).json().counts.applied).toBe(0);

    // lockStaleAfter: 2 s without a heartbeat and the lock is taken over.
    const stale = await t.project({ config: `migrations: migrations\nstateCollection: ${p.stateCollection}\nlockStaleAfter: 2\n` });
    await stale.write('001_a.yaml', await readFile(`${p.migrationsDir}/001_a.yaml`, 'utf8'));
    const took = await stale.cli(['up', '--lock-timeout', '30']);
    expect(took.code, took.stderr).toBe(0);
    expect(took.stderr).toContain(
      'Taking over a stale lock held by milvus-migrate up (pid 4242 on ci-runner-7, since 2026-11-28T00:00:00.000Z): it has not renewed it for 2 s',
    );
    expect(await hasCollection(t.client, lockName)).toBe(false);

    await t.client.createCollection({
      collection_name: lockName,
      description: JSON.stringify(holder),
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
    } as never);
    const unlocked = await p.cli(['unlock', '--json']);
    expect(unlocked.code).toBe(0);
    expect(unlocked.json().released).toMatchObject({ host: 'ci-runner-7', pid: 4242 });
    expect(await hasCollection(t.client, lockName)).toBe(false);
    expect((await p.cli(['unlock'])).stdout).toContain('The lock is free');
  });
});
