/**
 * rebuildCollection with several copy streams and with writers at work, against real Milvus:
 * `parallelism` killed with SIGKILL mid-copy and resumed (every row exactly once), VarChar keys cut
 * by sampled boundaries, and `catch_up` following writes made during the whole run (none lost).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MilvusStateStore } from '../../src/index.js';
import { ok, useApiProjects } from '../support/api.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { runCli } from '../support/project.js';

const BIN = resolve(import.meta.dirname, '../../bin/milvus-migrate.js');
const t = useApiProjects();

/** `id` (Int64 or VarChar), `n` Int64, `updated_at` Int64, `v` 4-dim FLAT; `rows` rows, loaded. */
async function createRows(c: string, rows: number, key: 'Int64' | 'VarChar' = 'Int64'): Promise<void> {
  const res = await t.client.createCollection({
    collection_name: c,
    fields: [
      { name: 'id', data_type: key, is_primary_key: true, ...(key === 'VarChar' ? { max_length: 32 } : {}) },
      { name: 'n', data_type: 'Int64' },
      { name: 'updated_at', data_type: 'Int64' },
      { name: 'v', data_type: 'FloatVector', dim: 4 },
    ],
  } as never);
  if (res.error_code !== 'Success') throw new Error(res.reason);
  await t.client.createIndex({ collection_name: c, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' });
  for (let start = 0; start < rows; start += 2000) {
    const data = Array.from({ length: Math.min(2000, rows - start) }, (_, j) => {
      const i = start + j;
      return {
        id: key === 'Int64' ? i * 3 : `k${String((i * 7919) % 100_000).padStart(5, '0')}-${i}`,
        n: i,
        updated_at: 1,
        v: [i, 1, 2, 3],
      };
    });
    const ins = await t.client.insert({ collection_name: c, data });
    if (ins.status.error_code !== 'Success') throw new Error(ins.status.reason);
  }
  await t.client.loadCollectionSync({ collection_name: c });
}

async function ids(c: string): Promise<string[]> {
  const res = await t.client.query({
    collection_name: c,
    filter: '',
    output_fields: ['id'],
    limit: 16_384,
    consistency_level: 'Strong',
  } as never);
  if (res.status.error_code !== 'Success') throw new Error(res.status.reason);
  return res.data.map((r) => String(r.id)).sort();
}
/** `updated_at` of each of `keys` in `c` (Strong), looked up by key 1,000 at a time. */
async function valuesById(c: string, keys: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    const res = await t.client.query({
      collection_name: c,
      filter: `id in [${chunk.join(', ')}]`,
      output_fields: ['id', 'updated_at'],
      limit: chunk.length,
      consistency_level: 'Strong',
    } as never);
    if (res.status.error_code !== 'Success') throw new Error(res.status.reason);
    for (const r of res.data) out.set(Number(r.id), Number(r.updated_at));
  }
  return out;
}
async function count(c: string): Promise<number> {
  const res = await t.client.query({ collection_name: c, filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' } as never);
  return Number(res.data[0]!['count(*)']);
}

describe('rebuildCollection, several streams and live writers', () => {
  it(
    'parallelism 4, killed with SIGKILL mid-copy, then up again: resumes each range, every row exactly once',
    { timeout: 300_000 },
    async () => {
      const c = uniqueName('rbp_kill');
      await createRows(c, 6000);
      const before = await ids(c);
      await t.api.write(
        '001_rebuild.yaml',
        `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, parallelism: 4, batch_size: 20, changes: { drop_fields: [n] } }\n`,
      );
      // The config beside (not in) the migrations folder, where a .yaml file would be a migration.
      const home = await mkdtemp(join(tmpdir(), 'mm-rbp-'));
      const configFile = join(home, 'milvus.config.yaml');
      await writeFile(configFile, `migrations: ${t.api.dir}\nstateCollection: ${t.api.stateCollection}\n`);
      const env = {
        ...process.env,
        NODE_ENV: undefined,
        NO_COLOR: '1',
        MILVUS_ADDRESS: testAddress(),
        MILVUS_TOKEN: testToken() || undefined,
      };
      // Killed as soon as the state shows rows copied: some ranges part-way, their cursors saved.
      // (Watching the state, not a clock: how long a copy takes depends on the machine.)
      const store = new MilvusStateStore(t.api.milvus, t.api.stateCollection);
      const copiedSoFar = async () => {
        const [r] = await store.readAll().catch(() => []);
        return Number((r?.details.records?.['0'] as { copy?: { copied?: number } } | undefined)?.copy?.copied ?? 0);
      };
      const killed = await new Promise<string>((done) => {
        const child = spawn(process.execPath, [BIN, 'up', '--config', configFile], {
          cwd: home,
          env: env as NodeJS.ProcessEnv,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        let watching = false;
        let ended = false;
        const watch = async () => {
          while (!ended && (await copiedSoFar()) === 0) await new Promise((r) => setTimeout(r, 20));
          child.kill('SIGKILL');
        };
        child.stderr.on('data', (d: Buffer) => {
          err += String(d);
          if (!watching && /copying .* in 4 key ranges, 4 at a time/.test(err)) {
            watching = true;
            void watch();
          }
        });
        child.on('close', () => {
          ended = true;
          done(err);
        });
      });
      expect(killed).toMatch(/in 4 key ranges, 4 at a time/);
      const [row] = await new MilvusStateStore(t.api.milvus, t.api.stateCollection).readAll();
      const copy = (
        row!.details.records!['0'] as { phase: string; copy: { copied: number; boundaries: string[]; segments: { done?: true }[] } }
      ).copy;
      expect(copy.boundaries).toEqual(['4499', '8999', '13498']);
      expect(copy.copied).toBeGreaterThan(0);
      expect(copy.copied).toBeLessThan(6000);

      const again = await runCli(['up', '--config', configFile], { cwd: home, env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/resuming: [\d,]+ rows copied by the interrupted run/);
      // By name: the rebuilt collection has the name now; no key twice, none missing.
      expect(await count(c)).toBe(6000);
      expect(await ids(c)).toEqual(before);
      const [done] = await new MilvusStateStore(t.api.milvus, t.api.stateCollection).readAll();
      // Every range's digest survived the kill: the rows read back agree with them.
      expect(done!.details.records!['0']).toMatchObject({
        phase: 'cut',
        verification: { ok: true, rows: { source: 6000, target: 6000 }, content: { by: 'digest' } },
      });
    },
  );

  it('VarChar keys: cut by keys sampled from a scan of the keys, every row copied once', async () => {
    const c = uniqueName('rbp_varchar');
    await createRows(c, 3000, 'VarChar');
    const before = await ids(c);
    await t.api.write(
      '001_rebuild.yaml',
      `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, parallelism: 3, batch_size: 200, changes: { drop_fields: [n] } }\n`,
    );
    ok(await t.api.migrator().up());
    expect(await count(c)).toBe(3000);
    expect(await ids(c)).toEqual(before);
    const [row] = await new MilvusStateStore(t.api.milvus, t.api.stateCollection).readAll();
    const copy = (row!.details.records!['0'] as { copy: { boundaries: string[]; segments: { copied: number }[] } }).copy;
    // Boundaries at the 1000th and 2000th key: three ranges of 1,000 rows.
    expect(copy.boundaries).toEqual([before[1000], before[2000]]);
    expect(copy.segments.map((s) => s.copied)).toEqual([1000, 1000, 1000]);
  });

  it(
    'catch_up: rows written through the alias during the whole run all reach the new collection, with their last values',
    { timeout: 300_000 },
    async () => {
      const c = uniqueName('rbp_live');
      const alias = uniqueName('rbp_live_alias');
      await createRows(c, 2000);
      await t.client.createAlias({ collection_name: c, alias });
      await t.api.write(
        '001_rebuild.yaml',
        `up:\n  - rebuildCollection: { collection_name: ${alias}, catch_up: { field: updated_at, max_delta: 200 }, batch_size: 100, changes: { properties: { collection.ttl.seconds: 31536000 } } }\n`,
      );
      const plan = ok(await t.api.migrator().up({ dryRun: true }));
      expect(plan.results[0]!.steps[0]!.facts).toContain(
        'catch-up on updated_at: rows whose updated_at grew during the copy are copied again, in rounds, and once more after the cut-over (rows deleted during the copy stay in the new collection)',
      );
      // A writer through the alias: updates of existing rows and new rows, updated_at from a sequence.
      let writing = true;
      let seq = 1000;
      const latest = new Map<number, number>();
      const errors: string[] = [];
      const writer = (async () => {
        while (writing) {
          const id = seq % 3 === 0 ? 100_000 + seq : ((seq * 7) % 2000) * 3;
          const at = ++seq;
          const res = await t.client.upsert({
            collection_name: alias,
            data: [{ id, n: at, updated_at: at, v: [0, 0, 0, at % 100] }],
          } as never);
          if (res.status.error_code !== 'Success') errors.push(res.status.reason);
          else latest.set(id, at);
        }
      })();
      const log: string[] = [];
      const run = await t.api.migrator({ logger: { debug() {}, info: (m) => log.push(m), warn: (m) => log.push(m) } }).up();
      // Writes keep going into the new collection for a moment after the cut-over.
      await new Promise((r) => setTimeout(r, 500));
      writing = false;
      await writer;
      ok(run);
      expect(errors).toEqual([]);
      expect(latest.size).toBeGreaterThan(50);
      const shadow = (await t.client.describeAlias({ alias, collection_name: alias } as never)).collection;
      expect(shadow).not.toBe(c);
      // Every row the writer wrote, looked up by its key in the new collection, has its last value.
      const found = await valuesById(shadow, [...latest.keys()]);
      const lost = [...latest].filter(([id, at]) => found.get(id) !== at);
      const [state] = await new MilvusStateStore(t.api.milvus, t.api.stateCollection).readAll();
      const why = JSON.stringify({
        lost: lost.slice(0, 20).map(([id, at]) => ({ id, at, found: found.get(id) ?? null })),
        log,
        record: state?.details.records,
      });
      expect(lost.length, why).toBe(0);
      const created = [...latest.keys()].filter((id) => id >= 100_000).length;
      expect(await count(shadow)).toBe(2000 + created);
      expect(log.some((l) => l.startsWith('catch-up round 1:'))).toBe(true);
      expect(log.some((l) => l.startsWith('catch-up after the cut-over:'))).toBe(true);
    },
  );

  it('a catch-up field that is not an Int64 is refused before anything changes', async () => {
    const c = uniqueName('rbp_bad');
    await t.client.createCollection({
      collection_name: c,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'stamp', data_type: 'VarChar', max_length: 20 },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
    } as never);
    await t.api.write(
      '001_bad.yaml',
      `up:\n  - rebuildCollection: { collection_name: ${c}, catch_up: { field: stamp }, changes: { properties: { collection.ttl.seconds: 60 } } }\n`,
    );
    const run = await t.api.migrator().up();
    expect(run.error?.kind).toBe('invalid-input');
    expect(run.error?.message).toContain(
      'catch_up.field: stamp is VarChar: the catch-up field must be an Int64 that grows with every write',
    );
    expect((await t.client.showCollections()).data.filter((x) => x.name.startsWith(c))).toHaveLength(1);
  });
});
