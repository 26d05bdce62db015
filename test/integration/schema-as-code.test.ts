/**
 * Schema as code (issue 15) against real Milvus: `baseline` adopts a database built with the SDK
 * (every field type 2.3 has, a partition key, a dynamic field, several indexes, partitions,
 * aliases, TTL, a loaded and a released collection) and its migration rebuilds the same schema
 * in a fresh database, byte for byte; `generate` turns edits of schema.yaml into migrations that
 * `up` applies, checked with the SDK and with `diff --against`.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';

const t = useMilvusTest();
const src = uniqueName('bl_src');
const dst = uniqueName('bl_dst');
let p: TestProject;

function ok(res: { error_code?: string | number; reason?: string }): void {
  expect(res.error_code, res.reason).toBe('Success');
}

/** Builds the source database behind the tool's back, as a team without migrations would have. */
async function buildByHand(db_name: string): Promise<void> {
  const c = t.client;
  await c.createDatabase({ db_name });
  ok(
    await c.createCollection({
      db_name,
      collection_name: 'everything',
      description: 'every field type of Milvus 2.3',
      consistency_level: 'Strong',
      enable_dynamic_field: true,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, description: 'the key' },
        { name: 'flag', data_type: DataType.Bool },
        { name: 'i8', data_type: DataType.Int8 },
        { name: 'i16', data_type: DataType.Int16 },
        { name: 'i32', data_type: DataType.Int32 },
        { name: 'f', data_type: DataType.Float },
        { name: 'd', data_type: DataType.Double },
        { name: 'title', data_type: DataType.VarChar, max_length: 128 },
        { name: 'meta', data_type: DataType.JSON },
        { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 8, max_length: 16 },
        { name: 'nums', data_type: DataType.Array, element_type: DataType.Int32, max_capacity: 4 },
        { name: 'embedding', data_type: DataType.FloatVector, dim: 8 },
      ],
    } as never),
  );
  ok(
    await c.createIndex({
      db_name,
      collection_name: 'everything',
      field_name: 'embedding',
      index_name: 'embedding_hnsw',
      index_type: 'HNSW',
      metric_type: 'COSINE',
      params: { M: 8, efConstruction: 64 },
    } as never),
  );
  ok(
    await c.createIndex({
      db_name,
      collection_name: 'everything',
      field_name: 'title',
      index_name: 'title_trie',
      index_type: 'Trie',
    } as never),
  );
  ok(await c.createIndex({ db_name, collection_name: 'everything', field_name: 'i32', index_type: 'STL_SORT' } as never));
  for (const partition_name of ['p2025', 'p2026']) ok(await c.createPartition({ db_name, collection_name: 'everything', partition_name }));
  ok(
    await c.alterCollectionProperties({ db_name, collection_name: 'everything', properties: { 'collection.ttl.seconds': 86400 } } as never),
  );
  ok(await c.loadCollectionSync({ db_name, collection_name: 'everything' }));

  ok(
    await c.createCollection({
      db_name,
      collection_name: 'keyed',
      num_partitions: 4,
      fields: [
        { name: 'pk', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'category', data_type: DataType.VarChar, max_length: 32, is_partition_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: 4 },
      ],
    } as never),
  );
  ok(
    await c.createIndex({
      db_name,
      collection_name: 'keyed',
      field_name: 'v',
      index_type: 'IVF_FLAT',
      metric_type: 'L2',
      params: { nlist: 16 },
    } as never),
  );
  // Indexed but released.
  ok(
    await c.createCollection({
      db_name,
      collection_name: 'bits',
      fields: [
        { name: 'key', data_type: DataType.VarChar, max_length: 36, is_primary_key: true },
        { name: 'b', data_type: DataType.BinaryVector, dim: 16 },
      ],
    } as never),
  );
  ok(await c.createAlias({ db_name, collection_name: 'everything', alias: 'live' } as never));
  ok(await c.createAlias({ db_name, collection_name: 'keyed', alias: 'by_category' } as never));
}

async function dropDatabase(db_name: string): Promise<void> {
  const { db_names } = await t.client.listDatabases();
  if (!db_names.includes(db_name)) return;
  for (const alias of ['live', 'by_category', 'docs_live']) await t.client.dropAlias({ db_name, alias } as never);
  for (const c of (await t.client.showCollections({ db_name })).data) await t.client.dropCollection({ db_name, collection_name: c.name });
  await t.client.dropDatabase({ db_name });
}

beforeAll(async () => {
  await buildByHand(src);
  await t.client.createDatabase({ db_name: dst });
  p = await t.project();
});

afterAll(async () => {
  await dropDatabase(src);
  await dropDatabase(dst);
});

describe('baseline', () => {
  it('writes one migration and schema.yaml, records it as applied; applied to a fresh database it gives a byte-identical snapshot', async () => {
    const res = await p.cli(['baseline', '--json', '--database', src]);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.baseline.parse(res.json());
    expect(doc).toMatchObject({
      command: 'baseline',
      ok: true,
      database: src,
      dryRun: false,
      marked: true,
      collections: ['bits', 'everything', 'keyed'],
      aliases: ['by_category', 'live'],
    });
    const schema = await readFile(join(p.dir, 'schema.yaml'), 'utf8');
    expect(doc.schemaFile).toBe(join(p.dir, 'schema.yaml'));
    const files = await readdir(p.migrationsDir);
    expect(files).toEqual([`${doc.migration!.name}.yaml`]);
    const migration = await readFile(doc.migration!.path, 'utf8');
    expect(migration).toContain('# Written by `milvus-migrate baseline`');

    // The source database: schema.yaml is what `snapshot` writes there; the baseline is applied and `up` has nothing to do.
    expect((await p.cli(['snapshot', '--out', 'again.yaml', '--database', src])).code).toBe(0);
    expect(await readFile(join(p.dir, 'again.yaml'), 'utf8')).toBe(schema);
    const status = await p.cli(['status', '--json', '--database', src]);
    expect(JSON_DOCUMENTS.status.parse(status.json()).migrations.map((m) => [m.name, m.status])).toEqual([
      [doc.migration!.name, 'applied'],
    ]);
    const up = await p.cli(['up', '--json', '--database', src]);
    expect(up.code, up.stderr).toBe(0);
    expect(JSON_DOCUMENTS.up.parse(up.json()).migrations).toEqual([]);

    // A fresh database: the migration re-creates the same schema.
    const fresh = await p.cli(['up', '--json', '--database', dst]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect((await p.cli(['snapshot', '--out', 'fresh.yaml', '--database', dst])).code).toBe(0);
    expect(await readFile(join(p.dir, 'fresh.yaml'), 'utf8')).toBe(schema);
    // Checked with the SDK too: load states and aliases as they were.
    expect(String((await t.client.getLoadState({ db_name: dst, collection_name: 'everything' })).state)).toBe('LoadStateLoaded');
    expect(String((await t.client.getLoadState({ db_name: dst, collection_name: 'bits' })).state)).toBe('LoadStateNotLoad');
    expect((await t.client.describeCollection({ db_name: dst, collection_name: 'keyed' })).aliases).toEqual(['by_category']);
  });

  it('refuses a database that already has state, and a project that already has migrations (exit 2, nothing written)', async () => {
    const again = await p.cli(['baseline', '--database', src]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds 1 migration');
    // Same state collection, no migrations: the database's state is what refuses it.
    const other = await t.project({ config: `migrations: migrations\nstateCollection: ${p.stateCollection}\n` });
    const managed = await other.cli(['baseline', '--json', '--database', src]);
    expect(managed.code).toBe(2);
    expect(JSON_DOCUMENTS.failure.parse(managed.json()).error.message).toBe(
      `database ${src} already has milvus-migrate state (collection ${p.stateCollection}): it is managed, there is nothing to baseline`,
    );
    expect(await readdir(other.migrationsDir)).toEqual([]);
  });

  it('generate with nothing to change writes no file and says so (exit 0)', async () => {
    const before = await readdir(p.migrationsDir);
    const res = await p.cli(['generate', 'nothing', '--database', src]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr + res.stdout).toContain('Nothing to change');
    expect(await readdir(p.migrationsDir)).toEqual(before);
  });
});

describe('schema.yaml as input', () => {
  it('a bad schema.yaml is exit 2 naming file, line and key, and nothing is written', async () => {
    const q = await t.project();
    const file = join(q.dir, 'schema.yaml');
    const cases: [string, string, number, string, string][] = [
      [
        'unknown key',
        '      - { name: v, data_type: FloatVector, dim: 4, colour: red }\n',
        5,
        'collections.c.fields.1.colour',
        'unknown key "colour"',
      ],
      ['wrong type', '      - { name: v, data_type: FloatVector, dim: four }\n', 5, 'collections.c.fields.1.dim', 'expected number'],
      [
        'a vector without dim',
        '      - { name: v, data_type: FloatVector }\n',
        5,
        'collections.c.fields.1',
        'FloatVector field v needs dim',
      ],
      [
        'two primary keys',
        '      - { name: k, data_type: Int64, is_primary_key: true }\n      - { name: v, data_type: FloatVector, dim: 4 }\n',
        4,
        'collections.c.fields',
        'needs exactly one field with is_primary_key: true (found 2)',
      ],
      [
        'an index on a missing field',
        '      - { name: v, data_type: FloatVector, dim: 4 }\n    indexes:\n      w_idx: { field_name: w, index_type: FLAT, metric_type: L2 }\n',
        7,
        'collections.c.indexes.w_idx.field_name',
        'no field named w in this collection',
      ],
    ];
    for (const [what, fields, line, path, message] of cases) {
      await writeFile(file, `collections:\n  c:\n    fields:\n      - { name: id, data_type: Int64, is_primary_key: true }\n${fields}`);
      const res = await q.cli(['generate', 'x', '--json', '--target-version', '2.3.5']);
      expect(res.code, what).toBe(2);
      const problems = JSON_DOCUMENTS.failure.parse(res.json()).error.problems!;
      expect(problems, what).toHaveLength(1);
      expect(problems[0], what).toMatchObject({ file, line, path });
      expect(problems[0]!.message, what).toContain(message);
      expect(res.stderr, what).toContain(`${file}:${line}:`);
    }
    expect(await readdir(q.migrationsDir)).toEqual([]);
  });
});
