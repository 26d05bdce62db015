/**
 * `baseline --databases` (issue 15): one migration re-creates the configured database and the
 * other databases named, each other one with `createDatabase` and `db_name` on its steps; the fold
 * gives each database back its own schema, so `diff` / `generate` of the configured database see
 * only its collections.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { otherDatabaseNames, schemaFileOf } from '../../../src/cli/commands/baseline.js';
import { baselineMigration } from '../../../src/generate/plan.js';
import { migrationYaml } from '../../../src/generate/render.js';
import { loadMigrations } from '../../../src/migrations/load.js';
import { parseYamlMigration } from '../../../src/migrations/yaml.js';
import { expectedSchema } from '../../../src/runner/fold.js';
import type { DatabaseSchema } from '../../../src/schema/model.js';

const opts = { serverVersion: 'v2.3.5-lite', migrationName: '20260101000000_baseline' };
const own: DatabaseSchema = {
  collections: {
    docs: {
      consistency_level: 'Bounded',
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 4 },
      ],
      partitions: ['_default'],
      indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' } },
      load_state: 'loaded',
    },
  },
  aliases: {},
};
const tenant: DatabaseSchema = {
  collections: {
    items: {
      description: 'items',
      consistency_level: 'Strong',
      fields: [
        { name: 'key', data_type: 'VarChar', max_length: 16, is_primary_key: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
      partitions: ['_default', 'p1'],
      indexes: { v: { field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'IP', params: { nlist: '4' } } },
      properties: { 'collection.ttl.seconds': '60' },
      load_state: 'released',
    },
  },
  aliases: { live_items: 'items' },
};

describe('baseline of several databases', () => {
  it('creates each other database and acts there with db_name; the file validates', () => {
    const text = migrationYaml(baselineMigration(own, opts, [{ name: 'tenant_a', schema: tenant }]), '');
    expect(parseYamlMigration('x.yaml', text).problems).toEqual([]);
    expect(text).toMatchInlineSnapshot(`
      "description: "Baseline: the 1 collection of the database and 1 other database (tenant_a: 1 collection) as they were"
      up:
        # new collection docs: 2 fields, 1 index built, then loaded
        - createCollection:
            collection_name: docs
            fields:
              - { name: id, data_type: Int64, is_primary_key: true }
              - { name: v, data_type: FloatVector, dim: 4 }
            index_params:
              - { field_name: v, index_type: FLAT, metric_type: L2 }

        # database tenant_a: 1 collection, created with db_name below (the migration's state stays in the configured database)
        - createDatabase: { db_name: tenant_a }

        # database tenant_a: new collection items: 2 fields
        - createCollection:
            db_name: tenant_a
            collection_name: items
            description: items
            fields:
              - { name: key, data_type: VarChar, max_length: 16, is_primary_key: true }
              - { name: v, data_type: FloatVector, dim: 2 }
            consistency_level: Strong

        # database tenant_a: index on v (the collection stays released, as it is)
        - createIndex:
            db_name: tenant_a
            collection_name: items
            field_name: v
            index_type: IVF_FLAT
            metric_type: IP
            params: { nlist: 4 }

        # database tenant_a: partition p1
        - createPartition: { db_name: tenant_a, collection_name: items, partition_name: p1 }

        # database tenant_a: properties of items (collection.ttl.seconds)
        - alterCollectionProperties:
            db_name: tenant_a
            collection_name: items
            properties: { collection.ttl.seconds: 60 }

        # database tenant_a: alias live_items for items
        - createAlias: { db_name: tenant_a, alias: live_items, collection_name: items }
      "
    `);
  });

  it('folds into each database its own schema: the configured one sees only its collections', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-baseline-dbs-'));
    const m = baselineMigration(own, opts, [
      { name: 'tenant_a', schema: tenant },
      { name: 'tenant_b', schema: own },
    ]);
    await writeFile(join(dir, `${opts.migrationName}.yaml`), migrationYaml(m, ''));
    const migrations = await loadMigrations(dir);
    const folded = await expectedSchema(migrations, { database: 'main', serverVersion: opts.serverVersion });
    expect(folded.folded && folded.problems).toEqual([]);
    expect(folded.folded && folded.schema).toEqual(own);
    // The others, as `verify` folds a whole server: named db.collection.
    const all = await expectedSchema(migrations, { database: 'main', allDatabases: true, serverVersion: opts.serverVersion });
    expect(all.folded && all.schema).toEqual({
      collections: { docs: own.collections.docs, 'tenant_a.items': tenant.collections.items, 'tenant_b.docs': own.collections.docs },
      aliases: { 'tenant_a.live_items': 'tenant_a.items' },
    });
  });

  it('never creates default (every server has it), and reads --databases as a list without the configured one', () => {
    const m = baselineMigration(own, opts, [{ name: 'default', schema: tenant }]);
    expect(m.up.map((s) => s.call.step)).toEqual([
      'createCollection',
      'createCollection',
      'createIndex',
      'createPartition',
      'alterCollectionProperties',
      'createAlias',
    ]);
    expect(m.up.slice(1).every((s) => s.call.params.db_name === 'default')).toBe(true);
    expect(otherDatabaseNames(' a, b,,main,a ', 'main')).toEqual(['a', 'b']);
    expect(otherDatabaseNames(undefined, 'main')).toEqual([]);
    expect(schemaFileOf('/p/schema.yaml', 'tenant_a')).toBe('/p/schema.tenant_a.yaml');
    expect(schemaFileOf('/p/prod', 'b')).toBe('/p/prod.b.yaml');
  });
});
