/**
 * The exact requests schema steps send, with a fake Milvus that records each call (and each
 * checkpoint, so the order "save what was there, then change it" shows). Steps the 2.3.5 test
 * server cannot run (addCollectionField 2.6+, dropCollectionProperties 2.5+) are pinned here.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { preflight } from '../../../src/runner/preflight.js';
import { emptyDatabase, emptyModel } from '../../../src/schema/plan-model.js';
import { alterAlias } from '../../../src/steps/aliases/alterAlias.js';
import { dropAlias } from '../../../src/steps/aliases/dropAlias.js';
import { addCollectionField } from '../../../src/steps/collections/addCollectionField.js';
import { alterCollectionProperties } from '../../../src/steps/collections/alterCollectionProperties.js';
import { dropCollectionProperties } from '../../../src/steps/collections/dropCollectionProperties.js';
import { renameCollection } from '../../../src/steps/collections/renameCollection.js';
import { dropDatabase } from '../../../src/steps/databases/dropDatabase.js';
import { flush } from '../../../src/steps/data/flush.js';
import { fakeMilvus, OK, planOf, runStep as run } from '../../support/fake-milvus.js';

const describeWith =
  (properties: Record<string, string>, fields: string[] = ['id', 'v']) =>
  () => ({
    status: OK,
    properties: Object.entries(properties).map(([key, value]) => ({ key, value })),
    schema: { fields: fields.map((name) => ({ name })) },
  });

describe('addCollectionField (Milvus 2.6+)', () => {
  it('sends AddCollectionField with the field as written, in the named database', async () => {
    const { calls, recorded, inverse } = await run(addCollectionField, {
      collection_name: 'docs',
      db_name: 'shop',
      field: { name: 'rating', data_type: 'Int32', nullable: true, default_value: 3, description: 'stars' },
    });
    expect(calls).toEqual([
      [
        'addCollectionField',
        {
          collection_name: 'docs',
          db_name: 'shop',
          field: { name: 'rating', data_type: 'Int32', nullable: true, default_value: 3, description: 'stars' },
        },
      ],
    ]);
    expect(recorded).toBeUndefined();
    expect(inverse).toEqual({
      irreversible:
        'addCollectionField: Milvus cannot drop a field, so rating stays in shop.docs (re-create the collection without it to remove it)',
    });
    expect(addCollectionField.minVersion).toBe('2.6.0');
  });

  it('sends an Array field with its element type and capacity; resumed after it was added, sends nothing more', async () => {
    const field = { name: 'tags', data_type: 'Array', element_type: 'VarChar', max_capacity: 8, max_length: 32, nullable: true };
    const first = await run(addCollectionField, { collection_name: 'docs', field });
    expect(first.calls).toEqual([['addCollectionField', { collection_name: 'docs', field }]]);

    const resumed = await run(
      addCollectionField,
      { collection_name: 'docs', field },
      { describeCollection: describeWith({}, ['id', 'v', 'tags']) },
      { resumed: true },
    );
    expect(resumed.calls).toEqual([['describeCollection', { collection_name: 'docs' }]]);
  });

  it('checks Milvus rules before anything runs: nullable, max_length, element type, default values, scalar types only', () => {
    const check = (field: Record<string, unknown>) =>
      addCollectionField.check!(addCollectionField.params.parse({ collection_name: 'c', field }));
    expect(check({ name: 'a', data_type: 'Int32' })).toEqual([
      [
        'field.nullable',
        'must be true: Milvus adds a field to an existing collection only as nullable (existing rows read null, or default_value)',
      ],
    ]);
    expect(check({ name: 'a', data_type: 'VarChar', nullable: true, default_value: 5 })).toEqual([
      ['field', 'VarChar field a needs max_length'],
      ['field.default_value', 'must be a string for a VarChar field'],
    ]);
    expect(check({ name: 'a', data_type: 'JSON', nullable: true, default_value: '{}' })).toEqual([
      ['field.default_value', 'JSON fields take no default_value'],
    ]);
    expect(check({ name: 'a', data_type: 'Array', nullable: true })).toEqual([
      ['field', 'Array field a needs element_type and max_capacity'],
    ]);
    expect(check({ name: 'a', data_type: 'Bool', nullable: true, default_value: false })).toEqual([]);
    const vector = addCollectionField.params.safeParse({
      collection_name: 'c',
      field: { name: 'v2', data_type: 'FloatVector', dim: 4, nullable: true },
    });
    expect(vector.success).toBe(false);
    expect(vector.error?.issues.map((i) => i.message)).toContain(
      'data_type "FloatVector" cannot be added to an existing collection (Milvus adds scalar fields only; allowed: Bool, Int8, Int16, Int32, Int64, Float, Double, VarChar, JSON, Array)',
    );
  });

  it('is refused by preflight on Milvus 2.3.5, naming the step, the version it needs and the version found', async () => {
    const { milvus, calls } = fakeMilvus({}, 'v2.3.5-lite');
    const plan = planOf('20261201_add_rating', [
      { addCollectionField: { collection_name: 'docs', field: { name: 'rating', data_type: 'Int32', nullable: true } } },
    ]);
    const err = await preflight(milvus, [plan]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).message).toMatchInlineSnapshot(`
      "The plan cannot run on this Milvus; nothing was changed
        /m/20261201_add_rating.yaml: up[0].addCollectionField: addCollectionField needs Milvus 2.6.0 or newer; the server at 127.0.0.1:19530 is v2.3.5-lite"
    `);
    expect(calls).toEqual([]);
  });
});

describe('dropCollectionProperties (Milvus 2.5+)', () => {
  it('records the values of the keys it drops, then sends the keys; the inverse sets them again', async () => {
    const { calls, recorded, inverse } = await run(
      dropCollectionProperties,
      { collection_name: 'docs', db_name: 'shop', properties: ['collection.ttl.seconds', 'mmap.enabled'] },
      { describeCollection: describeWith({ 'collection.ttl.seconds': '60', 'other.key': 'x' }) },
    );
    const before = { previous: { 'collection.ttl.seconds': '60' }, absent: [] };
    expect(calls).toEqual([
      ['describeCollection', { collection_name: 'docs', db_name: 'shop' }],
      ['checkpoint', before],
      ['dropCollectionProperties', { collection_name: 'docs', db_name: 'shop', properties: ['collection.ttl.seconds', 'mmap.enabled'] }],
    ]);
    expect(recorded).toEqual(before);
    expect(inverse).toEqual({
      steps: [
        {
          step: 'alterCollectionProperties',
          params: { collection_name: 'docs', db_name: 'shop', properties: { 'collection.ttl.seconds': '60' } },
        },
      ],
    });
    expect(dropCollectionProperties.minVersion).toBe('2.5.0');
  });

  it('does nothing when none of the keys has a value; resumed, it takes the old values from its checkpoint', async () => {
    const none = await run(
      dropCollectionProperties,
      { collection_name: 'docs', properties: ['mmap.enabled'] },
      { describeCollection: describeWith({}) },
    );
    expect(none.calls).toEqual([['describeCollection', { collection_name: 'docs' }]]);
    expect(none.recorded).toEqual({ skipped: true });
    expect(none.inverse).toEqual({ steps: [] });

    const saved = { previous: { 'mmap.enabled': 'true' }, absent: [] };
    const resumed = await run(
      dropCollectionProperties,
      { collection_name: 'docs', properties: ['mmap.enabled'] },
      {},
      { resumed: true, previous: saved },
    );
    expect(resumed.calls).toEqual([['dropCollectionProperties', { collection_name: 'docs', properties: ['mmap.enabled'] }]]);
    expect(resumed.recorded).toEqual(saved);
  });
});

describe('alterCollectionProperties', () => {
  it('saves the old values of the touched keys before altering; the inverse alters back and drops keys that had none', async () => {
    const { calls, recorded, inverse } = await run(
      alterCollectionProperties,
      { collection_name: 'docs', properties: { 'collection.ttl.seconds': 3600, 'mmap.enabled': true } },
      { describeCollection: describeWith({ 'collection.ttl.seconds': '60' }) },
    );
    const before = { previous: { 'collection.ttl.seconds': '60' }, absent: ['mmap.enabled'] };
    expect(calls).toEqual([
      ['describeCollection', { collection_name: 'docs' }],
      ['checkpoint', before],
      ['alterCollectionProperties', { collection_name: 'docs', properties: { 'collection.ttl.seconds': 3600, 'mmap.enabled': true } }],
    ]);
    expect(recorded).toEqual(before);
    expect(inverse).toEqual({
      steps: [
        { step: 'alterCollectionProperties', params: { collection_name: 'docs', properties: { 'collection.ttl.seconds': '60' } } },
        { step: 'dropCollectionProperties', params: { collection_name: 'docs', properties: ['mmap.enabled'] } },
      ],
      note: 'drops mmap.enabled, which had no value before (dropCollectionProperties needs Milvus 2.5+)',
    });
  });

  it('sends nothing when every key already has the value', async () => {
    const { calls, recorded } = await run(
      alterCollectionProperties,
      { collection_name: 'docs', properties: { 'collection.ttl.seconds': 60 } },
      { describeCollection: describeWith({ 'collection.ttl.seconds': '60' }) },
    );
    expect(calls.map(([m]) => m)).toEqual(['describeCollection']);
    expect(recorded).toEqual({ skipped: true });
  });
});

describe('aliases and rename', () => {
  const describeAlias = (collection: string | undefined) => () =>
    collection
      ? { status: OK, alias: 'readers', collection }
      : { status: { error_code: 'UnexpectedError', reason: 'alias not found[database=default][alias=readers]', code: 1600 } };

  it('alterAlias names the connection database in describeAlias (2.3.5 reads `default` otherwise) and saves the old target before altering', async () => {
    const { calls, recorded, inverse } = await run(
      alterAlias,
      { alias: 'readers', collection_name: 'docs_v2' },
      { describeAlias: describeAlias('docs_v1') },
    );
    expect(calls).toEqual([
      ['describeAlias', { alias: 'readers', collection_name: 'readers', db_name: 'default' }],
      ['checkpoint', { previous_collection: 'docs_v1' }],
      ['alterAlias', { alias: 'readers', collection_name: 'docs_v2' }],
    ]);
    expect(recorded).toEqual({ previous_collection: 'docs_v1' });
    expect(inverse).toEqual({ steps: [{ step: 'alterAlias', params: { alias: 'readers', collection_name: 'docs_v1' } }] });
  });

  it('alterAlias resumed after the alter went through points back where its checkpoint says, not where the alias points now', async () => {
    const { calls, recorded } = await run(
      alterAlias,
      { alias: 'readers', collection_name: 'docs_v2', db_name: 'shop' },
      { describeAlias: describeAlias('docs_v2') },
      { resumed: true, previous: { previous_collection: 'docs_v1' } },
    );
    expect(calls).toEqual([['alterAlias', { alias: 'readers', collection_name: 'docs_v2', db_name: 'shop' }]]);
    expect(recorded).toEqual({ previous_collection: 'docs_v1' });
  });

  it('dropAlias sends the alias and its database, and records the collection for its inverse', async () => {
    const { calls, inverse } = await run(dropAlias, { alias: 'readers', db_name: 'shop' }, { describeAlias: describeAlias('docs_v1') });
    expect(calls).toEqual([
      ['describeAlias', { alias: 'readers', collection_name: 'readers', db_name: 'shop' }],
      ['checkpoint', { collection_name: 'docs_v1' }],
      ['dropAlias', { alias: 'readers', db_name: 'shop' }],
    ]);
    expect(inverse).toEqual({
      steps: [{ step: 'createAlias', params: { alias: 'readers', collection_name: 'docs_v1', db_name: 'shop' } }],
    });
  });

  it('dropAlias of a missing alias fails unless if_exists, and sends no drop', async () => {
    const missing = await run(dropAlias, { alias: 'readers' }, { describeAlias: describeAlias(undefined) }).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      message: 'dropAlias failed: alias readers does not exist',
      hint: 'use if_exists: true to skip a missing alias',
    });
    const skipped = await run(dropAlias, { alias: 'readers', if_exists: true }, { describeAlias: describeAlias(undefined) });
    expect(skipped.calls.map(([m]) => m)).toEqual(['describeAlias']);
    expect(skipped.inverse).toEqual({ steps: [] });
  });

  it('renameCollection in another database names it as the target database too (2.3.5 moves it to the connection database otherwise)', async () => {
    const inDb = await run(renameCollection, { collection_name: 'a', new_collection_name: 'b', db_name: 'shop' });
    expect(inDb.calls).toEqual([
      ['renameCollection', { collection_name: 'a', new_collection_name: 'b', db_name: 'shop', new_db_name: 'shop' }],
    ]);
    expect(inDb.inverse).toEqual({
      steps: [{ step: 'renameCollection', params: { collection_name: 'b', new_collection_name: 'a', db_name: 'shop' } }],
    });
    const plain = await run(renameCollection, { collection_name: 'a', new_collection_name: 'b' });
    expect(plain.calls).toEqual([['renameCollection', { collection_name: 'a', new_collection_name: 'b' }]]);
  });
});

describe('dropDatabase', () => {
  it('refuses the default database and the configured one (it holds the state) before anything runs', async () => {
    expect(dropDatabase.check!(dropDatabase.params.parse({ db_name: 'default' }))).toEqual([
      ['db_name', 'the default database cannot be dropped (Milvus keeps it)'],
    ]);
    const model = emptyModel('shop');
    model.databases.set('other', emptyDatabase());
    const migration = { name: 'm', dir: '.' };
    expect(dropDatabase.expect!({ model, migration }, { db_name: 'shop' })).toEqual([
      'database shop is the configured database, which holds the migration state: a migration cannot drop it',
    ]);
    expect(dropDatabase.expect!({ model, migration }, { db_name: 'other' })).toEqual([]);
  });
});

describe('flush', () => {
  it('checks Flush, then polls GetFlushState for the segments it sealed', async () => {
    let polls = 0;
    const { calls, inverse } = await run(
      flush,
      { collection_names: ['a', 'b'], db_name: 'shop' },
      {
        flush: () => ({ status: OK, coll_segIDs: { a: { data: ['11', '12'] }, b: { data: [] } } }),
        getFlushState: () => ({ status: OK, flushed: ++polls >= 2 }),
      },
    );
    expect(calls).toEqual([
      ['flush', { collection_names: ['a', 'b'], db_name: 'shop' }],
      ['getFlushState', { segmentIDs: ['11', '12'] }],
      ['getFlushState', { segmentIDs: ['11', '12'] }],
    ]);
    expect(inverse).toEqual({ steps: [] });
  });
});
