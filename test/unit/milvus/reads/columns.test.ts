import { describe, expect, it } from 'vitest';
import { rowHasher } from '../../../../src/copy/digest.js';
import type { RawFieldData } from '../../../../src/milvus/client.js';
import { columnPage, columnPages, readsAsColumns } from '../../../../src/milvus/reads/columns.js';
import { field, shapeOf } from '../../../support/shape.js';

// An answer as the gRPC layer decodes it (Milvus 2.3.5): Int64 as strings, floats as float32 values.
const answer: RawFieldData[] = [
  { type: 'Int64', field_name: 'id', scalars: { long_data: { data: ['2', '9007199254740993'] }, data: 'long_data' } },
  { type: 'VarChar', field_name: 'title', scalars: { string_data: { data: ['a "b"', 'é'] }, data: 'string_data' } },
  { type: 'Float', field_name: 'score', scalars: { float_data: { data: [Math.fround(0.1), 2] }, data: 'float_data' } },
  { type: 'Bool', field_name: 'ok', scalars: { bool_data: { data: [true, false] }, data: 'bool_data' } },
  { type: 'Int32', field_name: 'n', scalars: { int_data: { data: [-1, 7] }, data: 'int_data' } },
  { type: 'FloatVector', field_name: 'v', vectors: { dim: '2', float_vector: { data: [Math.fround(0.3), 1, 0, -2] } } },
];
// The same rows as the SDK's query answers them.
const rows = [
  { id: '2', title: 'a "b"', score: Math.fround(0.1), ok: true, n: -1, v: [Math.fround(0.3), 1] },
  { id: '9007199254740993', title: 'é', score: 2, ok: false, n: 7, v: [0, -2] },
];
const shape = {
  ...shapeOf([
    field('title', 'VarChar'),
    field('score', 'Float'),
    field('ok', 'Bool'),
    field('n', 'Int32'),
    field('v', 'FloatVector', { dim: 2 }),
  ]),
  dynamic: false,
};

describe('columnPage', () => {
  it('gives each row the hash the SDK row gets, and the keys in row order', () => {
    const page = columnPage(answer, 'id');
    expect(page.count).toBe(2);
    expect(page.keys).toEqual(['2', '9007199254740993']);
    const hasher = rowHasher(shape);
    const byColumns = hasher.columns(page);
    expect([0, 1].map((i) => byColumns(i).toString('hex'))).toEqual(rows.map((r) => hasher.read(r).toString('hex')));
    // A different value gives a different hash (the columns are really read).
    expect(byColumns(0).equals(hasher.read({ ...rows[0], n: 0 }))).toBe(false);
  });

  it('is empty for an answer without columns, and refuses columns of the wrong length', () => {
    expect(columnPage([], 'id').count).toBe(0);
    const short = answer.map((f) => (f.field_name === 'v' ? { ...f, vectors: { dim: '2', float_vector: { data: [1, 2, 3] } } } : f));
    expect(() => columnPage(short, 'id')).toThrow('query answered 3 floats for 2 rows of v (dim 2)');
    const odd = answer.map((f) => (f.field_name === 'n' ? { ...f, scalars: { int_data: { data: [1] } } } : f));
    expect(() => columnPage(odd, 'id')).toThrow('query answered 1 values for 2 rows of n (Int32)');
  });
});

describe('readsAsColumns', () => {
  it('takes plain-list types only, never a field that may be null or a dynamic field', () => {
    expect(readsAsColumns(shape)).toBe(true);
    expect(readsAsColumns({ ...shape, dynamic: true })).toBe(false);
    expect(readsAsColumns({ ...shapeOf([field('j', 'JSON')]), dynamic: false })).toBe(false);
    expect(readsAsColumns({ ...shapeOf([field('b', 'BinaryVector', { dim: 8 })]), dynamic: false })).toBe(false);
    expect(readsAsColumns({ ...shapeOf([field('t', 'VarChar', { optional: true })]), dynamic: false })).toBe(false);
  });
});

describe('columnPages', () => {
  it('pages by key: each query after the largest key of the page before, until a short page', async () => {
    const asked: { filter: string; limit: number }[] = [];
    const all = ['1', '5', '12', '40', '41'];
    const milvus = {
      async queryColumns(q: { filter: string; limit: number }) {
        asked.push({ filter: q.filter, limit: q.limit });
        const after = /id > (\d+)/.exec(q.filter)?.[1];
        const keys = all.filter((k) => after === undefined || BigInt(k) > BigInt(after)).slice(0, q.limit);
        return { fields_data: [{ type: 'Int64', field_name: 'id', scalars: { long_data: { data: keys } } }] };
      },
    };
    const seen: string[] = [];
    for await (const page of columnPages(milvus as never, { collection_name: 'c' }, { name: 'id', kind: 'Int64' }, 2, ['id'])) {
      seen.push(...page.keys.map(String));
    }
    expect(seen).toEqual(all);
    expect(asked).toEqual([
      { filter: '', limit: 2 },
      { filter: 'id > 5', limit: 2 },
      { filter: 'id > 40', limit: 2 },
    ]);
  });
});
