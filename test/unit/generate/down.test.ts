import { describe, expect, it } from 'vitest';
import { planMigration } from '../../../src/generate/plan.js';
import { migrationYaml } from '../../../src/generate/render.js';
import { parseYamlMigration } from '../../../src/migrations/yaml.js';
import type { CollectionSchema, DatabaseSchema } from '../../../src/schema/model.js';

const docs: CollectionSchema = {
  consistency_level: 'Strong',
  fields: [
    { name: 'id', data_type: 'Int64', is_primary_key: true },
    { name: 'title', data_type: 'VarChar', max_length: 64 },
    { name: 'v', data_type: 'FloatVector', dim: 4 },
  ],
  partitions: ['_default'],
  indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' } },
  load_state: 'loaded',
};
const opts = { serverVersion: 'v2.3.5-lite', migrationName: '20260101000000_x' };
const only = (c: CollectionSchema): DatabaseSchema => ({ collections: { docs: c }, aliases: {} });

/** The file as written, checked to validate: what a reviewer reads. */
function file(from: DatabaseSchema, to: DatabaseSchema, serverVersion = opts.serverVersion) {
  const m = planMigration(from, to, undefined, { ...opts, serverVersion });
  const text = migrationYaml(m, '');
  expect(parseYamlMigration('x.yaml', text).problems).toEqual([]);
  return { m, text };
}

describe('what the derived down of a generated migration gives back', () => {
  it('a dropped collection with a TTL: its backup keeps the TTL, so down restores it whole: no mark, no note', () => {
    const { m, text } = file(only({ ...docs, properties: { 'collection.ttl.seconds': '60' } }), { collections: {}, aliases: {} });
    expect(m.down).toBeUndefined();
    expect(m.notes).toEqual([]);
    expect(m.up.some((s) => s.downGap)).toBe(false);
    expect(text).toMatchInlineSnapshot(`
      "description: "Generated from the schema file: dropCollection"
      up:
        # DESTRUCTIVE: deletes data; \`up\` needs --allow-destructive
        # collection docs is not in the schema file (a rename? say renamed_from: docs on its new name, and its rows are kept).
        # backup: true exports its rows first, so down restores them: remove it to skip the export, and down cannot revert this
        - dropCollection: { collection_name: docs, backup: true }
      "
    `);
  });

  it('a change whose derived down restores the schema: no explicit down, no mark, no note', () => {
    const { m, text } = file(only(docs), only({ ...docs, partitions: ['_default', 'p1'] }));
    expect(m.down).toBeUndefined();
    expect(m.notes).toEqual([]);
    expect(m.up.some((s) => s.downGap)).toBe(false);
    expect(text).toMatchInlineSnapshot(`
      "description: "Generated from the schema file: createPartition"
      up:
        # partition p1 is new
        - createPartition: { collection_name: docs, partition_name: p1 }
      "
    `);
  });

  it('an in-place field drop (Milvus 3.0) cannot be undone: marked, said, and left irreversible on purpose', () => {
    const { m, text } = file(only(docs), only({ ...docs, fields: docs.fields.filter((f) => f.name !== 'title') }), '3.0.0');
    expect(m.down).toBeUndefined();
    expect(m.notes).toHaveLength(1);
    expect(m.notes[0]).toMatch(/^dropCollectionField docs\.title: IRREVERSIBLE on purpose/);
    expect(text).toMatchInlineSnapshot(`
      "description: "Generated from the schema file: dropCollectionField"
      up:
        # DESTRUCTIVE: deletes data; \`up\` needs --allow-destructive
        # field title is not in the schema file: dropped with its values (no inverse)
        # IRREVERSIBLE on purpose: the values of title in docs are gone once dropped (no backup is taken), so down refuses
        - dropCollectionField: { collection_name: docs, field_name: title }
      "
    `);
  });
});
