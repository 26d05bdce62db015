import { describe, expect, it } from 'vitest';
import { compareSchemas, describeDifference } from '../../../src/schema/compare.js';
import type { CollectionSchema, DatabaseSchema } from '../../../src/schema/model.js';

function docs(over: Partial<CollectionSchema> = {}): CollectionSchema {
  return {
    consistency_level: 'Bounded',
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'embedding', data_type: 'FloatVector', dim: 4 },
    ],
    partitions: ['_default', 'p2026'],
    indexes: { embedding_idx: { field_name: 'embedding', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: '8' } } },
    properties: { 'collection.ttl.seconds': '60' },
    load_state: 'loaded',
    ...over,
  };
}

const base: DatabaseSchema = {
  collections: { docs: docs(), old: docs({ indexes: {}, properties: {}, load_state: 'released' }) },
  aliases: { live: 'docs' },
};

describe('compareSchemas', () => {
  it('finds nothing between equal schemas', () => {
    expect(compareSchemas(base, structuredClone(base))).toEqual([]);
  });

  it('reports each kind of drift once, at a precise path', () => {
    const actual = structuredClone(base);
    const d = actual.collections.docs!;
    d.partitions.push('hand_made');
    d.indexes.embedding_idx!.params = { nlist: '16' };
    d.properties = { 'collection.ttl.seconds': '120' };
    d.fields[1] = { name: 'embedding', data_type: 'FloatVector', dim: 8 };
    d.fields.push({ name: 'extra', data_type: 'VarChar', max_length: 10 });
    d.load_state = 'released';
    delete actual.collections.old;
    actual.collections.manual = docs();
    actual.aliases.live = 'manual';
    const diffs = compareSchemas(base, actual);
    expect(diffs.map(describeDifference)).toMatchInlineSnapshot(`
      [
        "collection docs / field embedding / dim: expected 4, found 8",
        "collection docs / field extra: not expected",
        "collection docs / partition hand_made: not expected",
        "collection docs / index embedding_idx / params.nlist: expected "8", found "16"",
        "collection docs / properties.collection.ttl.seconds: expected "60", found "120"",
        "collection docs / load_state: expected "loaded", found "released"",
        "collection manual: not expected",
        "collection old: missing",
        "alias live: expected "docs", found "manual"",
      ]
    `);
    expect(diffs.find((x) => x.path === 'collection docs / index embedding_idx / params.nlist')).toEqual({
      path: 'collection docs / index embedding_idx / params.nlist',
      kind: 'changed',
      expected: '8',
      actual: '16',
    });
  });

  it('reports a dropped index as missing, and a property set by hand as unexpected', () => {
    const actual = structuredClone(base);
    actual.collections.docs!.indexes = {};
    actual.collections.old!.properties = { 'collection.ttl.seconds': '5' };
    expect(compareSchemas(base, actual)).toEqual([
      { path: 'collection docs / index embedding_idx', kind: 'missing', expected: base.collections.docs!.indexes.embedding_idx },
      { path: 'collection old / properties.collection.ttl.seconds', kind: 'unexpected', actual: '5' },
    ]);
  });
});
