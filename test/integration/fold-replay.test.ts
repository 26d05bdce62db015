/**
 * `diff`'s expected schema by fold agrees with a replay on real Milvus (issue 19): the repo's
 * example migrations, the blue/green example, and a set using most schema steps, each folded
 * without a server and replayed in a throwaway database, then compared.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { loadMigrations } from '../../src/migrations/load.js';
import { expectedSchema } from '../../src/runner/fold.js';
import { compareSchemas } from '../../src/schema/compare.js';
import { openThrowaway } from '../../src/verify/throwaway.js';
import { schemaOfApplied } from '../../src/verify/verify.js';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';

const t = useMilvusTest();
const repo = join(import.meta.dirname, '../..');

/**
 * Runs `fn` in a database of its own, dropped afterwards with whatever the run made there (its
 * collections, the state collection, the lock's): diff reports every collection of its database
 * that the migrations do not explain, and other files use the default database at the same time.
 */
async function inOwnDatabase(prefix: string, fn: (db: string) => Promise<void>): Promise<void> {
  const db = uniqueName(prefix);
  await t.client.createDatabase({ db_name: db });
  try {
    await fn(db);
  } finally {
    for (const c of (await t.client.showCollections({ db_name: db })).data)
      await t.client.dropCollection({ db_name: db, collection_name: c.name });
    await t.client.dropDatabase({ db_name: db });
  }
}

/** The fold and the replay of every migration in `dir`, compared. */
async function foldAndReplay(dir: string) {
  const migrations = await loadMigrations(dir);
  const folded = await expectedSchema(migrations);
  if (!folded.folded) throw new Error(folded.reason);
  const throwaway = await openThrowaway({ server: { address: testAddress(), token: testToken() || undefined } });
  try {
    const replayed = await schemaOfApplied({ throwaway, migrationsDir: dir, migrations, applied: migrations.map((m) => m.name) });
    return { folded: folded.schema, problems: folded.problems, replayed };
  } finally {
    await throwaway.dispose();
  }
}

describe('expected schema: fold and replay agree', () => {
  it.each([['migrations'], ['migrations/examples/blue-green']])('on %s', async (dir) => {
    const { folded, problems, replayed } = await foldAndReplay(join(repo, dir));
    expect(problems).toEqual([]);
    expect(Object.keys(folded.collections).length).toBeGreaterThan(0);
    expect(compareSchemas(folded, replayed)).toEqual([]);
  });

  it('on steps the examples do not use: unnamed and AUTOINDEX indexes, properties, a partition key, rename, release', async () => {
    const p = await t.project();
    await p.write(
      '001_create.yaml',
      `up:
  - createCollection:
      collection_name: a
      fields:
        - { name: id, data_type: VarChar, max_length: 16, is_primary_key: true }
        - { name: tags, data_type: Array, element_type: Int32, max_capacity: 4 }
        - { name: meta, data_type: JSON }
        - { name: v, data_type: FloatVector, dim: 8 }
      consistency_level: Strong
  - createIndex: { collection_name: a, field_name: v, metric_type: IP }
  - createIndex: { collection_name: a, field_name: id, index_name: id_trie, index_type: Trie }
  - alterCollectionProperties: { collection_name: a, properties: { collection.ttl.seconds: 3600 } }
  - loadCollection: { collection_name: a }
  - createCollection:
      collection_name: keyed
      fields:
        - { name: id, data_type: Int64, is_primary_key: true, autoID: true }
        - { name: tenant, data_type: Int64, is_partition_key: true }
        - { name: v, data_type: BinaryVector, dim: 16 }
      index_params:
        - { field_name: v, index_name: bin, index_type: BIN_IVF_FLAT, metric_type: HAMMING, params: { nlist: 4 } }
`,
    );
    await p.write(
      '002_change.yaml',
      `up:
  - createPartition: { collection_name: a, partition_name: p1 }
  - createAlias: { alias: a_live, collection_name: a }
  - releaseCollection: { collection_name: keyed }
  - dropIndex: { collection_name: keyed, field_name: v, index_name: bin }
  - renameCollection: { collection_name: keyed, new_collection_name: keyed2 }
  - createIndex: { collection_name: keyed2, field_name: v, index_type: BIN_FLAT, metric_type: JACCARD }
`,
    );
    const { folded, problems, replayed } = await foldAndReplay(p.migrationsDir);
    expect(problems).toEqual([]);
    expect(Object.keys(folded.collections)).toEqual(['a', 'keyed2']);
    expect(compareSchemas(folded, replayed)).toEqual([]);
  });

  it('diff replays when an applied migration is code, saying why', async () => {
    const p = await t.project();
    const collection = uniqueName('fold_code');
    await p.write(
      '001_create.yaml',
      `up:\n  - createCollection:\n      collection_name: ${collection}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
    );
    await p.write(
      '002_code.mjs',
      `export default { async up({ steps }) { await steps.createPartition({ collection_name: '${collection}', partition_name: 'p1' }); } };\n`,
    );
    await inOwnDatabase('fold_code_db', async (db) => {
      expect((await p.cli(['up', '--database', db])).code).toBe(0);
      const res = await p.cli(['diff', '--json', '--database', db]);
      expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
      // A code migration cannot be folded: nothing to check the replay against.
      expect(res.json()).toMatchObject({ by: 'replay', foldCheck: null, differences: [] });
      expect(res.stderr).toContain(
        '002_code is a code migration: their steps are known only when they run, so the expected schema needs a replay: replaying them on a throwaway Milvus',
      );
    });
  });

  it('generate replays when a migration is code, and says so: a partition added in schema.yaml is one createPartition', async () => {
    const p = await t.project();
    const collection = uniqueName('gen_code');
    await p.write(
      '001_code.mjs',
      `export default { async up({ steps }) { await steps.createCollection({ collection_name: '${collection}', fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }, { name: 'v', data_type: 'FloatVector', dim: 2 }] }); } };\n`,
    );
    // The live side (up, snapshot) in a database of its own; generate replays in a throwaway one.
    await inOwnDatabase('gen_code_db', async (db) => {
      expect((await p.cli(['up', '--database', db])).code).toBe(0);
      expect((await p.cli(['snapshot', '--database', db])).code).toBe(0);
      const schemaFile = join(p.dir, 'schema.yaml');
      const schema = parse(await readFile(schemaFile, 'utf8')) as { collections: Record<string, { partitions: string[] }> };
      schema.collections[collection]!.partitions.push('p1');
      await writeFile(schemaFile, stringify(schema));
      const res = await p.cli(['generate', 'add p1', '--dry-run', '--json', '--database', db]);
      expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
      const doc = JSON_DOCUMENTS.generate.parse(res.json());
      expect(doc).toMatchObject({ by: 'replay', steps: [{ step: 'createPartition' }] });
      expect(doc.yaml).toContain(`createPartition: { collection_name: ${collection}, partition_name: p1 }`);
      expect(res.stderr).toContain('001_code is a code migration');
      expect(res.stderr).toContain('replaying them on a throwaway Milvus');
    });
  });
});
