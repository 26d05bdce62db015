import { describe, expect, it } from 'vitest';
import { fieldMapping } from '../../../src/steps/data/copyRows.js';
import { commandEnv } from '../../../src/steps/data/exec.js';
import { rowProblem, type CollectionShape, type FieldShape } from '../../../src/milvus/reads/shape.js';

function shape(label: string, fields: Partial<FieldShape>[], dynamic = false): CollectionShape {
  const full: FieldShape[] = fields.map((f) => ({
    name: f.name!,
    dataType: f.dataType ?? 'Int64',
    isPrimaryKey: f.isPrimaryKey ?? false,
    autoID: f.autoID ?? false,
    isPartitionKey: f.isPartitionKey ?? false,
    dim: f.dim,
    optional: f.optional ?? false,
    maxLength: f.maxLength,
  }));
  const pk = full.find((f) => f.isPrimaryKey)!;
  return {
    label,
    fields: full,
    byName: new Map(full.map((f) => [f.name, f])),
    dynamic,
    pk: { name: pk.name, kind: pk.dataType === 'VarChar' ? 'VarChar' : 'Int64', autoID: pk.autoID },
    partitionKey: full.some((f) => f.isPartitionKey),
  };
}

const docs = shape('docs', [
  { name: 'id', isPrimaryKey: true },
  { name: 'title', dataType: 'VarChar' },
  { name: 'v', dataType: 'FloatVector', dim: 3 },
]);

describe('rows checked against the schema before anything is written', () => {
  it('accepts a complete row', () => {
    expect(rowProblem({ id: 1, title: 't', v: [1, 2, 3] }, docs, 'insert')).toBeUndefined();
  });

  it('names unknown and missing fields and wrong vector sizes', () => {
    expect(rowProblem({ id: 1, title: 't', v: [1, 2, 3], extra: 1 }, docs, 'insert')).toBe(
      'unknown field "extra": docs has id, title, v (and no dynamic field)',
    );
    expect(rowProblem({ id: 1, v: [1, 2, 3] }, docs, 'insert')).toBe('missing field "title" (VarChar)');
    expect(rowProblem({ id: 1, title: 't', v: [1, 2] }, docs, 'insert')).toBe('field "v" (FloatVector, dim 3) needs 3 numbers, got 2');
    expect(rowProblem({ id: 1, title: 't', v: 'x' }, docs, 'insert')).toBe('field "v" (FloatVector, dim 3) needs a list of 3 numbers');
  });

  it('names scalar values of the wrong type, and a VarChar longer than its max_length', () => {
    const typed = shape('t', [
      { name: 'id', isPrimaryKey: true },
      { name: 'title', dataType: 'VarChar', maxLength: 3 },
      { name: 'n', dataType: 'Int8' },
      { name: 'ok', dataType: 'Bool' },
      { name: 'x', dataType: 'Double', optional: true },
    ]);
    const row = { id: '9007199254740993', title: 'abc', n: -128, ok: true, x: null };
    expect(rowProblem(row, typed, 'insert')).toBeUndefined();
    expect(rowProblem({ ...row, id: 'one' }, typed, 'insert')).toBe('field "id" (Int64) needs a whole number, got string "one"');
    // 9007199254740993 written in YAML or JSON is read as 9007199254740992: refused, not rounded.
    expect(rowProblem({ ...row, id: JSON.parse('9007199254740993') }, typed, 'insert')).toBe(
      'field "id" (Int64) got 9007199254740992, beyond 2^53 - 1 (9007199254740991), where numbers (YAML, JSON, JavaScript) are not exact: write it as a string of digits, e.g. "9007199254740992"',
    );
    expect(rowProblem({ ...row, id: 9007199254740991 }, typed, 'insert')).toBeUndefined();
    expect(rowProblem({ ...row, title: 5 }, typed, 'insert')).toBe('field "title" (VarChar) needs a string, got number 5');
    expect(rowProblem({ ...row, title: 'abcd' }, typed, 'insert')).toBe(
      'field "title" (VarChar, max_length 3) holds at most 3 characters, got 4',
    );
    expect(rowProblem({ ...row, n: 128 }, typed, 'insert')).toBe('field "n" (Int8) needs a whole number from -128 to 127, got number 128');
    expect(rowProblem({ ...row, ok: 'yes' }, typed, 'insert')).toBe('field "ok" (Bool) needs true or false, got string "yes"');
    expect(rowProblem({ ...row, x: '1.5' }, typed, 'insert')).toBe('field "x" (Double) needs a number, got string "1.5"');
  });

  it('lets dynamic collections take any extra key; autoID keys are left out on insert', () => {
    const dyn = shape(
      'd',
      [
        { name: 'id', isPrimaryKey: true, autoID: true },
        { name: 'v', dataType: 'BinaryVector', dim: 16 },
      ],
      true,
    );
    expect(rowProblem({ v: [1, 2], anything: { a: 1 } }, dyn, 'insert')).toBeUndefined();
    expect(rowProblem({ id: 5, v: [1, 2] }, dyn, 'insert')).toBe(
      'field "id" is the primary key and Milvus generates it (autoID): leave it out',
    );
    expect(rowProblem({ v: [1, 2] }, dyn, 'upsert')).toBe('missing field "id" (Int64)');
    expect(rowProblem({ v: [1, 2, 3] }, dyn, 'insert')).toBe('field "v" (BinaryVector, dim 16) needs 2 bytes, got 3');
  });
});

describe('copyRows field mapping', () => {
  it('copies shared fields, leaves out what the target lacks, moves dynamic keys', () => {
    const from = shape(
      'v1',
      [
        { name: 'id', isPrimaryKey: true },
        { name: 'title', dataType: 'VarChar' },
        { name: 'legacy' },
        { name: 'v', dataType: 'FloatVector', dim: 3 },
      ],
      true,
    );
    const to = shape(
      'v2',
      [
        { name: 'id', isPrimaryKey: true },
        { name: 'title', dataType: 'VarChar' },
        { name: 'lang', dataType: 'VarChar' },
        { name: 'v', dataType: 'FloatVector', dim: 3 },
      ],
      true,
    );
    const m = fieldMapping(from, to, {});
    expect(m.leftOut).toEqual(['legacy']);
    expect(m.convert({ id: '1', title: 't', legacy: 4, v: [1, 2, 3], $meta: { lang: 'en', tag: 'x' } })).toEqual({
      id: '1',
      title: 't',
      v: [1, 2, 3],
      lang: 'en',
      tag: 'x',
    });
    expect(() => m.convert({ id: '2', title: 't', legacy: 4, v: [1, 2, 3], $meta: {} })).toThrow(
      'the row with id 2 of v1 has no lang, which v2 needs',
    );
  });

  it('drops dynamic keys a static target cannot hold, and the key of an autoID target', () => {
    const from = shape(
      'a',
      [
        { name: 'id', isPrimaryKey: true },
        { name: 'v', dataType: 'FloatVector', dim: 2 },
      ],
      true,
    );
    const to = shape('b', [
      { name: 'pk', isPrimaryKey: true, autoID: true },
      { name: 'id' },
      { name: 'v', dataType: 'FloatVector', dim: 2 },
    ]);
    const m = fieldMapping(from, to, {});
    expect(m.convert({ id: '7', v: [1, 2], $meta: { tag: 'x' } })).toEqual({ id: '7', v: [1, 2] });
    expect([...m.droppedDynamic]).toEqual(['tag']);
  });

  it('refuses before copying what Milvus would refuse', () => {
    const from = shape('a', [
      { name: 'id', isPrimaryKey: true },
      { name: 'v', dataType: 'FloatVector', dim: 2 },
    ]);
    const wider = shape('b', [
      { name: 'id', isPrimaryKey: true },
      { name: 'v', dataType: 'FloatVector', dim: 4 },
    ]);
    expect(() => fieldMapping(from, wider, {})).toThrow(
      'field v is FloatVector(2) in a but FloatVector(4) in b: vectors cannot be converted',
    );
    const needs = shape('c', [
      { name: 'id', isPrimaryKey: true },
      { name: 'lang', dataType: 'VarChar' },
      { name: 'v', dataType: 'FloatVector', dim: 2 },
    ]);
    expect(() => fieldMapping(from, needs, {})).toThrow('c needs lang (VarChar), which a does not have');
    const optional = shape('d', [
      { name: 'id', isPrimaryKey: true },
      { name: 'lang', dataType: 'VarChar', optional: true },
      { name: 'v', dataType: 'FloatVector', dim: 2 },
    ]);
    expect(fieldMapping(from, optional, {}).convert({ id: '1', v: [0, 1] })).toEqual({ id: '1', v: [0, 1] });
    const keyed = shape('e', [
      { name: 'id', isPrimaryKey: true },
      { name: 't', isPartitionKey: true },
      { name: 'v', dataType: 'FloatVector', dim: 2 },
    ]);
    expect(() => fieldMapping(from, keyed, { target_partition_name: 'p' })).toThrow(
      "target e uses a partition key: Milvus picks each row's partition itself",
    );
  });
});

describe('exec environment', () => {
  const inherited = {
    PATH: '/bin',
    MILVUS_TOKEN: 'inherited:secret',
    MILVUS_PASSWORD: 'pw',
    MILVUS_USERNAME: 'u',
    MILVUS_ADDRESS: 'elsewhere:1',
  };
  const connection = { address: 'milvus:19530', database: 'db1', token: 'root:Milvus' };

  it('gives the connection, never credentials unless asked', () => {
    expect(commandEnv(inherited, connection, { passToken: false, migration: 'm1', resumed: false })).toEqual({
      PATH: '/bin',
      MILVUS_ADDRESS: 'milvus:19530',
      MILVUS_DATABASE: 'db1',
      MILVUS_MIGRATE_MIGRATION: 'm1',
      MILVUS_MIGRATE_RESUMED: '0',
    });
  });

  it('passes the token of the connection with pass_token', () => {
    const env = commandEnv(inherited, connection, { passToken: true, migration: 'm1', resumed: true });
    expect(env.MILVUS_TOKEN).toBe('root:Milvus');
    expect(env.MILVUS_PASSWORD).toBeUndefined();
    expect(env.MILVUS_MIGRATE_RESUMED).toBe('1');
    expect(
      commandEnv(inherited, { ...connection, token: undefined }, { passToken: true, migration: 'm1', resumed: false }).MILVUS_TOKEN,
    ).toBeUndefined();
  });
});
