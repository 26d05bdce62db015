/**
 * The Migrator on the in-memory state store, with a fake of the tool's Milvus wrapper that keeps
 * collections and partitions in memory (pure runner logic: what runs, in which order, what the
 * state records, what comes back). What Milvus itself answers is the integration suite's job.
 */
import { describe, expect, it } from 'vitest';
import {
  IrreversibleError,
  LockTimeoutError,
  MemoryStateStore,
  MilvusCallError,
  Migrator,
  loadedMigrations,
  type Migration,
  type Milvus,
  type RunLock,
  type StateRow,
} from '../../../src/index.js';
import type { StepCall } from '../../../src/steps/types.js';

/** Collections by name, each with its partitions; `fail` makes a call fail (and says how often). */
function fakeMilvus(opts: { partitionKey?: boolean } = {}) {
  const partitions = new Map<string, Set<string>>([['docs', new Set(['_default'])]]);
  const calls: string[] = [];
  const failures = new Map<string, number>();
  const answers: Record<string, (req: Record<string, unknown>) => unknown> = {
    hasCollection: (r) => ({ value: partitions.has(String(r.collection_name)) }),
    describeCollection: () => ({
      schema: { fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true, is_partition_key: opts.partitionKey ?? false }] },
      consistency_level: 'Bounded',
      aliases: [],
    }),
    listDatabases: () => ({ db_names: ['default'] }),
    showCollections: () => ({ data: [...partitions.keys()].map((name) => ({ name })) }),
    describeIndex: () => ({ index_descriptions: [] }),
    showPartitions: (r) => ({ partition_names: [...(partitions.get(String(r.collection_name)) ?? [])] }),
    getLoadState: () => ({ state: 'LoadStateNotLoad' }),
    createPartition: (r) => partitions.get(String(r.collection_name))!.add(String(r.partition_name)),
    dropPartition: (r) => partitions.get(String(r.collection_name))!.delete(String(r.partition_name)),
  };
  const milvus = {
    address: 'fake:19530',
    database: 'default',
    client: {},
    async version() {
      return 'v2.3.5';
    },
    async call(method: string, req: Record<string, unknown>) {
      const answer = answers[method];
      if (!answer) throw new Error(`the fake has no ${method}`);
      const key = `${method} ${String(req.partition_name ?? '')}`;
      const left = failures.get(key) ?? 0;
      if (left > 0) {
        failures.set(key, left - 1);
        throw new MilvusCallError(method, `injected failure of ${key}`);
      }
      const reads = [
        'hasCollection',
        'describeCollection',
        'showPartitions',
        'getLoadState',
        'listDatabases',
        'showCollections',
        'describeIndex',
      ];
      if (!reads.includes(method)) calls.push(key);
      return answer(req);
    },
  };
  return {
    milvus: milvus as unknown as Milvus,
    /** Changing calls made, e.g. `createPartition p1`. */
    calls,
    partitions: (c = 'docs') => [...(partitions.get(c) ?? [])].sort(),
    /** The next `times` calls of `method` on partition `partition` fail. */
    fail: (method: string, partition: string, times = 1) => failures.set(`${method} ${partition}`, times),
  };
}

const create = (partition_name: string): StepCall => ({ step: 'createPartition', params: { collection_name: 'docs', partition_name } });
const drop = (partition_name: string): StepCall => ({ step: 'dropPartition', params: { collection_name: 'docs', partition_name } });

function migration(name: string, up: StepCall[] | Migration['up'], opts: { checksum?: string; down?: StepCall[] } = {}): Migration {
  return {
    name,
    path: `/repo/migrations/${name}.yaml`,
    format: Array.isArray(up) || up.kind === 'steps' ? 'yaml' : 'code',
    checksum: opts.checksum ?? `sum-${name}`,
    description: undefined,
    up: Array.isArray(up) ? { kind: 'steps', steps: up } : up,
    down: opts.down ? { kind: 'steps', steps: opts.down } : undefined,
  };
}

function setup(migrations: Migration[], opts: { allowDestructive?: boolean; lock?: RunLock; partitionKey?: boolean } = {}) {
  const fake = fakeMilvus(opts);
  const store = new MemoryStateStore();
  const make = (ms: Migration[] = migrations) =>
    new Migrator({
      milvus: fake.milvus,
      store,
      migrations: loadedMigrations('/repo/migrations', ms),
      allowDestructive: opts.allowDestructive ?? false,
      toolVersion: 'test',
      ...(opts.lock ? { lock: opts.lock } : {}),
    });
  return { ...fake, store, migrator: make(), make };
}

const statuses = (run: { results: readonly { name: string; status: string }[] }) => run.results.map((r) => `${r.name}:${r.status}`);
const row = (store: MemoryStateStore, name: string): StateRow | undefined => store.rows.get(name);

describe('Migrator.up', () => {
  it('applies pending migrations in name order and records each as applied', async () => {
    const t = setup([migration('001_a', [create('p1')]), migration('002_b', [create('p2'), create('p3')])]);
    const run = await t.migrator.up();
    expect(run.error).toBeUndefined();
    expect(statuses(run)).toEqual(['001_a:success', '002_b:success']);
    expect(t.calls).toEqual(['createPartition p1', 'createPartition p2', 'createPartition p3']);
    expect([...t.store.rows.values()].map((r) => [r.name, r.status, r.steps_done])).toEqual([
      ['001_a', 'applied', 1],
      ['002_b', 'applied', 2],
    ]);
    expect(statuses(await t.migrator.up())).toEqual([]);
  });

  it('keeps back the final rows of repeatable migrations and writes them together', async () => {
    const t = setup([migration('001_a', [create('p1')]), migration('002_b', [create('p2')]), migration('003_c', [create('p3')])]);
    await t.migrator.up();
    // Three final rows, one upsert: createPartition is repeatable, so no "started" or progress rows.
    expect(t.store.writes).toBe(1);
    expect([...t.store.rows.keys()]).toEqual(['001_a', '002_b', '003_c']);
  });

  it('writes a "started" row before a migration that is not repeatable, and the failure when it fails', async () => {
    const t = setup([migration('001_drop', [drop('old'), drop('older')])], { allowDestructive: true });
    t.fail('dropPartition', 'older');
    await t.milvus.call('createPartition', { collection_name: 'docs', partition_name: 'old' });
    await t.milvus.call('createPartition', { collection_name: 'docs', partition_name: 'older' });
    const run = await t.migrator.up();
    expect(statuses(run)).toEqual(['001_drop:error']);
    expect(run.results[0]!.error).toMatchObject({ stepIndex: 1, step: 'dropPartition' });
    expect(run.results[0]!.steps.map((s) => s.status)).toEqual(['done', 'failed']);
    expect(run.error?.kind).toBe('migration-failed');
    expect(run.error?.message).toBe('Migration 001_drop (up) step 2 dropPartition failed: injected failure of dropPartition older');
    // started, after step 1, failed: the failed row says how far it got.
    expect(t.store.writes).toBe(3);
    expect(row(t.store, '001_drop')).toMatchObject({ status: 'failed', steps_done: 1, last_error: run.error?.message });
  });

  it('resumes a failed migration at the step that failed, and later ones are not run until then', async () => {
    const t = setup([migration('001_a', [create('p1'), create('p2')]), migration('002_b', [create('p3')])]);
    t.fail('createPartition', 'p2');
    const first = await t.migrator.up();
    expect(statuses(first)).toEqual(['001_a:error', '002_b:not-executed']);
    expect(first.results[1]!.steps.map((s) => s.status)).toEqual(['not-run']);
    expect(row(t.store, '001_a')).toMatchObject({ status: 'failed', steps_done: 1 });
    expect(row(t.store, '002_b')).toBeUndefined();

    const second = await t.migrator.up();
    expect(second.error).toBeUndefined();
    expect(statuses(second)).toEqual(['001_a:success', '002_b:success']);
    expect(second.results[0]!.resumeFrom).toBe(1);
    expect(second.results[0]!.steps.map((s) => s.status)).toEqual(['skipped', 'done']);
    expect(t.calls).toEqual(['createPartition p1', 'createPartition p2', 'createPartition p3']);
    expect(row(t.store, '001_a')).toMatchObject({ status: 'applied', steps_done: 2, last_error: '' });
  });

  it('starts an edited failed migration over instead of resuming it', async () => {
    const t = setup([migration('001_a', [create('p1'), create('p2')])]);
    t.fail('createPartition', 'p2');
    await t.migrator.up();
    const edited = t.make([migration('001_a', [create('p1'), create('p2')], { checksum: 'edited' })]);
    const run = await edited.up();
    expect(run.results[0]!.resumeFrom).toBe(0);
    expect(t.calls).toEqual(['createPartition p1', 'createPartition p1', 'createPartition p2']);
  });

  it('applies up to and including --to, or --step migrations', async () => {
    const ms = [migration('001_a', [create('p1')]), migration('002_b', [create('p2')]), migration('003_c', [create('p3')])];
    const t = setup(ms);
    expect(statuses(await t.migrator.up({ to: '002_b' }))).toEqual(['001_a:success', '002_b:success']);
    // Run again (a deploy pinned to 002_b): nothing to do, not an error.
    const again = await t.migrator.up({ to: '002_b' });
    expect(again.error).toBeUndefined();
    expect(statuses(again)).toEqual([]);
    expect(statuses(await t.migrator.up({ step: 5 }))).toEqual(['003_c:success']);
    expect(statuses(await t.migrator.up({ to: '001_a' }))).toEqual([]);
    const u = setup(ms);
    expect(statuses(await u.migrator.up({ step: 1 }))).toEqual(['001_a:success']);
  });

  it('a dry run changes nothing and writes no state', async () => {
    const t = setup([migration('001_a', [create('p1')])]);
    const run = await t.migrator.up({ dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(statuses(run)).toEqual(['001_a:not-executed']);
    expect(run.results[0]!.steps[0]).toEqual({
      index: 0,
      step: 'createPartition',
      summary: 'create partition p1 in docs',
      destructive: false,
      status: 'planned',
    });
    expect(t.calls).toEqual([]);
    expect(t.store.writes).toBe(0);
  });
});

describe('Migrator.down', () => {
  it('reverts the last applied migration with the inverse of its up, and removes its row', async () => {
    const t = setup([migration('001_a', [create('p1')]), migration('002_b', [create('p2')])], { allowDestructive: true });
    await t.migrator.up();
    const run = await t.migrator.down();
    expect(run.error).toBeUndefined();
    expect(statuses(run)).toEqual(['002_b:success']);
    expect(t.partitions()).toEqual(['_default', 'p1']);
    expect([...t.store.rows.keys()]).toEqual(['001_a']);
    expect(statuses(await t.migrator.down({ to: 0 }))).toEqual(['001_a:success']);
    expect(t.store.rows.size).toBe(0);
  });
});

/** Part 1 of the groundwork: up and down never throw; every failure is the result's error. */
describe('the one error channel', () => {
  it('invalid files come back as the error, with no results', async () => {
    const t = setup([]);
    const broken = new Migrator({
      milvus: t.milvus,
      store: t.store,
      migrations: { dir: '/repo/migrations', load: () => Promise.reject(new IrreversibleError([{ file: 'x', message: 'placeholder' }])) },
    });
    const run = await broken.up();
    expect(run).toMatchObject({ direction: 'up', dryRun: false, results: [] });
    expect(run.error).toBeInstanceOf(IrreversibleError);
  });

  it('an edited applied migration is refused before anything runs', async () => {
    const t = setup([migration('001_a', [create('p1')]), migration('002_b', [create('p2')])]);
    await t.migrator.up({ step: 1 });
    const run = await t.make([migration('001_a', [create('p1')], { checksum: 'edited' }), migration('002_b', [create('p2')])]).up();
    expect(run.results).toEqual([]);
    expect(run.error?.kind).toBe('invalid-input');
    expect(run.error?.message).toMatch(/^1 applied migration was edited after running \(checksum mismatch\); nothing was run/);
    expect(t.calls).toEqual(['createPartition p1']);
  });

  it('a pending migration named before an applied one is refused', async () => {
    const t = setup([migration('002_b', [create('p2')])]);
    await t.migrator.up();
    const run = await t.make([migration('001_a', [create('p1')]), migration('002_b', [create('p2')])]).up();
    expect(run.error?.message).toMatch(/^1 pending migration sorts before the last applied one \(002_b\)/);
    expect(t.calls).toEqual(['createPartition p2']);
  });

  it('an unknown --to is an error, not a throw', async () => {
    const t = setup([migration('001_a', [create('p1')])]);
    const run = await t.migrator.up({ to: 'nope' });
    expect(run.error?.message).toBe('--to nope: no migration of that name in /repo/migrations');
    expect((await t.migrator.down({ to: 'nope' })).error?.message).toBe('--to nope: no applied migration of that name');
  });

  it('destructive steps are refused with the plan in the results and nothing run', async () => {
    const t = setup([migration('001_a', [create('p1')]), migration('002_drop', [drop('p1')])]);
    const run = await t.migrator.up();
    expect(run.error?.kind).toBe('destructive-refused');
    expect(statuses(run)).toEqual(['001_a:not-executed', '002_drop:not-executed']);
    expect(t.calls).toEqual([]);
    expect(t.store.writes).toBe(0);
  });

  it('a preflight refusal comes back with the plan', async () => {
    const t = setup([migration('001_a', [create('p1')])], { partitionKey: true });
    const run = await t.migrator.up();
    expect(run.error?.kind).toBe('invalid-input');
    expect(run.error?.message).toContain('collection docs uses a partition key: Milvus does not allow creating partitions in it');
    expect(statuses(run)).toEqual(['001_a:not-executed']);
  });

  it('an irreversible down is an IrreversibleError, told apart by its class', async () => {
    const code = migration('001_code', { kind: 'code', fn: async () => {} });
    const t = setup([code]);
    expect((await t.migrator.up()).error).toBeUndefined();
    const run = await t.migrator.down();
    expect(run.error).toBeInstanceOf(IrreversibleError);
    expect(run.error?.kind).toBe('invalid-input');
    expect(run.error?.message).toContain('001_code.yaml: is irreversible: it is code and exports no `down`');
    expect([...t.store.rows.keys()]).toEqual(['001_code']);
  });

  it('a lock not had in time is the error, and the state is not read', async () => {
    const lock: RunLock = {
      acquire: () => Promise.reject(new LockTimeoutError('held by someone else')),
      release: async () => {},
      assertHeld: () => {},
    };
    const t = setup([migration('001_a', [create('p1')])], { lock });
    const run = await t.migrator.up();
    expect(run.error).toBeInstanceOf(LockTimeoutError);
    expect(run.results).toEqual([]);
    expect(t.calls).toEqual([]);
  });

  it('anything else thrown before the run is wrapped, not thrown', async () => {
    const t = setup([migration('001_a', [create('p1')])]);
    t.store.readAll = () => Promise.reject(new Error('disk on fire'));
    const run = await t.migrator.up();
    expect(run.error).toMatchObject({ kind: 'migration-failed', message: 'disk on fire' });
  });
});

describe('Migrator.mark', () => {
  it('records a migration as applied without running it, and as pending again', async () => {
    const t = setup([migration('001_a', [create('p1'), create('p2')])]);
    expect(await t.migrator.mark('001_a', 'applied')).toEqual({ name: '001_a', status: 'applied' });
    expect(row(t.store, '001_a')).toMatchObject({
      status: 'applied',
      steps_done: 2,
      checksum: 'sum-001_a',
      details: { direction: 'up', marked: true },
    });
    expect(t.calls).toEqual([]);
    expect(statuses(await t.migrator.up())).toEqual([]);
    expect(await t.migrator.mark('001_a', 'pending')).toEqual({ name: '001_a', status: 'pending' });
    expect(t.store.rows.size).toBe(0);
  });

  it('an unknown name, or one already pending, is an error and changes nothing', async () => {
    const t = setup([migration('001_a', [create('p1')])]);
    expect((await t.migrator.mark('nope', 'applied')).error?.message).toBe('no migration named nope in /repo/migrations');
    expect((await t.migrator.mark('001_a', 'pending')).error?.message).toBe('001_a has no state to remove: it is already pending');
    expect(t.store.writes).toBe(0);
  });
});
