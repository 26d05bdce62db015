import { describe, expect, it } from 'vitest';
import { fieldFromDescribe, indexFromDescribe, normaliseSchema, propertiesFrom } from '../../../src/schema/normalise.js';
import type { DatabaseSchema } from '../../../src/schema/model.js';

describe('normalise', () => {
  it('keeps what a field declares and drops Milvus defaults, ids and states', () => {
    const raw = {
      type_params: [{ key: 'max_length', value: '20' }],
      fieldID: '101',
      name: 't',
      is_primary_key: false,
      description: '',
      data_type: 'VarChar',
      autoID: false,
      state: 'FieldCreated',
      element_type: 'None',
      default_value: null,
      is_dynamic: false,
      is_partition_key: true,
      nullable: false,
      max_length: '20',
    };
    expect(fieldFromDescribe(raw)).toEqual({ name: 't', data_type: 'VarChar', max_length: 20, is_partition_key: true });
    expect(
      fieldFromDescribe({
        name: 'v',
        data_type: 'FloatVector',
        type_params: [{ key: 'dim', value: '4' }],
        is_primary_key: true,
        autoID: true,
      }),
    ).toEqual({
      name: 'v',
      data_type: 'FloatVector',
      dim: 4,
      is_primary_key: true,
      autoID: true,
    });
    expect(fieldFromDescribe({ name: 'n', data_type: 'Int64', nullable: true, default_value: { long_data: 5 } })).toEqual({
      name: 'n',
      data_type: 'Int64',
      nullable: true,
      default_value: 5,
    });
    expect(fieldFromDescribe({ name: '$meta', data_type: 'JSON', is_dynamic: true })).toBeUndefined();
  });

  it('reads index params from the JSON Milvus keeps under `params`, as strings', () => {
    const params = [
      { key: 'params', value: '{"nlist":8,"flag":true}' },
      { key: 'index_type', value: 'IVF_FLAT' },
      { key: 'metric_type', value: 'L2' },
    ];
    expect(indexFromDescribe({ index_name: 'v', field_name: 'v', params })).toEqual([
      'v',
      { field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { flag: 'true', nlist: '8' } },
    ]);
    expect(
      indexFromDescribe({
        index_name: 'f',
        field_name: 'v',
        params: [
          { key: 'index_type', value: 'FLAT' },
          { key: 'metric_type', value: 'IP' },
        ],
      }),
    ).toEqual(['f', { field_name: 'v', index_type: 'FLAT', metric_type: 'IP' }]);
  });

  it('drops properties that restate a default', () => {
    expect(
      propertiesFrom([
        { key: 'mmap.enabled', value: 'false' },
        { key: 'collection.ttl.seconds', value: 60 },
      ]),
    ).toEqual({ 'collection.ttl.seconds': '60' });
  });

  it('sorts every map and list but fields, and is idempotent', () => {
    const s: DatabaseSchema = {
      collections: {
        b: {
          consistency_level: 'Bounded',
          fields: [
            { name: 'z', data_type: 'Int64' },
            { name: 'a', data_type: 'Int64' },
          ],
          partitions: ['p', '_default'],
          indexes: {},
          load_state: 'released',
          description: '',
        },
        a: {
          consistency_level: 'Strong',
          fields: [],
          partitions: [],
          indexes: {
            y: { field_name: 'v', index_type: 'FLAT' },
            x: { field_name: 'w', index_type: 'FLAT', params: { nlist: 8 as unknown as string } },
          },
          properties: {},
          load_state: 'loaded',
        },
      },
      aliases: { z: 'a', m: 'b' },
    };
    const n = normaliseSchema(s);
    expect(Object.keys(n.collections)).toEqual(['a', 'b']);
    expect(Object.keys(n.aliases)).toEqual(['m', 'z']);
    expect(n.collections.b!.partitions).toEqual(['_default', 'p']);
    expect(n.collections.b!.fields.map((f) => f.name)).toEqual(['z', 'a']);
    expect(Object.keys(n.collections.a!.indexes)).toEqual(['x', 'y']);
    expect(n.collections.a!.indexes.x!.params).toEqual({ nlist: '8' });
    expect('description' in n.collections.b! || 'properties' in n.collections.a!).toBe(false);
    expect(normaliseSchema(n)).toEqual(n);
  });
});
