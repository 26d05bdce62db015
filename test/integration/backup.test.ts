/**
 * Reversible drops: `backup: true` on dropPartition / dropCollection / delete exports every row
 * first, and the derived `down` brings them back, checked field by field with the SDK. An
 * interrupted backup never lets the drop run; a damaged one makes `down` refuse (exit 2).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/backup/manifest.js';
import type { Logger } from '../../src/index.js';
import { apiProject, type ApiProject } from '../support/api.js';
import { useMilvusTest } from '../support/context.js';
import { recordingLogger } from '../support/fixtures.js';
import { uniqueName } from '../support/milvus.js';
import { createCollectionWithSdk, hasCollection, loadStateOf, partitionsOf, readRows } from '../support/sdk.js';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';

const t = useMilvusTest();

/** Removes a migration file, so that later runs no longer see it. */
async function forget(api: ApiProject, migration: string) {
  await rm(join(api.dir, `${migration}.yaml`));
}

const DIM = 8;

/** Rows with every kind of field the issue names: Int64 key, VarChar, JSON, Float/Int scalars, a float vector. */
function makeRows(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const id = from + i;
    return {
      id,
      title: `row ${id} «ü»`,
      meta: { n: id, tags: [`t${id % 7}`, 'x'], nested: { even: id % 2 === 0, ratio: id / 7 } },
      score: Math.random() * 1000 - 500,
      count: (id * 7919) % 100_000,
      big: String(2n ** 60n + BigInt(id)),
      embedding: Array.from({ length: DIM }, () => Math.random() * 2 - 1),
    };
  });
}

/** What Milvus keeps of a row written with `makeRows`: floats become float32, Int64 comes back as a string. */
function stored(row: ReturnType<typeof makeRows>[number]) {
  return { ...row, id: String(row.id), score: Math.fround(row.score), embedding: row.embedding.map(Math.fround) };
}

/** A collection with the fields of `makeRows`, indexed and loaded. */
async function createCollection(name: string, opts: { index?: { index_type: string; params?: Record<string, number> } } = {}) {
  await createCollectionWithSdk(t.client, name, {
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'title', data_type: 'VarChar', max_length: 64 },
      { name: 'meta', data_type: 'JSON' },
      { name: 'score', data_type: 'Float' },
      { name: 'count', data_type: 'Int32' },
      { name: 'big', data_type: 'Int64' },
      { name: 'embedding', data_type: 'FloatVector', dim: DIM },
    ],
    index_params: [
      {
        field_name: 'embedding',
        index_type: opts.index?.index_type ?? 'FLAT',
        metric_type: 'L2',
        ...(opts.index?.params ? { params: opts.index.params } : {}),
      },
    ],
  });
}

async function insert(collection: string, partition: string | undefined, rows: ReturnType<typeof makeRows>) {
  const res = await t.client.insert({
    collection_name: collection,
    ...(partition ? { partition_name: partition } : {}),
    data: rows,
  } as never);
  expect(res.status.error_code, res.status.reason).toBe('Success');
}

/** Every row of a collection (or partition), with all fields, sorted by key. */
const readAll = (collection: string, partition?: string) => readRows(t.client, collection, { partition });
const partitions = (collection: string) => partitionsOf(t.client, collection);
const loadState = (collection: string, partition?: string) => loadStateOf(t.client, collection, partition ? [partition] : undefined);

describe('backup: true', () => {
  /** Each test has its own project and state collection: no test sees another's migrations. */
  let api: ApiProject;
  beforeEach(async () => {
    api = await apiProject();
  });
  afterEach(async () => {
    await api.close();
  });

  it('dropPartition: 3,000 rows backed up, partition dropped; down brings every row back identical, loaded again', async () => {
    const collection = uniqueName('bk_part');
    await createCollection(collection);
    await t.client.createPartition({ collection_name: collection, partition_name: 'old' });
    await t.client.createPartition({ collection_name: collection, partition_name: 'keep' });
    const rows = makeRows(1, 3000);
    await insert(collection, 'old', rows);
    await insert(collection, 'keep', makeRows(10_000, 5));
    await t.client.loadCollectionSync({ collection_name: collection });
    const before = await readAll(collection, 'old');
    expect(before).toEqual(rows.map(stored));

    const migration = `${uniqueName('m')}_drop_old`;
    await api.write(`${migration}.yaml`, `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: old, backup: true }\n`);
    const logger = recordingLogger();
    const progress = () => logger.updates.map(([m]) => m);
    const up = await api.migrator({ logger }).up();
    expect(up.error).toBeUndefined();
    expect(await partitions(collection)).toEqual(['_default', 'keep']);
    expect(progress().some((m) => m.includes('3,000/3,000 rows (100%)'))).toBe(true);

    const backups = await listBackups(join(api.dir, '.backups'));
    expect(
      backups.map((b) => [b.path.split('/')[0], b.manifest?.kind, b.manifest?.partition, b.manifest?.rows, b.manifest?.loaded]),
    ).toEqual([[migration, 'partition', 'old', 3000, true]]);
    expect(backups[0]!.path).toMatch(new RegExp(`^${migration}/step1-partition-${collection}-old-\\d{8}T\\d{6}Z$`));

    const down = await api.migrator({ logger }).down();

    expect(down.error).toBeUndefined();
    expect(down.results[0]!.steps.map((s) => [s.step, s.status, s.note])).toEqual([
      ['restoreBackup', 'done', `restores 3,000 rows from backup ${backups[0]!.path}`],
    ]);
    expect(await partitions(collection)).toEqual(['_default', 'keep', 'old']);
    // Every field of every row, as it was: primary key, scalars, JSON, float32 vectors bit for bit.
    expect(await readAll(collection, 'old')).toEqual(before);
    expect(await readAll(collection, 'keep')).toHaveLength(5);
    expect(await loadState(collection, 'old')).toBe('LoadStateLoaded');
    expect(progress().some((m) => m.startsWith(`restore ${collection} partition old: 3,000/3,000 rows (100%)`))).toBe(true);
  });

  it('dropCollection (aliases dropped first): down re-creates schema, partitions, index params, load state and alias, with every row', async () => {
    const collection = uniqueName('bk_coll');
    const alias = uniqueName('bk_alias');
    await createCollection(collection, { index: { index_type: 'IVF_FLAT', params: { nlist: 16 } } });
    await t.client.createPartition({ collection_name: collection, partition_name: 'p2' });
    await insert(collection, undefined, makeRows(1, 700));
    await insert(collection, 'p2', makeRows(5000, 500));
    await t.client.createAlias({ collection_name: collection, alias });
    await t.client.loadCollectionSync({ collection_name: collection });
    const schemaOf = async () => {
      const d = await t.client.describeCollection({ collection_name: collection });
      return d.schema.fields.map((f) => ({
        name: f.name,
        type: f.data_type,
        pk: f.is_primary_key,
        autoID: f.autoID,
        params: f.type_params,
      }));
    };
    const indexOf = async () =>
      (await t.client.describeIndex({ collection_name: collection })).index_descriptions.map((d) => [d.field_name, d.index_name, d.params]);
    const schema = await schemaOf();
    const index = await indexOf();
    const before = { default: await readAll(collection, '_default'), p2: await readAll(collection, 'p2') };
    expect(before.default).toHaveLength(700);

    const migration = `${uniqueName('m')}_drop_coll`;
    await api.write(
      `${migration}.yaml`,
      `up:\n  - dropAlias: { alias: ${alias} }\n  - dropCollection: { collection_name: ${collection}, backup: true }\n`,
    );
    const up = await api.migrator().up();
    expect(up.error).toBeUndefined();
    expect(await hasCollection(t.client, collection)).toBe(false);

    const down = await api.migrator().down();
    expect(down.error).toBeUndefined();
    expect(down.results[0]!.steps.map((s) => [s.step, s.status])).toEqual([
      ['restoreBackup', 'done'],
      ['createAlias', 'done'],
    ]);
    expect(await schemaOf()).toEqual(schema);
    expect(await indexOf()).toEqual(index);
    expect(await partitions(collection)).toEqual(['_default', 'p2']);
    expect(await loadState(collection)).toBe('LoadStateLoaded');
    expect(await readAll(collection, '_default')).toEqual(before.default);
    expect(await readAll(collection, 'p2')).toEqual(before.p2);
    expect((await t.client.listAliases({ collection_name: collection })).aliases).toEqual([alias]);
  });

  it('delete: the matching rows are backed up; down writes them back', async () => {
    const collection = uniqueName('bk_del');
    await createCollection(collection);
    await insert(collection, undefined, makeRows(1, 300));
    await t.client.loadCollectionSync({ collection_name: collection });
    const before = await readAll(collection);

    const migration = `${uniqueName('m')}_delete`;
    await api.write(`${migration}.yaml`, `up:\n  - delete: { collection_name: ${collection}, filter: "id > 100", backup: true }\n`);
    const plan = await api.migrator().up({ dryRun: true });
    expect(plan.results[0]!.steps[0]!.facts).toEqual(['matches 200 rows now']);
    expect((await api.migrator().up()).error).toBeUndefined();
    expect(await readAll(collection)).toEqual(before.slice(0, 100));

    // A hand-written restore must name what the backup holds: it would fill another collection.
    const [backup] = (await listBackups(join(api.dir, '.backups'))).filter((b) => b.path.startsWith(`${migration}/`));
    const elsewhere = `${uniqueName('m')}_restore_elsewhere`;
    await api.write(
      `${elsewhere}.yaml`,
      `up:\n  - restoreBackup: { collection_name: ${collection}_other, path: ${backup!.path}, sha256: ${backup!.manifest!.sha256} }\n`,
    );
    const refused = await api
      .migrator()
      .up()
      .then((run) => run.error);
    expect(refused).toMatchObject({
      kind: 'invalid-input',
      problems: [{ message: expect.stringContaining(`holds rows of ${collection}, not of ${collection}_other`) }],
    });
    await forget(api, elsewhere);
    expect(await readAll(collection)).toEqual(before.slice(0, 100));

    expect((await api.migrator().down()).error).toBeUndefined();
    expect(await readAll(collection)).toEqual(before);
  });

  it('an interrupted backup leaves the partition and its rows alone, and no backup; the next up resumes and drops after backing up', async () => {
    const collection = uniqueName('bk_int');
    await createCollection(collection);
    await t.client.createPartition({ collection_name: collection, partition_name: 'old' });
    await insert(collection, 'old', makeRows(1, 1500));
    const migration = `${uniqueName('m')}_drop_int`;
    await api.write(`${migration}.yaml`, `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: old, backup: true }\n`);
    // The export stops part-way: the run dies after the first page of 1,000 rows is written.
    const dying: Logger = {
      debug() {},
      info() {},
      warn() {},
      progress(m) {
        if (m.startsWith('backup ')) throw new Error('killed mid-backup');
      },
    };
    const up = await api.migrator({ logger: dying }).up();
    expect(up.error?.message).toContain('killed mid-backup');
    expect((await api.migrator().status()).find((s) => s.name === migration)?.status).toBe('failed');
    expect(await partitions(collection)).toContain('old');
    expect(await readAll(collection, 'old')).toHaveLength(1500);
    const folder = join(api.dir, '.backups', migration);
    expect(await readdir(folder)).toEqual([]);

    const resumed = await api.migrator().up();
    expect(resumed.error).toBeUndefined();
    expect(await partitions(collection)).toEqual(['_default']);
    const backups = await listBackups(join(api.dir, '.backups'));
    expect(backups.filter((b) => b.path.startsWith(`${migration}/`)).map((b) => [b.manifest?.rows, b.manifest?.loaded])).toEqual([
      [1500, true],
    ]);
  });

  it('a restore killed after re-creating the collection: the resumed down re-applies what is missing (index, partition, property), then every row', async () => {
    const collection = uniqueName('bk_res');
    await createCollection(collection, { index: { index_type: 'IVF_FLAT', params: { nlist: 16 } } });
    await t.client.createPartition({ collection_name: collection, partition_name: 'p2' });
    await t.client.alterCollectionProperties({ collection_name: collection, properties: { 'collection.ttl.seconds': '3000000000' } });
    await insert(collection, undefined, makeRows(1, 700));
    await insert(collection, 'p2', makeRows(5000, 300));
    const indexOf = async () =>
      (await t.client.describeIndex({ collection_name: collection })).index_descriptions.map((d) => [d.field_name, d.index_name, d.params]);
    const ttlOf = async () =>
      (await t.client.describeCollection({ collection_name: collection })).properties.find((p) => p.key === 'collection.ttl.seconds')
        ?.value;
    const index = await indexOf();
    await t.client.loadCollectionSync({ collection_name: collection });
    const before = { default: await readAll(collection, '_default'), p2: await readAll(collection, 'p2') };
    const migration = `${uniqueName('m')}_drop_res`;
    await api.write(`${migration}.yaml`, `up:\n  - dropCollection: { collection_name: ${collection}, backup: true }\n`);
    expect((await api.migrator().up()).error).toBeUndefined();

    // The restore dies after its first batch (the 700 rows of _default) is written and checkpointed.
    const dying: Logger = {
      debug() {},
      info() {},
      warn() {},
      progress(m) {
        if (m.startsWith('restore ')) throw new Error('killed mid-restore');
      },
    };
    expect((await api.migrator({ logger: dying }).down()).error?.message).toContain('killed mid-restore');
    // As if it had died right after createCollection instead: no index, no p2, another TTL.
    await t.client.dropIndex({ collection_name: collection, field_name: 'embedding' });
    await t.client.dropPartition({ collection_name: collection, partition_name: 'p2' });
    await t.client.alterCollectionProperties({ collection_name: collection, properties: { 'collection.ttl.seconds': '4000000000' } });
    expect(await partitions(collection)).toEqual(['_default']);

    const resumed = await api.migrator().down();
    expect(resumed.error).toBeUndefined();
    expect(await indexOf()).toEqual(index);
    expect(await partitions(collection)).toEqual(['_default', 'p2']);
    expect(await ttlOf()).toBe('3000000000');
    expect(await readAll(collection, '_default')).toEqual(before.default);
    expect(await readAll(collection, 'p2')).toEqual(before.p2);
  });
});

describe('backups through the CLI', () => {
  it('config backup: true, up, backups --json; a damaged backup makes down refuse with exit 2 and change nothing', async () => {
    const collection = uniqueName('bk_cli');
    const p = await t.project();
    await writeFile(
      join(p.dir, 'milvus.config.yaml'),
      `migrations: migrations\nstateCollection: ${p.stateCollection}\nbackup: true\nbackupDir: saved\n`,
    );
    await createCollection(collection);
    await t.client.createPartition({ collection_name: collection, partition_name: 'old' });
    await insert(collection, 'old', makeRows(1, 200));
    await p.write('001_drop.yaml', `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: old }\n`);

    // The plan says what the config's backup: true will do, as `plan --backup` would.
    const plan = JSON_DOCUMENTS.plan.parse((await p.cli(['plan', '--backup', '--json'])).json());
    expect(plan.migrations[0]!.steps[0]).toMatchObject({
      summary: `drop partition old of ${collection} and all its rows (backed up first)`,
      facts: ['holds 200 rows, backed up first', 'loaded: will be released first'],
    });

    const up = await p.cli(['up', '--allow-destructive']);
    expect(up.code, up.stderr).toBe(0);
    expect(await partitions(collection)).toEqual(['_default']);

    const listed = await p.cli(['backups', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.backups.parse(listed.json());
    expect(doc).toMatchObject({ command: 'backups', ok: true, exitCode: 0, dir: join(p.dir, 'saved') });
    expect(doc.backups).toHaveLength(1);
    const b = doc.backups[0]!;
    expect([b.migration, b.step, b.collection, b.partition, b.rows, b.verified, b.problem]).toEqual([
      '001_drop',
      1,
      collection,
      'old',
      200,
      true,
      null,
    ]);
    expect(b.bytes).toBeGreaterThan(0);
    expect(b.path).toMatch(/^001_drop\/step1-partition-/);

    const file = join(p.dir, 'saved', b.path, 'rows.jsonl.gz');
    const bytes = await readFile(file);
    for (let i = 20; i < 30; i++) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(file, bytes);

    const damaged = JSON_DOCUMENTS.backups.parse((await p.cli(['backups', '--json'])).json()).backups[0]!;
    expect([damaged.verified, damaged.problem]).toEqual([false, expect.stringContaining('changed or damaged')]);
    const down = await p.cli(['down']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`backup ${b.path} cannot be restored:`);
    expect(down.stderr).toContain('was changed or damaged');
    expect(await partitions(collection)).toEqual(['_default']);
    const state = await t.client.query({
      collection_name: p.stateCollection,
      filter: 'name == "001_drop"',
      output_fields: ['status'],
      consistency_level: 'Strong',
    } as never);
    expect(state.data.map((r) => r.status)).toEqual(['applied']);
  });
});
