/**
 * Drift (issue 9) against real Milvus: `diff` replays the applied migrations in a throwaway
 * database and compares with the live schema; `snapshot` writes it as stable YAML. Drift is made by
 * hand with the SDK, one of each kind, and each must be reported precisely.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Milvus, MilvusStateStore, Migrator } from '../../src/index.js';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';

const t = useMilvusTest();
const db = uniqueName('drift_db');
let p: TestProject;
let milvus: Milvus;
/** The project's migrations and state in `db`, in-process: faster than spawning the CLI for setup. */
let migrator: Migrator;

const CREATE = `up:
  - createCollection:
      collection_name: docs
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: title, data_type: VarChar, max_length: 64 }
        - { name: embedding, data_type: FloatVector, dim: 4 }
  - createIndex: { collection_name: docs, field_name: embedding, index_name: embedding_idx, index_type: IVF_FLAT, metric_type: L2, params: { nlist: 8 } }
  - alterCollectionProperties: { collection_name: docs, properties: { collection.ttl.seconds: 60 } }
  - createCollection:
      collection_name: docs_old
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: embedding, data_type: FloatVector, dim: 4 }
  - createIndex: { collection_name: docs_old, field_name: embedding, index_name: old_idx, index_type: FLAT, metric_type: L2 }
down:
  - dropCollection: { collection_name: docs_old }
  - dropCollection: { collection_name: docs }
`;
const SERVE = `up:
  - createPartition: { collection_name: docs, partition_name: p2026 }
  - createAlias: { collection_name: docs, alias: docs_live }
`;

async function databasesNamed(prefix: string): Promise<string[]> {
  return (await t.client.listDatabases()).db_names.filter((n) => n.startsWith(prefix));
}

beforeAll(async () => {
  await t.client.createDatabase({ db_name: db });
  p = await t.project();
  await p.write('001_create.yaml', CREATE);
  await p.write('002_serve.yaml', SERVE);
  milvus = await Milvus.connect({ address: testAddress(), token: testToken() || undefined, database: db });
  migrator = new Migrator({
    milvus,
    store: new MilvusStateStore(milvus, p.stateCollection),
    migrationsDir: p.migrationsDir,
    allowDestructive: true,
  });
  expect((await migrator.up()).error).toBeUndefined();
});

afterAll(async () => {
  await milvus.close();
  const shown = await t.client.showCollections({ db_name: db });
  await t.client.dropAlias({ db_name: db, alias: 'docs_live' } as never);
  for (const c of shown.data) await t.client.dropCollection({ db_name: db, collection_name: c.name });
  await t.client.dropDatabase({ db_name: db });
});

describe('diff and snapshot', () => {
  it('a migrated database has no drift; snapshots are byte-identical across runs and a down/up round trip', async () => {
    // By default the expected schema is folded from the migrations' steps: no throwaway server.
    const folded = await p.cli(['diff', '--json', '--database', db]);
    expect(folded.code, folded.stderr).toBe(0);
    expect(JSON_DOCUMENTS.diff.parse(folded.json())).toMatchObject({ ok: true, by: 'fold', where: null, foldCheck: null, differences: [] });
    expect(folded.stderr).not.toMatch(/Working in/);

    const res = await p.cli(['diff', '--replay', '--json', '--database', db]);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.diff.parse(res.json());
    expect(doc).toMatchObject({
      command: 'diff',
      ok: true,
      exitCode: 0,
      database: db,
      against: 'migrations',
      by: 'replay',
      // The replay is also the check that the fold (what plan and the preflight use) agrees with the server.
      foldCheck: { agrees: true, differences: [] },
      differences: [],
    });
    // The throwaway database it replayed the migrations in is gone (other files may run verify at the same time).
    expect(doc.where).toMatch(/^throwaway database mm_verify_\w+ on /);
    expect(await databasesNamed('mm_verify_')).not.toContain(doc.where!.split(' ')[2]);

    const file = join(p.dir, 'schema.yaml');
    expect((await p.cli(['snapshot', '--database', db])).code).toBe(0);
    const first = await readFile(file, 'utf8');
    const again = await p.cli(['snapshot', '--json', '--database', db]);
    expect(JSON_DOCUMENTS.snapshot.parse(again.json())).toMatchObject({
      command: 'snapshot',
      changed: false,
      collections: ['docs', 'docs_old'],
      aliases: ['docs_live'],
    });
    expect(await readFile(file, 'utf8')).toBe(first);
    expect(first).toMatchInlineSnapshot(`
      "# Schema written by \`milvus-migrate snapshot\`: stable order, no ids or timestamps. Compare with \`milvus-migrate diff --against\`.
      collections:
        docs:
          consistency_level: Bounded
          fields:
            - name: id
              data_type: Int64
              is_primary_key: true
            - name: title
              data_type: VarChar
              max_length: 64
            - name: embedding
              data_type: FloatVector
              dim: 4
          partitions:
            - _default
            - p2026
          indexes:
            embedding_idx:
              field_name: embedding
              index_type: IVF_FLAT
              metric_type: L2
              params:
                nlist: "8"
          properties:
            collection.ttl.seconds: "60"
          load_state: released
        docs_old:
          consistency_level: Bounded
          fields:
            - name: id
              data_type: Int64
              is_primary_key: true
            - name: embedding
              data_type: FloatVector
              dim: 4
          partitions:
            - _default
          indexes:
            old_idx:
              field_name: embedding
              index_type: FLAT
              metric_type: L2
          load_state: released
      aliases:
        docs_live: docs
      "
    `);

    expect((await migrator.down()).error).toBeUndefined();
    expect((await migrator.up()).error).toBeUndefined();
    expect((await p.cli(['snapshot', '--database', db])).code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(first);
  });

  it('reports hand-made drift of each kind precisely, against the snapshot and by fold alike', async () => {
    const target = { db_name: db, collection_name: 'docs' };
    await t.client.createPartition({ ...target, partition_name: 'hand_made' });
    await t.client.dropIndex({ ...target, field_name: 'embedding', index_name: 'embedding_idx' } as never);
    await t.client.createIndex({
      ...target,
      field_name: 'embedding',
      index_name: 'embedding_idx',
      index_type: 'IVF_FLAT',
      metric_type: 'L2',
      params: { nlist: 16 },
    });
    await t.client.alterCollection({ ...target, properties: { 'collection.ttl.seconds': 120 } } as never);
    await t.client.dropIndex({ db_name: db, collection_name: 'docs_old', field_name: 'embedding', index_name: 'old_idx' } as never);
    // Moved to a collection the migrations never touched: that collection is not drift, the alias is.
    await t.client.createCollection({
      db_name: db,
      collection_name: 'by_hand',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: 2 },
      ],
    });
    await t.client.alterAlias({ db_name: db, alias: 'docs_live', collection_name: 'by_hand' });

    const res = await p.cli(['diff', '--against', 'schema.yaml', '--json', '--database', db]);
    expect(res.code, res.stderr).toBe(1);
    const expected = [
      { path: 'collection docs / partition hand_made', kind: 'unexpected', actual: 'present' },
      { path: 'collection docs / index embedding_idx / params.nlist', kind: 'changed', expected: '8', actual: '16' },
      { path: 'collection docs / properties.collection.ttl.seconds', kind: 'changed', expected: '60', actual: '120' },
      {
        path: 'collection docs_old / index old_idx',
        kind: 'missing',
        expected: { field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' },
      },
      { path: 'alias docs_live', kind: 'changed', expected: 'docs', actual: 'by_hand' },
    ];
    expect(JSON_DOCUMENTS.diff.parse(res.json())).toMatchObject({
      ok: false,
      exitCode: 1,
      against: join(p.dir, 'schema.yaml'),
      where: null,
    });
    expect(res.json().differences).toEqual(expected);
    const byFold = await p.cli(['diff', '--json', '--database', db]);
    expect(byFold.code, byFold.stderr).toBe(1);
    expect(byFold.json()).toMatchObject({ by: 'fold', where: null, differences: expected });

    const text = await p.cli(['diff', '--against', 'schema.yaml', '--database', db]);
    expect(text.code).toBe(1);
    expect(text.stdout.replace(db, '<db>').replace(p.dir, '<project>')).toMatchInlineSnapshot(`
      "✖ Database <db> has drifted from snapshot <project>/schema.yaml: 5 differences
        collection docs / partition hand_made: not expected
        collection docs / index embedding_idx / params.nlist: expected "8", found "16"
        collection docs / properties.collection.ttl.seconds: expected "60", found "120"
        collection docs_old / index old_idx: missing
        alias docs_live: expected "docs", found "by_hand"
      "
    `);
  });
});
