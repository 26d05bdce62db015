import { describe, expect, it } from 'vitest';
import { planTarget, type OldCollection, type TargetPlan } from '../../../src/steps/collections/rebuild/target.js';
import { rebuildNames } from '../../../src/steps/collections/rebuildCollection.js';

const old: OldCollection = {
  schema: {
    consistency_level: 'Bounded',
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'title', data_type: 'VarChar', max_length: 16 },
      { name: 'legacy', data_type: 'Int32' },
      { name: 'embedding', data_type: 'FloatVector', dim: 4 },
    ],
    partitions: ['_default', 'p2'],
    indexes: {},
    properties: { 'collection.ttl.seconds': '3600' },
    load_state: 'loaded',
  },
  indexes: [{ field_name: 'embedding', index_name: 'emb', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 128 } }],
};

describe('planTarget', () => {
  it('applies renames, drops, alters and added fields; carries partitions, properties and indexes over', () => {
    const plan = planTarget(old, {
      changes: {
        rename_fields: { title: 'headline' },
        drop_fields: ['legacy'],
        alter_fields: { title: { max_length: 512 }, embedding: { dim: 8 } },
        add_fields: [{ name: 'lang', data_type: 'VarChar', max_length: 8, fill: 'en' }],
      },
    }) as TargetPlan;
    expect(plan.schema.fields).toEqual([
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'headline', data_type: 'VarChar', max_length: 512 },
      { name: 'embedding', data_type: 'FloatVector', dim: 8 },
      { name: 'lang', data_type: 'VarChar', max_length: 8 },
    ]);
    expect([...plan.renames]).toEqual([
      ['id', 'id'],
      ['title', 'headline'],
      ['embedding', 'embedding'],
    ]);
    expect([...plan.fills]).toEqual([['lang', 'en']]);
    expect([...plan.changed].sort()).toEqual(['embedding', 'lang']);
    expect(plan.schema.partitions).toEqual(['_default', 'p2']);
    expect(plan.schema.properties).toEqual({ 'collection.ttl.seconds': '3600' });
    expect(plan.schema.load_state).toBe('loaded');
    expect(plan.indexes).toEqual(old.indexes);
  });

  it('a partition key: no partitions carried over; a type change drops what only the old type had', () => {
    const plan = planTarget(old, { changes: { alter_fields: { title: { data_type: 'Int64', is_partition_key: true } } } }) as TargetPlan;
    expect(plan.schema.fields[1]).toEqual({ name: 'title', data_type: 'Int64', is_partition_key: true });
    expect(plan.schema.partitions).toEqual([]);
  });

  it('names unknown fields, clashes and a dropped primary key', () => {
    expect(
      planTarget(old, {
        changes: { rename_fields: { nope: 'x' }, drop_fields: ['id'], add_fields: [{ name: 'title', data_type: 'Bool' }] },
      }),
    ).toEqual({
      problems: [
        ['changes.drop_fields.0', 'id is the primary key: give a new schema instead'],
        ['changes.rename_fields.nope', 'no field named nope in the collection (it has id, title, legacy, embedding)'],
        ['changes.add_fields.0.name', 'the new collection has a field named title already'],
        ['changes', 'the new collection would have two fields named title'],
        ['changes', 'the new collection needs exactly one primary key field'],
      ],
    });
  });
});

describe('rebuildNames', () => {
  it('derives the shadow and the place of the old collection from the params, without stacking suffixes', () => {
    const p = { collection_name: 'docs', writes: 'paused' as const, changes: { drop_fields: ['legacy'] } };
    const { shadow, old: aside } = rebuildNames(p);
    expect(shadow).toMatch(/^docs__mm_[0-9a-f]{8}$/);
    expect(aside).toBe(shadow.replace('__mm_', '__mm_old_'));
    expect(rebuildNames({ ...p, collection_name: shadow }).shadow).toMatch(/^docs__mm_[0-9a-f]{8}$/);
  });
});

describe('rebuildCollection params', () => {
  it('need writes: paused or a catch-up field, and either changes or schema', async () => {
    const { rebuildCollection } = await import('../../../src/steps/collections/rebuildCollection.js');
    const missing = rebuildCollection.params.parse({ collection_name: 'docs', changes: {} });
    expect(rebuildCollection.check!(missing)).toEqual([
      [
        'writes',
        'is required and must be "paused" without catch_up: stop the writers first (rows written during the copy would be lost), or give catch_up: { field: <an Int64 that grows with each write> }',
      ],
    ]);
    const caught = rebuildCollection.params.parse({ collection_name: 'docs', changes: {}, catch_up: { field: 'updated_at' } });
    expect(rebuildCollection.check!(caught)).toEqual([]);
    expect(rebuildCollection.check!({ ...caught, renumber_autoid: true })).toEqual([
      ['catch_up', 'cannot follow rows whose keys are renumbered (renumber_autoid): pause the writers instead'],
    ]);
    expect(rebuildCollection.params.safeParse({ collection_name: 'docs', changes: {}, parallelism: 0 }).success).toBe(false);
    const both = rebuildCollection.params.parse({
      collection_name: 'docs',
      writes: 'paused',
      changes: {},
      schema: { fields: [{ name: 'id', data_type: 'Int64' }] },
    });
    expect(rebuildCollection.check!(both)).toEqual([
      ['changes', 'give either changes (what differs from the old collection) or schema (the whole new one), not both'],
    ]);
    const itself = rebuildCollection.params.parse({ collection_name: 'docs', new_collection_name: 'docs', writes: 'paused', changes: {} });
    expect(rebuildCollection.check!(itself)).toEqual([
      ['new_collection_name', 'is the collection itself: the new collection needs another name'],
    ]);
  });
});
