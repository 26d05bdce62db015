/**
 * One migration set, many databases (`--targets`): every target an independent run with its own
 * state collection and lock, scheduled with --parallel, --canary and the stop policy. Checked in
 * Milvus with the SDK: rows in each database, and which state collections exist.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { useMilvusTest } from '../support/context.js';
import { testToken, uniqueName } from '../support/milvus.js';
import { createCollectionWithSdk, hasCollection, readRows } from '../support/sdk.js';
import type { TestProject } from '../support/project.js';

const t = useMilvusTest();
const made: string[] = [];

const FIELDS = '[{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }]';
/** Three migrations in the connection's database; the insert is not idempotent, so a second run of it would show. */
const MIGRATIONS: Record<string, string> = {
  '001_create.yaml': `up:\n  - createCollection: { collection_name: docs, fields: ${FIELDS}, index_params: [{ field_name: v, index_type: FLAT, metric_type: L2 }] }\n`,
  '002_partition.yaml': 'up:\n  - createPartition: { collection_name: docs, partition_name: p1 }\n',
  '003_seed.yaml': 'up:\n  - insert: { collection_name: docs, partition_name: p1, data: [{ id: 1, v: [0.1, 0.2] }] }\n',
};

/** `n` new databases `<prefix>_00` … and a project with the three migrations. */
async function tenants(n: number): Promise<{ prefix: string; dbs: string[]; p: TestProject }> {
  const prefix = uniqueName('tenant');
  const dbs = Array.from({ length: n }, (_, i) => `${prefix}_${String(i).padStart(2, '0')}`);
  for (const db of dbs) {
    await t.client.createDatabase({ db_name: db });
    made.push(db);
  }
  const p = await t.project();
  for (const [name, text] of Object.entries(MIGRATIONS)) await p.write(name, text);
  return { prefix, dbs, p };
}

afterAll(async () => {
  for (const db of made) {
    const shown = await t.client.showCollections({ db_name: db });
    for (const c of shown.data) await t.client.dropCollection({ db_name: db, collection_name: c.name });
    await t.client.dropDatabase({ db_name: db });
  }
});

/** The rows of `docs` in `db` (Strong): exactly `[1]` when every migration ran once. */
async function docIds(db: string): Promise<number[]> {
  if (!(await hasCollection(t.client, 'docs', db))) return [];
  return (await readRows(t.client, 'docs', { db_name: db, fields: ['id'] })).map((r) => Number(r.id));
}

/** Applied rows of the state collection in `db`, by name. */
async function appliedIn(db: string, state: string): Promise<string[]> {
  if (!(await hasCollection(t.client, state, db))) return [];
  const rows = await readRows(t.client, state, { db_name: db, fields: ['name', 'status'] });
  return rows
    .filter((r) => r.status === 'applied')
    .map((r) => String(r.name))
    .sort();
}

const ALL = ['001_create', '002_partition', '003_seed'];

describe('--targets', () => {
  it("12 databases, up --targets 'tenant_*' --parallel 4: every migration applied exactly once in each; summary, JSON and the status matrix", async () => {
    const { prefix, dbs, p } = await tenants(12);
    const up = await p.cli(['up', '--targets', `${prefix}_*`, '--parallel', '4', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.fanout.parse(up.json());
    expect(doc.summary).toEqual({ targets: 12, succeeded: 12, failed: 0, notStarted: 0 });
    expect(doc.targets.map((x) => x.target)).toEqual(dbs);
    for (const x of doc.targets) {
      expect(x).toMatchObject({
        kind: 'database',
        database: x.target,
        state: 'succeeded',
        exitCode: 0,
        counts: { applied: 3, pending: 0, failed: 0 },
      });
      expect(JSON_DOCUMENTS.up.parse(x.result).migrations.map((m) => m.status)).toEqual(['success', 'success', 'success']);
    }
    // One line per target on stderr as it finished.
    for (const db of dbs) expect(up.stderr).toMatch(new RegExp(`✔ ${db}  3 applied, 0 pending, 0 failed`));
    for (const db of dbs) {
      expect(await docIds(db), db).toEqual([1]);
      expect(await appliedIn(db, p.stateCollection), db).toEqual(ALL);
    }
    if (testToken()) expect(up.stdout + up.stderr).not.toContain(testToken());

    // Again: nothing to do anywhere; the summary table on stdout.
    const again = await p.cli(['up', '--targets', `${prefix}_*`, '--parallel', '4']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/target\s+applied\s+pending\s+failed\s+time\s+result/);
    expect(again.stdout).toContain('12 targets: 12 ok, 0 failed, 0 not started');

    // The matrix: migrations down, targets across.
    await p.write('004_later.yaml', 'up:\n  - createPartition: { collection_name: docs, partition_name: p2 }\n');
    const status = await p.cli(['status', '--targets', `${prefix}_*`]);
    expect(status.code, status.stderr).toBe(0);
    const lines = status.stdout.trim().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['migration', ...dbs]);
    expect(lines[1]!.split(/\s+/)).toEqual(['001_create', ...dbs.map(() => 'applied')]);
    expect(lines[4]!.split(/\s+/)).toEqual(['004_later', ...dbs.map(() => 'pending')]);
    expect((await p.cli(['status', '--targets', `${prefix}_*`, '--check'])).code).toBe(1);
  });

  it('a failing target: by default no new target starts after it; --continue-on-error finishes the others; fixed, a rerun converges', async () => {
    const { prefix, dbs, p } = await tenants(6);
    // `docs` already there with another schema: 001_create fails in dbs[1].
    await createCollectionWithSdk(t.client, 'docs', {
      db_name: dbs[1]!,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 8 },
      ],
    });
    const first = await p.cli(['up', '--targets', `${prefix}_*`, '--json']);
    const doc = JSON_DOCUMENTS.fanout.parse(first.json());
    const bad = doc.targets[1]!;
    expect(bad.state).toBe('failed');
    expect(first.code).toBe(bad.exitCode);
    expect(bad.exitCode).not.toBe(0);
    // --parallel 1: the one before it ran, none after it started.
    expect(doc.targets.map((x) => x.state)).toEqual(['succeeded', 'failed', 'not-started', 'not-started', 'not-started', 'not-started']);
    expect(doc.targets.slice(2).map((x) => x.reason)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    for (const db of dbs.slice(2)) expect(await hasCollection(t.client, p.stateCollection, db), db).toBe(false);

    // Parallel 3: the ones already running when it failed finish; nothing new starts.
    const parallel = JSON_DOCUMENTS.fanout.parse((await p.cli(['up', '--targets', `${prefix}_*`, '--parallel', '3', '--json'])).json());
    for (const x of parallel.targets) expect(['succeeded', 'failed', 'not-started']).toContain(x.state);
    expect(parallel.targets[1]!.state).toBe('failed');

    const goOn = await p.cli(['up', '--targets', `${prefix}_*`, '--continue-on-error', '--parallel', '2', '--json']);
    const all = JSON_DOCUMENTS.fanout.parse(goOn.json());
    expect(all.targets.map((x) => x.state)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(goOn.code).toBe(all.targets[1]!.exitCode);
    for (const db of [dbs[0]!, ...dbs.slice(2)]) expect(await docIds(db), db).toEqual([1]);

    // The cause removed, the rerun converges: the failed target is brought up, the others do nothing.
    await t.client.dropCollection({ db_name: dbs[1]!, collection_name: 'docs' });
    const rerun = JSON_DOCUMENTS.fanout.parse((await p.cli(['up', '--targets', `${prefix}_*`, '--parallel', '3', '--json'])).json());
    expect(rerun.exitCode).toBe(0);
    expect(rerun.targets.map((x) => x.counts?.applied)).toEqual([0, 3, 0, 0, 0, 0]);
    for (const db of dbs) {
      expect(await docIds(db), db).toEqual([1]);
      expect(await appliedIn(db, p.stateCollection), db).toEqual(ALL);
    }
  });

  it('--canary 2 with a failing canary: no other target is touched', async () => {
    const { prefix, dbs, p } = await tenants(5);
    await createCollectionWithSdk(t.client, 'docs', {
      db_name: dbs[0]!,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 8 },
      ],
    });
    const r = await p.cli(['up', '--targets', `${prefix}_*`, '--canary', '2', '--parallel', '4', '--continue-on-error', '--json']);
    const doc = JSON_DOCUMENTS.fanout.parse(r.json());
    expect(doc.targets.map((x) => [x.state, x.canary])).toEqual([
      ['failed', true],
      ['succeeded', true],
      ['not-started', false],
      ['not-started', false],
      ['not-started', false],
    ]);
    expect(doc.targets.slice(2).map((x) => x.reason)).toEqual(['canary-failed', 'canary-failed', 'canary-failed']);
    expect(r.code).toBe(doc.targets[0]!.exitCode);
    for (const db of dbs.slice(2)) {
      expect(await hasCollection(t.client, p.stateCollection, db), db).toBe(false);
      expect(await hasCollection(t.client, 'docs', db), db).toBe(false);
    }
  });

  it('two fan-out commands at once: each target applied once (the per-target lock); then down and plan --targets', async () => {
    const { prefix, dbs, p } = await tenants(4);
    const runs = await Promise.all([0, 1].map(() => p.cli(['up', '--targets', `${prefix}_*`, '--parallel', '4', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const docs = runs.map((r) => JSON_DOCUMENTS.fanout.parse(r.json()));
    for (let i = 0; i < dbs.length; i++) {
      // Between the two commands, each migration of each target ran once.
      expect(docs[0]!.targets[i]!.counts!.applied + docs[1]!.targets[i]!.counts!.applied, dbs[i]).toBe(3);
      expect(await docIds(dbs[i]!), dbs[i]).toEqual([1]);
    }

    // down --targets reverts the last migration in each (the insert's inverse deletes its row).
    const down = await p.cli(['down', '--targets', `${prefix}_*`, '--parallel', '4', '--allow-destructive']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/target\s+reverted\s+to revert\s+failed\s+time\s+result/);
    for (const db of dbs) expect(down.stderr).toContain(`✔ ${db}  1 reverted, 0 to revert, 0 failed`);
    for (const db of dbs) {
      expect(await docIds(db), db).toEqual([]);
      expect(await appliedIn(db, p.stateCollection), db).toEqual(ALL.slice(0, 2));
    }
    // plan --targets prints the plan: one section for the targets whose plans read the same.
    const plan = await p.cli(['plan', '--targets', `${prefix}_*`, '--parallel', '4']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`── ${dbs.join(', ')}\n`);
    expect(plan.stdout.match(/1 migration to apply/g)).toHaveLength(1);
    expect(plan.stdout).toMatch(/003_seed[\s\S]*1\. insert/);
  });

  it('a target database that does not exist: exit 2 naming it, no other target changed; with --continue-on-error the others run', async () => {
    const { prefix, dbs, p } = await tenants(2);
    const missing = `${prefix}_missing`;
    const list = `${dbs[0]},${missing},${dbs[1]}`;
    const refused = await p.cli(['up', '--targets', list, '--parallel', '2']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`Target ${missing}: database ${missing} at`);
    expect(refused.stderr).toContain('does not exist');
    for (const db of dbs) expect(await hasCollection(t.client, p.stateCollection, db), db).toBe(false);

    const goOn = JSON_DOCUMENTS.fanout.parse((await p.cli(['up', '--targets', list, '--continue-on-error', '--json'])).json());
    expect(goOn.exitCode).toBe(2);
    expect(goOn.targets.map((x) => [x.target, x.state, x.exitCode])).toEqual([
      [dbs[0], 'succeeded', 0],
      [missing, 'failed', 2],
      [dbs[1], 'succeeded', 0],
    ]);
    expect(goOn.targets[1]!.error?.message).toContain(missing);
    for (const db of dbs) expect(await docIds(db), db).toEqual([1]);
  });

  it('validate, diff and verify take --targets: one result per target, worst exit code', async () => {
    const { prefix, dbs, p } = await tenants(2);
    expect((await p.cli(['up', '--targets', `${prefix}_*`])).code).toBe(0);
    const validate = JSON_DOCUMENTS.fanout.parse((await p.cli(['validate', '--targets', `${prefix}_*`, '--json'])).json());
    expect(validate.targets.map((x) => [x.target, x.state])).toEqual(dbs.map((db) => [db, 'succeeded']));
    expect(JSON_DOCUMENTS.validate.parse(validate.targets[0]!.result).migrations).toHaveLength(3);

    // Drift in one target only: an extra partition made behind the tool's back.
    await t.client.createPartition({ db_name: dbs[1]!, collection_name: 'docs', partition_name: 'extra' });
    const diff = await p.cli(['diff', '--targets', `${prefix}_*`, '--json']);
    const drift = JSON_DOCUMENTS.fanout.parse(diff.json());
    expect(diff.code, diff.stderr).toBe(1);
    expect(drift.targets.map((x) => [x.state, x.exitCode])).toEqual([
      ['succeeded', 0],
      ['failed', 1],
    ]);
    expect(JSON_DOCUMENTS.diff.parse(drift.targets[1]!.result).differences.length).toBeGreaterThan(0);

    const verify = await p.cli(['verify', '--targets', `${prefix}_*`, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    const proved = JSON_DOCUMENTS.fanout.parse(verify.json());
    expect(proved.targets.map((x) => x.state)).toEqual(['succeeded', 'succeeded']);
    // One verification for the shared migrations folder, reported for each target.
    expect(verify.stderr.match(/Working in/g)).toHaveLength(1);
  });

  it("--targets all: the config's targets, an environment among them (its own database)", async () => {
    const { dbs, p } = await tenants(2);
    const state = uniqueName('state');
    await writeFile(
      join(p.dir, 'milvus.config.yaml'),
      `migrations: migrations\nstateCollection: ${state}\nenvironments:\n  first:\n    database: ${dbs[0]}\ntargets:\n  - env: first\n  - ${dbs[1]}\n`,
    );
    const r = await p.cli(['up', '--targets', 'all', '--parallel', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.fanout.parse(r.json());
    expect(doc.targets.map((x) => [x.target, x.kind, x.database])).toEqual([
      ['env:first', 'environment', dbs[0]],
      [dbs[1], 'database', dbs[1]],
    ]);
    for (const db of dbs) expect(await appliedIn(db, state), db).toEqual(ALL);
  });
});
