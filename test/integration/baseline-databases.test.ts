/**
 * `baseline --databases` (issue 15) against real Milvus: two databases built with the SDK, one
 * baseline of both (state in the first), then the originals dropped and the migration applied by
 * `up` in a fresh project: each database's `snapshot` is byte-identical to the schema file the
 * baseline wrote for it. Its own databases: baseline and snapshot read whole databases.
 */
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';

const t = useMilvusTest();
const main = uniqueName('bl_main');
const other = uniqueName('bl_other');
let p: TestProject;

function ok(res: { error_code?: string | number; reason?: string }): void {
  expect(res.error_code, res.reason).toBe('Success');
}

async function build(): Promise<void> {
  const c = t.client;
  await c.createDatabase({ db_name: main });
  await c.createDatabase({ db_name: other });
  const vector = (dim: number) => ({ name: 'v', data_type: DataType.FloatVector, dim });
  ok(
    await c.createCollection({
      db_name: main,
      collection_name: 'docs',
      description: 'indexed, released, with an alias',
      fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, vector(4)],
    } as never),
  );
  // Indexed by a call of its own (the SDK's createCollection sends index_params without db_name);
  // released: one loaded collection (in the other database) keeps the test's wall time down.
  ok(await c.createIndex({ db_name: main, collection_name: 'docs', field_name: 'v', index_type: 'FLAT', metric_type: 'L2' } as never));
  ok(await c.createAlias({ db_name: main, collection_name: 'docs', alias: 'live_docs' } as never));
  ok(
    await c.createCollection({
      db_name: main,
      collection_name: 'plain',
      fields: [{ name: 'key', data_type: DataType.VarChar, max_length: 36, is_primary_key: true }, vector(2)],
    } as never),
  );
  ok(
    await c.createCollection({
      db_name: other,
      collection_name: 'items',
      consistency_level: 'Strong',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'title', data_type: DataType.VarChar, max_length: 64 },
        vector(4),
      ],
    } as never),
  );
  ok(
    await c.createIndex({
      db_name: other,
      collection_name: 'items',
      field_name: 'v',
      index_type: 'IVF_FLAT',
      metric_type: 'IP',
      params: { nlist: 4 },
    } as never),
  );
  ok(await c.createPartition({ db_name: other, collection_name: 'items', partition_name: 'p2026' }));
  ok(
    await c.alterCollectionProperties({
      db_name: other,
      collection_name: 'items',
      properties: { 'collection.ttl.seconds': 3600 },
    } as never),
  );
  ok(await c.createAlias({ db_name: other, collection_name: 'items', alias: 'live_items' } as never));
  ok(
    await c.createCollection({
      db_name: other,
      collection_name: 'keyed',
      num_partitions: 2,
      fields: [
        { name: 'pk', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'tenant', data_type: DataType.VarChar, max_length: 16, is_partition_key: true },
        vector(2),
      ],
    } as never),
  );
  ok(
    await c.createIndex({
      db_name: other,
      collection_name: 'keyed',
      field_name: 'v',
      index_type: 'HNSW',
      metric_type: 'COSINE',
      params: { M: 8, efConstruction: 32 },
    } as never),
  );
  ok(await c.loadCollectionSync({ db_name: other, collection_name: 'keyed' }));
}

/** Drops every alias and collection of `db_name`, and the database itself unless `keep`. */
async function clear(db_name: string, keep = false): Promise<void> {
  const { db_names } = await t.client.listDatabases();
  if (!db_names.includes(db_name)) return;
  for (const { name } of (await t.client.showCollections({ db_name })).data) {
    for (const alias of (await t.client.describeCollection({ db_name, collection_name: name })).aliases ?? [])
      await t.client.dropAlias({ db_name, alias } as never);
    await t.client.dropCollection({ db_name, collection_name: name });
  }
  if (!keep) await t.client.dropDatabase({ db_name });
}

beforeAll(async () => {
  await build();
  p = await t.project();
});

afterAll(async () => {
  await clear(other);
  await clear(main);
});

describe('baseline --databases', () => {
  it('refuses a database the server does not have, and one that has state (exit 2, nothing written)', async () => {
    const q = await t.project({ config: `migrations: migrations\nstateCollection: ${p.stateCollection}\n` });
    const missing = await q.cli(['baseline', '--json', '--database', main, '--databases', `${other},no_such_db_x`]);
    expect(missing.code, missing.stderr).toBe(2);
    expect(JSON_DOCUMENTS.failure.parse(missing.json()).error.message).toBe(
      '--databases names a database the server does not have: no_such_db_x',
    );
    expect(await readdir(q.dir)).toEqual(['migrations', 'milvus.config.yaml']);
    expect(await readdir(q.migrationsDir)).toEqual([]);
  });

  it(
    'writes one migration for both databases and a schema file each; up on an empty server re-creates them byte for byte',
    { timeout: 240_000 },
    async () => {
      const res = await p.cli(['baseline', '--json', '--database', main, '--databases', other]);
      expect(res.code, res.stderr).toBe(0);
      const doc = JSON_DOCUMENTS.baseline.parse(res.json());
      const otherFile = join(p.dir, `schema.${other}.yaml`);
      expect(doc).toMatchObject({
        database: main,
        marked: true,
        collections: ['docs', 'plain'],
        aliases: ['live_docs'],
        otherDatabases: [{ database: other, collections: ['items', 'keyed'], aliases: ['live_items'], schemaFile: otherFile }],
      });
      const mainSchema = await readFile(join(p.dir, 'schema.yaml'), 'utf8');
      const otherSchema = await readFile(otherFile, 'utf8');
      expect(otherSchema).toContain('collection.ttl.seconds');
      // Each file is what `snapshot` writes for its database; the state is in the configured one only.
      expect((await p.cli(['snapshot', '--database', other, '--out', 'other-again.yaml'])).code).toBe(0);
      expect(await readFile(join(p.dir, 'other-again.yaml'), 'utf8')).toBe(otherSchema);
      expect((await t.client.hasCollection({ db_name: main, collection_name: p.stateCollection })).value).toBe(true);
      expect((await t.client.hasCollection({ db_name: other, collection_name: p.stateCollection })).value).toBe(false);
      // diff of the configured database is not confused by the other database's steps.
      const diff = await p.cli(['diff', '--database', main]);
      expect(diff.code, diff.stdout + diff.stderr).toBe(0);
      const diffOther = await p.cli(['diff', '--database', other, '--against', otherFile]);
      expect(diffOther.code, diffOther.stdout + diffOther.stderr).toBe(0);

      // Once baselined, a database with state is refused when named again.
      const q = await t.project({ config: `migrations: migrations\nstateCollection: ${p.stateCollection}\n` });
      const managed = await q.cli(['baseline', '--json', '--database', other, '--databases', main]);
      expect(managed.code).toBe(2);
      expect(JSON_DOCUMENTS.failure.parse(managed.json()).error.message).toBe(
        `database ${main} already has milvus-migrate state (collection ${p.stateCollection}): it is managed, there is nothing to baseline`,
      );

      // The originals go; a fresh project runs the migration: both databases come back as they were.
      await clear(other);
      await clear(main, true);
      const fresh = await t.project();
      await copyFile(doc.migration!.path, join(fresh.migrationsDir, `${doc.migration!.name}.yaml`));
      const up = await fresh.cli(['up', '--json', '--database', main]);
      expect(up.code, up.stderr).toBe(0);
      expect((await fresh.cli(['snapshot', '--database', main, '--out', 'main.yaml'])).code).toBe(0);
      expect((await fresh.cli(['snapshot', '--database', other, '--out', 'other.yaml'])).code).toBe(0);
      expect(await readFile(join(fresh.dir, 'main.yaml'), 'utf8')).toBe(mainSchema);
      expect(await readFile(join(fresh.dir, 'other.yaml'), 'utf8')).toBe(otherSchema);
      expect(String((await t.client.getLoadState({ db_name: other, collection_name: 'keyed' })).state)).toBe('LoadStateLoaded');
      expect(String((await t.client.getLoadState({ db_name: other, collection_name: 'items' })).state)).toBe('LoadStateNotLoad');
    },
  );
});
