/**
 * Steps that need a newer Milvus than the 2.3.5 test server: alterCollectionFieldProperties
 * (2.5+), dropCollectionField (3.0+) and createCollection with BM25 functions (2.5+). The exact
 * requests they send are pinned here with a recording fake (their types against the SDK's in
 * gated-requests.test-d.ts), their checks against the schema model, and their refusal by the
 * preflight on 2.3.5 before any call.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { foldPlan, preflight } from '../../../src/runner/preflight.js';
import { emptyModel, putCollection, type SchemaModel } from '../../../src/schema/plan-model.js';
import { alterCollectionFieldProperties } from '../../../src/steps/collections/alterCollectionFieldProperties.js';
import { alterCollectionProperties } from '../../../src/steps/collections/alterCollectionProperties.js';
import { dropCollectionField } from '../../../src/steps/collections/dropCollectionField.js';
import { createCollection, createRequest } from '../../../src/steps/collections/createCollection.js';
import { fakeMilvus, OK, planOf, runStep } from '../../support/fake-milvus.js';
import type { CollectionSchema } from '../../../src/schema/model.js';
import type { YamlStep } from '../../support/fixtures.js';

/** describeCollection's answer for a collection whose `title` VarChar has max_length `len` (as Milvus keeps it: a string in type_params). */
const describeTitle =
  (len: string, extra: { key: string; value: string }[] = []) =>
  () => ({
    status: OK,
    properties: [],
    schema: {
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true, type_params: [] },
        { name: 'title', data_type: 'VarChar', type_params: [{ key: 'max_length', value: len }, ...extra] },
      ],
    },
  });

const docs = (): CollectionSchema => ({
  consistency_level: 'Bounded',
  fields: [
    { name: 'id', data_type: 'Int64', is_primary_key: true },
    { name: 'title', data_type: 'VarChar', max_length: 64 },
    { name: 'tag', data_type: 'VarChar', max_length: 16, is_partition_key: true },
    { name: 'v', data_type: 'FloatVector', dim: 4 },
  ],
  partitions: ['_default'],
  indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }, title_ix: { field_name: 'title', index_type: 'INVERTED' } },
  load_state: 'released',
});

function modelWithDocs(): SchemaModel {
  const model = emptyModel();
  putCollection(model, undefined, 'docs', docs());
  return model;
}

/** The problems the preflight's fold finds in `up` over a model holding `docs`, and the model after. */
async function fold(up: readonly YamlStep[], reads?: NonNullable<Parameters<typeof foldPlan>[2]>['reads']) {
  const model = modelWithDocs();
  const problems = await foldPlan(model, [planOf('20261202_m', up)], { reads });
  return { problems: problems.map((p) => `${p.path}: ${p.message}`), docs: model.databases.get('default')!.collections.docs! };
}

describe('alterCollectionFieldProperties (Milvus 2.5+)', () => {
  it('records the field properties before, then sends AlterCollectionField; the inverse sets them back', async () => {
    const { calls, recorded, inverse } = await runStep(
      alterCollectionFieldProperties,
      { collection_name: 'docs', db_name: 'shop', field_name: 'title', properties: { max_length: 512, 'mmap.enabled': true } },
      { describeCollection: describeTitle('64') },
    );
    const before = { before: { max_length: 64 } };
    expect(calls).toEqual([
      ['describeCollection', { collection_name: 'docs', db_name: 'shop' }],
      ['checkpoint', before],
      [
        'alterCollectionFieldProperties',
        { collection_name: 'docs', db_name: 'shop', field_name: 'title', properties: { max_length: 512, 'mmap.enabled': true } },
      ],
    ]);
    expect(recorded).toEqual(before);
    // mmap had no value: off is Milvus' default, so the down turns it off.
    expect(inverse).toEqual({
      steps: [
        {
          step: 'alterCollectionFieldProperties',
          params: { collection_name: 'docs', db_name: 'shop', field_name: 'title', properties: { max_length: 64, 'mmap.enabled': false } },
        },
      ],
    });
  });

  it('resumed, takes the values before from its checkpoint and sends the change again', async () => {
    const { calls, inverse } = await runStep(
      alterCollectionFieldProperties,
      { collection_name: 'docs', field_name: 'title', properties: { max_length: 512 } },
      { describeCollection: describeTitle('512') },
      { resumed: true, previous: { before: { max_length: 64 } } },
    );
    expect(calls).toEqual([
      ['alterCollectionFieldProperties', { collection_name: 'docs', field_name: 'title', properties: { max_length: 512 } }],
    ]);
    expect(inverse).toMatchObject({ steps: [{ params: { properties: { max_length: 64 } } }] });
  });

  it('needs 2.5.2 for max_length (release notes v2.5.2), 2.5.0 for the other properties', () => {
    const minVersion = alterCollectionFieldProperties.minVersion as (p: object) => string;
    expect(minVersion({ properties: { max_length: 10 } })).toBe('2.5.2');
    expect(minVersion({ properties: { 'mmap.enabled': true } })).toBe('2.5.0');
  });

  it('takes only the properties Milvus alters', () => {
    const parse = (properties: unknown) =>
      alterCollectionFieldProperties.params
        .safeParse({ collection_name: 'c', field_name: 'f', properties })
        .error?.issues.map((i) => i.message);
    expect(parse({ dim: 8 })).toEqual(['Milvus alters only max_length, max_capacity and mmap.enabled of a field']);
    expect(alterCollectionFieldProperties.check!({ collection_name: 'c', field_name: 'f', properties: {} })).toEqual([
      ['properties', 'needs at least one of max_length, max_capacity, mmap.enabled'],
    ]);
    expect(parse({ max_length: 70000 })).toEqual(['Too big: expected number to be <=65535']);
  });

  it('is checked against the schema model and moves it forward', async () => {
    const step = (field_name: string, properties: object) => ({
      alterCollectionFieldProperties: { collection_name: 'docs', field_name, properties },
    });
    const { problems, docs: after } = await fold([
      step('title', { max_length: 512 }),
      step('nope', { max_length: 8 }),
      step('id', { 'mmap.enabled': true }),
      step('v', { max_length: 8, max_capacity: 4 }),
    ]);
    expect(problems).toEqual([
      'up[1].alterCollectionFieldProperties: collection docs has no field nope (fields: id, title, tag, v)',
      'up[2].alterCollectionFieldProperties: field id of docs is the primary key: Milvus alters no property of it',
      'up[3].alterCollectionFieldProperties: field v of docs is FloatVector: max_length applies to VarChar fields only',
      'up[3].alterCollectionFieldProperties: field v of docs is FloatVector: max_capacity applies to Array fields only',
    ]);
    expect(after.fields.find((f) => f.name === 'title')).toEqual({ name: 'title', data_type: 'VarChar', max_length: 512 });
  });
});

describe('dropCollectionField (Milvus 3.0+)', () => {
  it('sends the Node SDK 3.x dropCollectionField request; destructive, with no inverse', async () => {
    const { calls, recorded, inverse } = await runStep(dropCollectionField, {
      collection_name: 'docs',
      db_name: 'shop',
      field_name: 'title',
    });
    expect(calls).toEqual([['dropCollectionField', { collection_name: 'docs', db_name: 'shop', field_name: 'title' }]]);
    expect(recorded).toBeUndefined();
    expect(inverse).toEqual({
      irreversible:
        'dropCollectionField: the values of title in shop.docs are gone once it is dropped (add it again with addCollectionField and refill it)',
    });
    expect(dropCollectionField.destructive).toBe(true);
    expect(dropCollectionField.minVersion).toBe('3.0.0');
  });

  it('resumed after the field is gone, sends nothing', async () => {
    const { calls } = await runStep(
      dropCollectionField,
      { collection_name: 'docs', field_name: 'title' },
      { describeCollection: () => ({ status: OK, schema: { fields: [{ name: 'id' }, { name: 'v' }] } }) },
      { resumed: true },
    );
    expect(calls).toEqual([['describeCollection', { collection_name: 'docs' }]]);
  });

  it('refuses what Milvus 3.0 cannot drop, removes the field and its indexes from the model', async () => {
    const drop = (field_name: string) => ({ dropCollectionField: { collection_name: 'docs', field_name } });
    // Each call is checked against the model its predecessors left (effects apply after problems too).
    const { problems } = await fold([drop('title'), drop('title'), drop('id'), drop('tag'), drop('v')]);
    expect(problems).toEqual([
      'up[1].dropCollectionField: collection docs has no field title (fields: id, tag, v)',
      'up[2].dropCollectionField: field id of docs is the primary key: Milvus cannot drop it',
      'up[3].dropCollectionField: field tag of docs is the partition key: Milvus cannot drop it',
      "up[4].dropCollectionField: field v of docs is the collection's only vector field: Milvus cannot drop it",
    ]);
    const { docs: after } = await fold([drop('title')]);
    expect(after.fields.map((f) => f.name)).toEqual(['id', 'tag', 'v']);
    expect(Object.keys(after.indexes)).toEqual(['v']);
  });

  it('on a client without the method (SDK 2.6.17, as installed here), is refused before anything runs, naming the SDK it needs', async () => {
    const { milvus } = fakeMilvus({}, 'v3.0.1', {});
    const { problems } = await fold([{ dropCollectionField: { collection_name: 'docs', field_name: 'title' } }], milvus);
    expect(problems).toEqual([
      'up[0].dropCollectionField: dropCollectionField needs @zilliz/milvus2-sdk-node 3.x: the installed SDK has no dropCollectionField method (upgrade the SDK next to milvus-migrate)',
    ]);
    const withMethod = fakeMilvus({}, 'v3.0.1', { dropCollectionField: () => OK }).milvus;
    expect((await fold([{ dropCollectionField: { collection_name: 'docs', field_name: 'title' } }], withMethod)).problems).toEqual([]);
  });
});

describe('createCollection with a BM25 function (Milvus 2.5+)', () => {
  const bm25 = {
    collection_name: 'articles',
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'text', data_type: 'VarChar', max_length: 1000, enable_analyzer: true, analyzer_params: { type: 'english' } },
      { name: 'sparse', data_type: 'SparseFloatVector' },
    ],
    functions: [{ name: 'text_bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['sparse'] }],
  };

  it("sends the SDK's functions with FunctionType.BM25 (1) and the analyzer on the input field", () => {
    expect(createRequest(createCollection.params.parse(bm25))).toEqual({
      collection_name: 'articles',
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'text', data_type: 'VarChar', max_length: 1000, enable_analyzer: true, analyzer_params: { type: 'english' } },
        { name: 'sparse', data_type: 'SparseFloatVector' },
      ],
      functions: [{ name: 'text_bm25', type: 1, input_field_names: ['text'], output_field_names: ['sparse'], params: {} }],
    });
  });

  it('needs Milvus 2.5.0 with functions or analyzers; the field types alone otherwise', () => {
    const minVersion = createCollection.minVersion as (p: object) => string;
    expect(minVersion(createCollection.params.parse(bm25))).toBe('2.5.0');
    const { functions: _f, ...plain } = bm25;
    expect(
      minVersion(
        createCollection.params.parse({
          ...plain,
          fields: plain.fields.slice(0, 1).concat([{ name: 'v', data_type: 'FloatVector', dim: 2 } as never]),
        }),
      ),
    ).toBe('2.0.0');
  });

  it("checks the function's fields before anything runs", () => {
    const p = createCollection.params.parse({
      ...bm25,
      fields: [
        bm25.fields[0],
        { name: 'text', data_type: 'VarChar', max_length: 10 },
        { name: 'sparse', data_type: 'FloatVector', dim: 2 },
      ],
    });
    expect(createCollection.check!(p)).toEqual([
      ['functions.0.input_field_names', 'BM25 input text must be a VarChar field with enable_analyzer: true'],
      ['functions.0.output_field_names', 'BM25 output sparse must be a SparseFloatVector field'],
    ]);
  });
});

describe('on Milvus 2.3.5', () => {
  it('the preflight refuses every gated step before any call, naming the version each needs', async () => {
    const { milvus, calls } = fakeMilvus({}, 'v2.3.5-lite');
    const plan = planOf('20261202_gated', [
      { alterCollectionFieldProperties: { collection_name: 'docs', field_name: 'title', properties: { max_length: 512 } } },
      { alterCollectionFieldProperties: { collection_name: 'docs', field_name: 'title', properties: { 'mmap.enabled': true } } },
      { dropCollectionField: { collection_name: 'docs', field_name: 'title' } },
      { alterCollectionProperties: { collection_name: 'docs', properties: { 'dynamicfield.enabled': true } } },
      {
        createCollection: {
          collection_name: 'articles',
          fields: [
            { name: 'id', data_type: 'Int64', is_primary_key: true },
            { name: 'text', data_type: 'VarChar', max_length: 100, enable_analyzer: true },
            { name: 'sparse', data_type: 'SparseFloatVector' },
          ],
          functions: [{ name: 'bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['sparse'] }],
        },
      },
    ]);
    const err = await preflight(milvus, [plan]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).message).toMatchInlineSnapshot(`
      "The plan cannot run on this Milvus; nothing was changed
        /m/20261202_gated.yaml: up[0].alterCollectionFieldProperties: alterCollectionFieldProperties needs Milvus 2.5.2 or newer; the server at 127.0.0.1:19530 is v2.3.5-lite
        /m/20261202_gated.yaml: up[1].alterCollectionFieldProperties: alterCollectionFieldProperties needs Milvus 2.5.0 or newer; the server at 127.0.0.1:19530 is v2.3.5-lite
        /m/20261202_gated.yaml: up[2].dropCollectionField: dropCollectionField needs Milvus 3.0.0 or newer; the server at 127.0.0.1:19530 is v2.3.5-lite
        /m/20261202_gated.yaml: up[3].alterCollectionProperties: alterCollectionProperties needs Milvus 2.6.2 or newer; the server at 127.0.0.1:19530 is v2.3.5-lite
        /m/20261202_gated.yaml: up[4].createCollection: createCollection needs Milvus 2.5.0 or newer; the server at 127.0.0.1:19530 is v2.3.5-lite"
    `);
    expect(calls).toEqual([]);
  });

  it('alterCollectionProperties without dynamicfield.enabled needs no newer server; with it, the model gets the dynamic field', async () => {
    const minVersion = alterCollectionProperties.minVersion as (p: object) => string;
    expect(minVersion({ properties: { 'collection.ttl.seconds': 60 } })).toBe('2.0.0');
    const { problems, docs: after } = await fold([
      {
        alterCollectionProperties: { collection_name: 'docs', properties: { 'dynamicfield.enabled': true, 'collection.ttl.seconds': 60 } },
      },
    ]);
    expect(problems).toEqual([]);
    expect(after.enable_dynamic_field).toBe(true);
    expect(after.properties).toEqual({ 'collection.ttl.seconds': '60' });
  });
});
