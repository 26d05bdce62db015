/**
 * The expected schema by fold (issue 19): the repo's example migrations folded over an empty
 * model, without a server. `test/integration/fold-replay.test.ts` checks that a replay on real
 * Milvus reads the same.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../src/migrations/load.js';
import { expectedSchema } from '../../../src/runner/fold.js';

const repo = join(import.meta.dirname, '../../..');

describe('expectedSchema', () => {
  it('folds migrations/ into example_collection without its dropped partition', async () => {
    const result = await expectedSchema(await loadMigrations(join(repo, 'migrations')));
    expect(result).toMatchInlineSnapshot(`
      {
        "folded": true,
        "problems": [],
        "schema": {
          "aliases": {},
          "collections": {
            "example_collection": {
              "consistency_level": "Bounded",
              "description": "Example documents",
              "fields": [
                {
                  "data_type": "Int64",
                  "is_primary_key": true,
                  "name": "id",
                },
                {
                  "data_type": "VarChar",
                  "max_length": 256,
                  "name": "title",
                },
                {
                  "data_type": "FloatVector",
                  "dim": 4,
                  "name": "embedding",
                },
              ],
              "indexes": {
                "embedding": {
                  "field_name": "embedding",
                  "index_type": "FLAT",
                  "metric_type": "L2",
                },
              },
              "load_state": "loaded",
              "partitions": [
                "_default",
                "current_partition",
              ],
            },
          },
        },
      }
    `);
  });

  it('folds the blue/green example: docs_v2 behind the alias, docs_v1 dropped', async () => {
    const result = await expectedSchema(await loadMigrations(join(repo, 'migrations/examples/blue-green')));
    expect(result).toMatchInlineSnapshot(`
      {
        "folded": true,
        "problems": [],
        "schema": {
          "aliases": {
            "docs": "docs_v2",
          },
          "collections": {
            "docs_v2": {
              "consistency_level": "Bounded",
              "description": "documents, schema v2",
              "enable_dynamic_field": true,
              "fields": [
                {
                  "data_type": "Int64",
                  "is_primary_key": true,
                  "name": "id",
                },
                {
                  "data_type": "VarChar",
                  "max_length": 512,
                  "name": "title",
                },
                {
                  "data_type": "VarChar",
                  "is_partition_key": true,
                  "max_length": 32,
                  "name": "category",
                },
                {
                  "data_type": "FloatVector",
                  "dim": 4,
                  "name": "embedding",
                },
              ],
              "indexes": {
                "embedding": {
                  "field_name": "embedding",
                  "index_type": "IVF_FLAT",
                  "metric_type": "L2",
                  "params": {
                    "nlist": "64",
                  },
                },
              },
              "load_state": "loaded",
              "partitions": [
                "_default_0",
                "_default_1",
                "_default_10",
                "_default_11",
                "_default_12",
                "_default_13",
                "_default_14",
                "_default_15",
                "_default_2",
                "_default_3",
                "_default_4",
                "_default_5",
                "_default_6",
                "_default_7",
                "_default_8",
                "_default_9",
              ],
            },
          },
        },
      }
    `);
  });

  it('stops short of the last migration when given fewer', async () => {
    const migrations = await loadMigrations(join(repo, 'migrations/examples/blue-green'));
    const result = await expectedSchema(migrations.slice(0, 2));
    expect(result.folded && Object.keys(result.schema.collections)).toEqual(['docs_v1', 'docs_v2']);
    expect(result.folded && result.schema.aliases).toEqual({ docs: 'docs_v2' });
  });

  it('reports what an empty server would refuse, naming the file and step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-fold-'));
    await writeFile(join(dir, '001_part.yaml'), 'up:\n  - createPartition: { collection_name: docs, partition_name: p1 }\n');
    const result = await expectedSchema(await loadMigrations(dir));
    expect(result.folded && result.problems).toEqual([
      {
        file: join(dir, '001_part.yaml'),
        line: 2,
        path: 'up[0].createPartition',
        message: 'collection docs does not exist at this point of the plan (database default holds: none)',
      },
    ]);
  });

  it('refuses to fold code migrations, naming them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-fold-'));
    await writeFile(join(dir, '001_create.yaml'), 'up:\n  - createDatabase: { db_name: other }\n');
    await writeFile(join(dir, '002_code.mjs'), 'export default { async up() {} };\n');
    expect(await expectedSchema(await loadMigrations(dir))).toEqual({
      folded: false,
      code: ['002_code'],
      reason: '002_code is a code migration: their steps are known only when they run, so the expected schema needs a replay',
    });
  });

  it('gives a partition key the partitions Milvus makes by default: 64 before 2.5, 16 since', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-fold-'));
    await writeFile(
      join(dir, '001_keyed.yaml'),
      `up:
  - createCollection:
      collection_name: keyed
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: tenant, data_type: Int64, is_partition_key: true }
        - { name: v, data_type: FloatVector, dim: 2 }
`,
    );
    const migrations = await loadMigrations(dir);
    const count = async (serverVersion?: string) => {
      const r = await expectedSchema(migrations, { serverVersion });
      return r.folded && r.schema.collections.keyed!.partitions.length;
    };
    expect([await count(), await count('2.3.5'), await count('2.4.9'), await count('2.5.0')]).toEqual([64, 64, 64, 16]);
  });

  it('names other databases db.collection with allDatabases', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-fold-'));
    await writeFile(
      join(dir, '001_other.yaml'),
      `up:
  - createDatabase: { db_name: other }
  - createCollection:
      db_name: other
      collection_name: c
      fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }]
  - createAlias: { db_name: other, alias: live, collection_name: c }
`,
    );
    const migrations = await loadMigrations(dir);
    const own = await expectedSchema(migrations);
    expect(own.folded && own.schema).toEqual({ collections: {}, aliases: {} });
    const all = await expectedSchema(migrations, { allDatabases: true });
    expect(all.folded && Object.keys(all.schema.collections)).toEqual(['other.c']);
    expect(all.folded && all.schema.aliases).toEqual({ 'other.live': 'other.c' });
  });
});
