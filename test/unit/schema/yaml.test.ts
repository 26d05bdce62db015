import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import type { DatabaseSchema } from '../../../src/schema/model.js';
import { readSchemaDocument, schemaFromYaml, schemaToYaml } from '../../../src/schema/yaml.js';

const schema: DatabaseSchema = {
  collections: {
    b: {
      consistency_level: 'Bounded',
      fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }],
      partitions: ['_default'],
      indexes: {},
      load_state: 'released',
    },
    a: {
      description: 'docs',
      consistency_level: 'Strong',
      fields: [{ name: 'v', data_type: 'FloatVector', dim: 4 }],
      partitions: ['p', '_default'],
      indexes: { v: { field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: '8' } } },
      properties: { 'collection.ttl.seconds': '60' },
      load_state: 'loaded',
    },
  },
  aliases: { live: 'a' },
};

describe('snapshot YAML', () => {
  it('is stable: the same schema in another key order gives the same bytes, and it reads back', () => {
    const text = schemaToYaml(schema);
    const reordered: DatabaseSchema = { aliases: { live: 'a' }, collections: { a: schema.collections.a!, b: schema.collections.b! } };
    expect(schemaToYaml(reordered)).toBe(text);
    expect(schemaToYaml(schemaFromYaml(text, 'schema.yaml'))).toBe(text);
    expect(text).toMatchInlineSnapshot(`
      "# Schema written by \`milvus-migrate snapshot\`: stable order, no ids or timestamps. Compare with \`milvus-migrate diff --against\`.
      collections:
        a:
          description: docs
          consistency_level: Strong
          fields:
            - name: v
              data_type: FloatVector
              dim: 4
          partitions:
            - _default
            - p
          indexes:
            v:
              field_name: v
              index_type: IVF_FLAT
              metric_type: L2
              params:
                nlist: "8"
          properties:
            collection.ttl.seconds: "60"
          load_state: loaded
        b:
          consistency_level: Bounded
          fields:
            - name: id
              data_type: Int64
              is_primary_key: true
          partitions:
            - _default
          indexes: {}
          load_state: released
      aliases:
        live: a
      "
    `);
  });

  it('reads numbers written without quotes as the strings Milvus reports', () => {
    const text = schemaToYaml(schema).replace('nlist: "8"', 'nlist: 8');
    expect(schemaFromYaml(text, 'schema.yaml').collections.a!.indexes.v!.params).toEqual({ nlist: '8' });
  });

  it('rejects a file that is not a schema file, naming the file, line and key', () => {
    const err = (() => {
      try {
        schemaFromYaml(
          'collections:\n  a:\n    fields:\n      - { name: id, data_type: Int64, dim: four }\n    colour: red\n',
          'schema.yaml',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatchInlineSnapshot(`
      "schema.yaml is not a valid schema file
        schema.yaml:4:44: collections.a.fields.0.dim: Invalid input: expected number, received string
        schema.yaml:5:13: collections.a.colour: unknown key "colour""
    `);
  });

  it('fills in the defaults of a hand-written file, and keeps renamed_from out of the compared schema', () => {
    const doc = readSchemaDocument(
      'collections:\n  b:\n    renamed_from: a\n    fields:\n      - { name: id, data_type: Int64, is_primary_key: true }\n      - { name: text, renamed_from: body, data_type: VarChar, max_length: 8, is_partition_key: true }\n',
      'schema.yaml',
    );
    expect(doc.renames).toEqual({ collections: { b: 'a' }, fields: { b: { text: 'body' } } });
    const b = doc.schema.collections.b!;
    expect(b).toMatchObject({ consistency_level: 'Bounded', indexes: {}, load_state: 'released' });
    expect(b.partitions).toHaveLength(16);
    expect(b.fields[1]).toEqual({ name: 'text', data_type: 'VarChar', max_length: 8, is_partition_key: true });
  });
});
