/**
 * Schema steps (aliases, rename, collection properties, added fields, databases, flush) and their
 * inverses against real Milvus, through the public API, with Milvus checked afterwards by the SDK
 * directly. Steps that need a newer Milvus than the server are checked to be refused before
 * anything runs; on a server new enough, they are run.
 */
import { describe, expect, it } from 'vitest';
import { Migrator, MilvusStateStore, type RunResult } from '../../src/index.js';
import { apiProject, ok, useApiProjects, type ApiProject } from '../support/api.js';
import { serverAtLeast, serverVersion, testAddress, uniqueName } from '../support/milvus.js';
import { createCollectionWithSdk, hasCollection } from '../support/sdk.js';

/** Each test has its own migrations folder and state collection. */
const t = useApiProjects();
const { up, down } = t;
/** The server's version as it reports it, e.g. `v2.3.5-lite`. */
const version = serverVersion();
const milvus25 = serverAtLeast('2.5.0');
const milvus26 = serverAtLeast('2.6.0');

/** Creates a collection behind the tool's back (in `db_name` if given). */
async function sdkCollection(prefix: string, db_name?: string): Promise<string> {
  const c = uniqueName(prefix);
  await createCollectionWithSdk(t.client, c, { db_name });
  return c;
}
const has = (c: string, db_name?: string) => hasCollection(t.client, c, db_name);
/** A run refused at validation on a server older than `needed`, naming the step and both versions. */
async function expectTooOld(run: Promise<RunResult>, step: string, needed: string): Promise<void> {
  const refused = run.then(ok);
  await expect(refused).rejects.toMatchObject({ kind: 'invalid-input' });
  await expect(refused).rejects.toThrow(`${step} needs Milvus ${needed} or newer; the server at ${testAddress()} is ${version}`);
}
/** Where an alias points, or undefined when it does not exist. Milvus 2.3.5 needs the database named here. */
async function aliasOf(alias: string, db_name = 'default'): Promise<string | undefined> {
  const res = await t.client.describeAlias({ alias, collection_name: alias, db_name });
  return res.status.error_code === 'Success' ? res.collection : undefined;
}
const aliasesOf = async (c: string) => (await t.client.listAliases({ collection_name: c })).aliases;
async function properties(c: string, db_name?: string): Promise<Record<string, string>> {
  const desc = await t.client.describeCollection({ collection_name: c, ...(db_name ? { db_name } : {}) });
  return Object.fromEntries(desc.properties.map((kv) => [kv.key, String(kv.value)]));
}
const databases = async () => (await t.client.listDatabases()).db_names;
/**
 * A first run refused by the preflight (exit 2) before the first change: each message in the
 * error, no migration run, no state collection created.
 */
async function expectRefused(project: ApiProject, run: RunResult, ...messages: string[]): Promise<void> {
  expect(run.error?.kind).toBe('invalid-input');
  expect(run.error?.message).toContain('The plan cannot run on this Milvus; nothing was changed');
  for (const m of messages) expect(run.error?.message).toContain(m);
  expect(run.results.map((r) => r.status)).toEqual(run.results.map(() => 'not-executed'));
  expect(await has(project.stateCollection)).toBe(false);
}
/** A code migration (`.mjs`) whose `up` is `body`, with `steps` in scope: what the preflight cannot see into. */
const codeMigration = (body: string) => `export default { async up({ steps }) { ${body} } };\n`;
/** Runs `fn` in a project of its own (a first run, its own state), closed afterwards. */
async function inOtherProject(fn: (p: ApiProject) => Promise<void>): Promise<void> {
  const other = await apiProject();
  try {
    await fn(other);
  } finally {
    await other.close();
  }
}

let n = 0;
const name = (what: string) => `${String(++n).padStart(3, '0')}_${what}`;

describe('aliases', () => {
  it('createAlias and alterAlias; the derived down points the alias back, then drops it', async () => {
    const a = await sdkCollection('alias_a');
    const b = await sdkCollection('alias_b');
    const alias = uniqueName('readers');
    await t.api.write(`${name('create_alias')}.yaml`, `up:\n  - createAlias: { alias: ${alias}, collection_name: ${a} }\n`);
    await up();
    await t.api.write(`${name('switch_alias')}.yaml`, `up:\n  - alterAlias: { alias: ${alias}, collection_name: ${b} }\n`);
    const dry = ok(await t.api.migrator().up({ dryRun: true }));
    expect(dry.results[0]!.steps[0]!.facts).toEqual([`points at ${a} now`]);
    expect(await aliasOf(alias)).toBe(a);
    await up();
    expect(await aliasOf(alias)).toBe(b);
    expect(await aliasesOf(b)).toEqual([alias]);
    expect(await aliasesOf(a)).toEqual([]);

    // alterAlias recorded where the alias pointed before it moved it.
    const plan = ok(await t.api.migrator().down({ dryRun: true }));
    expect(plan.results[0]!.steps.map((s) => [s.step, s.summary])).toEqual([['alterAlias', `point alias ${alias} at collection ${a}`]]);
    await down();
    expect(await aliasOf(alias)).toBe(a);
    await down();
    expect(await aliasOf(alias)).toBeUndefined();
    expect(await has(a)).toBe(true);
  });

  it('createAlias of an alias that already points at the collection does nothing, and its down keeps the alias', async () => {
    const a = await sdkCollection('alias_kept');
    const alias = uniqueName('kept');
    await t.client.createAlias({ alias, collection_name: a });
    await t.api.write(`${name('create_again')}.yaml`, `up:\n  - createAlias: { alias: ${alias}, collection_name: ${a} }\n`);
    const run = await up();
    expect(run.results[0]!.steps[0]!.status).toBe('skipped');
    await down();
    expect(await aliasOf(alias)).toBe(a);
  });

  it('dropAlias records the collection; its inverse creates the alias again; the collection stays', async () => {
    const a = await sdkCollection('alias_drop');
    const alias = uniqueName('old_readers');
    await t.client.createAlias({ alias, collection_name: a });
    await t.api.write(`${name('drop_alias')}.yaml`, `up:\n  - dropAlias: { alias: ${alias} }\n`);
    await t.api.write(`${name('drop_again')}.yaml`, `up:\n  - dropAlias: { alias: ${alias}, if_exists: true }\n`);
    const run = await up();
    expect(run.results.map((r) => r.steps[0]!.status)).toEqual(['done', 'skipped']);
    expect(await aliasOf(alias)).toBeUndefined();
    expect(await has(a)).toBe(true);

    const plan = ok(await t.api.migrator().down({ to: 0, dryRun: true }));
    expect(plan.results.map((r) => r.steps.map((s) => s.summary))).toEqual([[], [`create alias ${alias} for collection ${a}`]]);
    ok(await t.api.migrator().down({ to: 0 }));
    expect(await aliasOf(alias)).toBe(a);
  });

  it('dropAlias of a missing alias, or of an alias pointing elsewhere, is refused before anything runs, fails if so at run time, and says why', async () => {
    const a = await sdkCollection('alias_guard_a');
    const b = await sdkCollection('alias_guard_b');
    const alias = uniqueName('guarded');
    await t.client.createAlias({ alias, collection_name: a });
    const dropWrong = name('drop_wrong');
    await t.api.write(`${dropWrong}.yaml`, `up:\n  - dropAlias: { alias: ${alias}, collection_name: ${b} }\n`);
    const wrong = await t.api.migrator().up();
    await expectRefused(
      t.api,
      wrong,
      `${dropWrong}.yaml:2: up[0].dropAlias: alias ${alias} points at ${a}, not at ${b}, at this point of the plan`,
    );
    expect(await aliasOf(alias)).toBe(a);

    const missing = uniqueName('missing');
    await inOtherProject(async (other) => {
      const dropMissing = name('drop_missing');
      await other.write(`${dropMissing}.yaml`, `up:\n  - dropAlias: { alias: ${missing} }\n`);
      const run = await other.migrator().up();
      await expectRefused(
        other,
        run,
        `${dropMissing}.yaml:2: up[0].dropAlias: alias ${missing} does not exist at this point of the plan; use if_exists: true to skip a missing alias`,
      );
    });

    // At run time, after a code migration moved or dropped the alias, the step checks again.
    await inOtherProject(async (other) => {
      await other.write(
        `${name('move_alias')}.mjs`,
        codeMigration(`await steps.alterAlias({ alias: '${alias}', collection_name: '${b}' });`),
      );
      await other.write(`${name('drop_moved')}.yaml`, `up:\n  - dropAlias: { alias: ${alias}, collection_name: ${a} }\n`);
      const run = await other.migrator().up();
      expect(run.results.map((r) => r.status)).toEqual(['success', 'error']);
      expect(run.error?.message).toContain(`dropAlias failed: alias ${alias} points at ${b}, not at ${a}`);
      expect(await aliasOf(alias)).toBe(b);
    });
    await inOtherProject(async (other) => {
      await other.write(`${name('drop_first')}.mjs`, codeMigration(`await steps.dropAlias({ alias: '${alias}' });`));
      await other.write(`${name('drop_gone')}.yaml`, `up:\n  - dropAlias: { alias: ${alias} }\n`);
      const run = await other.migrator().up();
      expect(run.results.map((r) => r.status)).toEqual(['success', 'error']);
      expect(run.error?.message).toContain(`dropAlias failed: alias ${alias} does not exist (use if_exists: true to skip a missing alias)`);
      expect(await aliasOf(alias)).toBeUndefined();
    });
  });

  it('alterAlias of a missing alias is refused before anything runs, and fails before changing anything if gone at run time', async () => {
    const a = await sdkCollection('alias_none');
    const alias = uniqueName('nobody');
    const alterMissing = name('alter_missing');
    await t.api.write(`${alterMissing}.yaml`, `up:\n  - alterAlias: { alias: ${alias}, collection_name: ${a} }\n`);
    const refused = await t.api.migrator().up();
    await expectRefused(
      t.api,
      refused,
      `${alterMissing}.yaml:2: up[0].alterAlias: alias ${alias} does not exist at this point of the plan (use createAlias)`,
    );
    expect(await aliasOf(alias)).toBeUndefined();

    // Dropped by a code migration the check cannot see into: the step checks again when it runs.
    const b = await sdkCollection('alias_none_b');
    const gone = uniqueName('nobody_gone');
    await t.client.createAlias({ alias: gone, collection_name: b });
    await inOtherProject(async (other) => {
      await other.write(`${name('drop_first')}.mjs`, codeMigration(`await steps.dropAlias({ alias: '${gone}' });`));
      await other.write(`${name('alter_gone')}.yaml`, `up:\n  - alterAlias: { alias: ${gone}, collection_name: ${a} }\n`);
      const run = await other.migrator().up();
      expect(run.results.map((r) => r.status)).toEqual(['success', 'error']);
      expect(run.error?.message).toContain(`alterAlias failed: alias ${gone} does not exist (use createAlias to create it)`);
      expect(await aliasOf(gone)).toBeUndefined();
    });
  });
});

describe('renameCollection', () => {
  it('renames the collection (same collection: id, aliases); the derived down renames it back', async () => {
    const c = await sdkCollection('rename_me');
    const alias = uniqueName('rename_alias');
    await t.client.createAlias({ alias, collection_name: c });
    const id = (await t.client.describeCollection({ collection_name: c })).collectionID;
    const renamed = uniqueName('renamed');
    await t.api.write(`${name('rename')}.yaml`, `up:\n  - renameCollection: { collection_name: ${c}, new_collection_name: ${renamed} }\n`);
    const dry = ok(await t.api.migrator().up({ dryRun: true }));
    expect(dry.results[0]!.steps[0]!.facts).toEqual([`aliases that follow it: ${alias}`]);
    await up();
    expect(await has(c)).toBe(false);
    expect((await t.client.describeCollection({ collection_name: renamed })).collectionID).toBe(id);
    expect(await aliasOf(alias)).toBe(renamed);

    await down();
    expect(await has(renamed)).toBe(false);
    expect((await t.client.describeCollection({ collection_name: c })).collectionID).toBe(id);
    expect(await aliasOf(alias)).toBe(c);
  });

  it('a new name already in use is refused before anything runs; taken at run time, it fails with what Milvus said', async () => {
    const a = await sdkCollection('rename_a');
    const b = await sdkCollection('rename_b');
    const clash = name('rename_clash');
    await t.api.write(`${clash}.yaml`, `up:\n  - renameCollection: { collection_name: ${a}, new_collection_name: ${b} }\n`);
    const refused = await t.api.migrator().up();
    await expectRefused(t.api, refused, `${clash}.yaml:2: up[0].renameCollection: ${b} is taken by a collection at this point of the plan`);
    expect(await has(a)).toBe(true);
    expect(await has(b)).toBe(true);

    // Taken by a code migration the check cannot see into: Milvus refuses the rename.
    const c = uniqueName('rename_c');
    await inOtherProject(async (other) => {
      const fields = JSON.stringify([
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ]);
      await other.write(
        `${name('take_name')}.mjs`,
        codeMigration(`await steps.createCollection({ collection_name: '${c}', fields: ${fields} });`),
      );
      await other.write(
        `${name('rename_taken')}.yaml`,
        `up:\n  - renameCollection: { collection_name: ${a}, new_collection_name: ${c} }\n`,
      );
      const run = await other.migrator().up();
      expect(run.results.map((r) => r.status)).toEqual(['success', 'error']);
      expect(run.error?.message).toMatch(/step 1 renameCollection failed: .*duplicated new collection name/);
      expect(await has(a)).toBe(true);
      expect(await has(c)).toBe(true);
    });
  });
});

describe('collection properties', () => {
  it('alterCollectionProperties records the old value of exactly the touched keys; the down restores it', async () => {
    const c = await sdkCollection('props');
    await t.client.alterCollectionProperties({ collection_name: c, properties: { 'collection.ttl.seconds': 60 } });
    await t.api.write(
      `${name('ttl')}.yaml`,
      `up:\n  - alterCollectionProperties: { collection_name: ${c}, properties: { collection.ttl.seconds: 3600 } }\n`,
    );
    const dry = ok(await t.api.migrator().up({ dryRun: true }));
    expect(dry.results[0]!.steps[0]!.facts).toEqual(['collection.ttl.seconds: 60 → 3600']);
    await up();
    expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '3600' });
    const plan = ok(await t.api.migrator().down({ dryRun: true }));
    expect(plan.results[0]!.steps.map((s) => s.summary)).toEqual([`set collection.ttl.seconds=60 on collection ${c}`]);
    await down();
    expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '60' });
  });

  /** A collection with a TTL, and an applied migration that changes it and sets mmap.enabled, which had no value. */
  async function withNewKey(): Promise<string> {
    const c = await sdkCollection('props_new');
    await t.client.alterCollectionProperties({ collection_name: c, properties: { 'collection.ttl.seconds': 60 } });
    await t.api.write(
      `${name('mmap')}.yaml`,
      `up:\n  - alterCollectionProperties: { collection_name: ${c}, properties: { collection.ttl.seconds: 120, mmap.enabled: true } }\n`,
    );
    await up();
    expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '120', 'mmap.enabled': 'true' });
    return c;
  }

  it.runIf(milvus25)('a key that had no value is dropped by the down (needs Milvus 2.5)', async () => {
    const c = await withNewKey();
    await down();
    expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '60' });
  });

  it.skipIf(milvus25)(
    'a down that must drop a key that had no value is refused before anything runs (needs Milvus older than 2.5)',
    async () => {
      const c = await withNewKey();
      await expectTooOld(t.api.migrator().down(), 'dropCollectionProperties', '2.5.0');
      // Refused before the first step: the TTL was not put back either.
      expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '120', 'mmap.enabled': 'true' });
      expect((await t.api.migrator().status())[0]!.status).toBe('applied');
    },
  );

  /** A collection with a TTL, and a pending migration that drops it. */
  async function withTtlToDrop(): Promise<string> {
    const c = await sdkCollection('props_drop');
    await t.client.alterCollectionProperties({ collection_name: c, properties: { 'collection.ttl.seconds': 60 } });
    await t.api.write(
      `${name('drop_ttl')}.yaml`,
      `up:\n  - dropCollectionProperties: { collection_name: ${c}, properties: [collection.ttl.seconds] }\n`,
    );
    return c;
  }

  it.runIf(milvus25)('dropCollectionProperties is run and undone (needs Milvus 2.5)', async () => {
    const c = await withTtlToDrop();
    await up();
    expect(await properties(c)).toEqual({});
    await down();
    expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '60' });
  });

  it.skipIf(milvus25)('dropCollectionProperties is refused at validation, nothing changes (needs Milvus older than 2.5)', async () => {
    const c = await withTtlToDrop();
    await expectTooOld(t.api.migrator().up(), 'dropCollectionProperties', '2.5.0');
    expect(await properties(c)).toEqual({ 'collection.ttl.seconds': '60' });
    expect((await t.api.migrator().status()).map((s) => [s.status, s.recorded])).toEqual([['pending', undefined]]);
  });
});

describe('addCollectionField', () => {
  /** A collection made by hand, and a pending migration that adds a nullable field with a default. */
  async function withFieldToAdd(): Promise<string> {
    const c = await sdkCollection('add_field');
    await t.api.write(
      `${name('add_field')}.yaml`,
      `up:\n  - addCollectionField:\n      collection_name: ${c}\n      field: { name: rating, data_type: Int32, nullable: true, default_value: 3 }\n`,
    );
    return c;
  }

  it.runIf(milvus26)('adds the field; the down is irreversible (needs Milvus 2.6)', async () => {
    const c = await withFieldToAdd();
    await up();
    const field = (await t.client.describeCollection({ collection_name: c })).schema.fields.find((f) => f.name === 'rating');
    expect(field).toMatchObject({ data_type: 'Int32', nullable: true });
    await expect(t.api.migrator().down().then(ok)).rejects.toThrow(
      /is irreversible: step 1 addCollectionField: addCollectionField: Milvus cannot drop a field/,
    );
  });

  it.skipIf(milvus26)(
    'refused at validation, naming the step and both versions; nothing changes (needs Milvus older than 2.6)',
    async () => {
      const c = await withFieldToAdd();
      await expectTooOld(t.api.migrator().up(), 'addCollectionField', '2.6.0');
      expect((await t.client.describeCollection({ collection_name: c })).schema.fields.map((f) => f.name)).toEqual(['id', 'v']);
      expect((await t.api.migrator().status()).map((s) => [s.status, s.recorded])).toEqual([['pending', undefined]]);
    },
  );

  it('a field that is not nullable is a validation error naming the rule', async () => {
    const c = await sdkCollection('add_field_bad');
    await t.api.write(
      `${name('add_bad')}.yaml`,
      `up:\n  - addCollectionField: { collection_name: ${c}, field: { name: rating, data_type: Int32 } }\n`,
    );
    await expect(t.api.migrator().up().then(ok)).rejects.toThrow(
      /up\[0\]\.addCollectionField\.field\.nullable: must be true: Milvus adds a field to an existing collection only as nullable/,
    );
  });
});

describe('databases', () => {
  it('createDatabase, then steps in it with db_name; the state stays in the configured database; the derived down reverts all', async () => {
    const db = uniqueName('db');
    const c = uniqueName('in_db');
    const renamed = uniqueName('in_db_renamed');
    const alias = uniqueName('in_db_alias');
    const state = uniqueName('state');
    const migrator = new Migrator({
      milvus: t.api.milvus,
      store: new MilvusStateStore(t.api.milvus, state),
      migrationsDir: t.api.dir,
      allowDestructive: true,
    });
    await t.api.write(
      `${name('database')}.yaml`,
      `up:
  - createDatabase: { db_name: ${db} }
  - createCollection:
      collection_name: ${c}
      db_name: ${db}
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: v, data_type: FloatVector, dim: 2 }
  - createPartition: { collection_name: ${c}, partition_name: p2027, db_name: ${db} }
  - createAlias: { alias: ${alias}, collection_name: ${c}, db_name: ${db} }
  - renameCollection: { collection_name: ${c}, new_collection_name: ${renamed}, db_name: ${db} }
  - flush: { collection_names: [${renamed}], db_name: ${db} }
`,
    );
    // Dropping a property needs Milvus 2.5, so this one says how to undo it on 2.3.
    await t.api.write(
      `${name('ttl_in_db')}.yaml`,
      `up:\n  - alterCollectionProperties: { collection_name: ${renamed}, db_name: ${db}, properties: { collection.ttl.seconds: 3600 } }\n` +
        `down:\n  - alterCollectionProperties: { collection_name: ${renamed}, db_name: ${db}, properties: { collection.ttl.seconds: 0 } }\n`,
    );
    // A dry run reads facts from a database that does not exist yet, and creates nothing.
    const dry = ok(await migrator.up({ dryRun: true }));
    expect(dry.results[0]!.steps.find((s) => s.step === 'createAlias')!.facts).toEqual([
      'its collection is created by an earlier step of this plan',
    ]);
    expect(await databases()).not.toContain(db);

    ok(await migrator.up());
    expect(await databases()).toContain(db);
    const desc = await t.client.describeCollection({ collection_name: renamed, db_name: db });
    expect(desc.schema.fields.map((f) => f.name)).toEqual(['id', 'v']);
    expect((await t.client.showPartitions({ collection_name: renamed, db_name: db })).partition_names).toEqual(['_default', 'p2027']);
    expect(await aliasOf(alias, db)).toBe(renamed);
    // Nothing landed in the default database, and the state did not move to the new one.
    expect((await t.client.showCollections({ db_name: db })).data.map((x) => x.name)).toEqual([renamed]);
    expect(await has(c)).toBe(false);
    expect(await has(renamed)).toBe(false);
    expect(await aliasOf(alias)).toBeUndefined();
    expect(await has(state)).toBe(true);
    expect(await has(state, db)).toBe(false);
    expect(await properties(renamed, db)).toEqual({ 'collection.ttl.seconds': '3600' });

    ok(await migrator.down());
    expect(await properties(renamed, db)).toEqual({ 'collection.ttl.seconds': '0' });
    ok(await migrator.down());
    expect(await databases()).not.toContain(db);
    expect(await has(state)).toBe(true);
    expect((await migrator.status()).map((s) => s.status)).toEqual(['pending', 'pending']);
  });

  it('dropDatabase names the collections still in it; an empty one is dropped; the down re-creates it empty', async () => {
    const db = uniqueName('db_drop');
    await t.client.createDatabase({ db_name: db });
    const c = await sdkCollection('left_behind', db);
    const flushDb = name('flush_db');
    const dropDb = name('drop_db');
    await t.api.write(`${dropDb}.yaml`, `up:\n  - dropDatabase: { db_name: ${db} }\n`);
    const stillHolds = `${dropDb}.yaml:2: up[0].dropDatabase: database ${db} will still hold 1 collection (${c}): Milvus drops only an empty database`;
    await expectRefused(t.api, await t.api.migrator().up(), stillHolds);
    // plan reports what up refuses.
    expect((await t.api.migrator().up({ dryRun: true })).error?.message).toContain(stillHolds);
    expect(await databases()).toContain(db);

    // After a code migration (its calls known only when it runs) the check cannot say what the
    // database will hold: the plan's facts and the step itself still do.
    await t.api.write(`${flushDb}.mjs`, codeMigration(`await steps.flush({ collection_names: ['${c}'], db_name: '${db}' });`));
    const refused = await t.api
      .migrator({ allowDestructive: false })
      .up()
      .then((run) => run.error);
    expect(refused).toMatchObject({ kind: 'destructive-refused' });

    const dry = ok(await t.api.migrator().up({ dryRun: true }));
    expect(dry.results[1]!.steps[0]!.facts).toEqual([`holds 1 collection (${c}): Milvus drops only an empty database, the step will fail`]);
    const failed = await t.api.migrator().up();
    expect(failed.results.map((r) => r.status)).toEqual(['success', 'error']);
    expect(failed.error?.message).toContain(`dropDatabase failed: database ${db} still holds 1 collection: ${c}`);
    expect(await databases()).toContain(db);

    await t.client.dropCollection({ collection_name: c, db_name: db });
    await up(); // resumes the failed migration
    expect(await databases()).not.toContain(db);

    const plan = ok(await t.api.migrator().down({ dryRun: true }));
    expect(plan.results[0]!.steps[0]).toMatchObject({
      step: 'createDatabase',
      note: expect.stringContaining('re-creates the database empty'),
    });
    await down();
    expect(await databases()).toContain(db);
    expect((await t.client.showCollections({ db_name: db })).data).toEqual([]);
    await t.client.dropDatabase({ db_name: db });
  });

  it('createDatabase of an existing name is refused before anything runs unless if_not_exists, and fails if created at run time; dropDatabase of the default database is a validation error', async () => {
    const db = uniqueName('db_twice');
    const later = uniqueName('db_later');
    await t.client.createDatabase({ db_name: db });
    try {
      const skip = name('create_skip');
      const code = name('create_code');
      const again = name('create_again');
      await t.api.write(`${skip}.yaml`, `up:\n  - createDatabase: { db_name: ${db}, if_not_exists: true }\n`);
      await t.api.write(`${again}.yaml`, `up:\n  - createDatabase: { db_name: ${db} }\n`);
      const refused = await t.api.migrator().up();
      await expectRefused(
        t.api,
        refused,
        `${again}.yaml:2: up[0].createDatabase: database ${db} already exists at this point of the plan (use if_not_exists: true to skip it)`,
      );
      expect(refused.error?.message).not.toContain(`${skip}.yaml`);

      // Created by a code migration the check cannot see into: the step checks again when it runs.
      await t.api.write(`${code}.mjs`, codeMigration(`await steps.createDatabase({ db_name: '${later}' });`));
      await t.api.write(`${again}.yaml`, `up:\n  - createDatabase: { db_name: ${later} }\n`);
      const run = await t.api.migrator().up();
      expect(run.results.map((r) => r.status)).toEqual(['success', 'success', 'error']);
      expect(run.results[0]!.steps[0]!.status).toBe('skipped');
      expect(run.error?.message).toContain(
        `createDatabase failed: database ${later} already exists (use if_not_exists: true to skip an existing database)`,
      );
      expect(await databases()).toEqual(expect.arrayContaining([db, later]));
    } finally {
      await t.client.dropDatabase({ db_name: db });
      await t.client.dropDatabase({ db_name: later });
    }

    const other = await apiProject();
    try {
      await other.write(`${name('drop_default')}.yaml`, `up:\n  - dropDatabase: { db_name: default }\n`);
      await expect(other.migrator().up().then(ok)).rejects.toThrow(/dropDatabase\.db_name: the default database cannot be dropped/);
    } finally {
      await other.close();
    }
  });
});

describe('flush', () => {
  it('seals growing segments and waits until Milvus persisted them; nothing to undo', async () => {
    const c = await sdkCollection('flush');
    await t.client.insert({
      collection_name: c,
      data: [
        { id: 1, v: [1, 2] },
        { id: 2, v: [3, 4] },
      ],
    });
    expect((await t.client.getPersistentSegmentInfo({ collectionName: c })).infos).toEqual([]);
    await t.api.write(`${name('flush')}.yaml`, `up:\n  - flush: { collection_names: [${c}] }\n`);
    await up();
    const infos = (await t.client.getPersistentSegmentInfo({ collectionName: c })).infos;
    expect(infos.map((s) => [String(s.state), Number(s.num_rows)])).toEqual([['Flushed', 2]]);
    const run = await down();
    expect(run.results[0]!.steps).toEqual([]);
  });

  it('a missing collection is refused before anything runs; gone at run time, it fails with what Milvus said', async () => {
    const missing = uniqueName('no_such');
    const flushMissing = name('flush_missing');
    await t.api.write(`${flushMissing}.yaml`, `up:\n  - flush: { collection_names: [${missing}] }\n`);
    const refused = await t.api.migrator().up();
    await expectRefused(
      t.api,
      refused,
      `${flushMissing}.yaml:2: up[0].flush: collection ${missing} does not exist at this point of the plan (database default holds: `,
    );

    // Dropped by a code migration the check cannot see into: Milvus refuses the flush.
    const gone = await sdkCollection('flush_gone');
    await inOtherProject(async (other) => {
      await other.write(`${name('drop_first')}.mjs`, codeMigration(`await steps.dropCollection({ collection_name: '${gone}' });`));
      await other.write(`${name('flush_gone')}.yaml`, `up:\n  - flush: { collection_names: [${gone}] }\n`);
      const run = await other.migrator().up();
      expect(run.results.map((r) => r.status)).toEqual(['success', 'error']);
      // Milvus 2.3.5 names a collection dropped moments ago by its id (`collection not found[collection=4708...]`).
      expect(run.error?.message).toMatch(/step 1 flush failed: collection not found/);
      expect(await has(gone)).toBe(false);
    });
  });
});
