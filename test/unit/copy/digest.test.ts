import { describe, expect, it } from 'vitest';
import { KeyDigest, keyHash } from '../../../src/copy/digest.js';
import { rowDifference } from '../../../src/copy/verify.js';
import type { CollectionShape, FieldShape } from '../../../src/milvus/reads/shape.js';

describe('KeyDigest', () => {
  it('is the same for the same keys in any order, differs for a missing key, and takes keys away', () => {
    const a = new KeyDigest();
    const b = new KeyDigest();
    for (const k of ['1', '2', '3', '9007199254740993']) a.add('Int64', k);
    for (const k of [3, 2, '9007199254740993', 1]) b.add('Int64', k);
    expect(a.equals(b)).toBe(true);
    expect(a.record()).toEqual(b.record());
    expect(a.record().sum).toMatch(/^[0-9a-f]{16}$/);
    const c = new KeyDigest();
    for (const k of ['1', '2', '9007199254740993']) c.add('Int64', k);
    expect(a.equals(c)).toBe(false);
    const three = new KeyDigest();
    three.add('Int64', 3);
    expect(a.minus(three).equals(c)).toBe(true);
    expect(KeyDigest.from(a.record()).equals(a)).toBe(true);
  });

  it('tells Int64 42 from VarChar "42"', () => {
    expect(keyHash('Int64', 42)).not.toBe(keyHash('VarChar', '42'));
    expect(keyHash('Int64', '42')).toBe(keyHash('Int64', 42));
  });
});

describe('rowDifference', () => {
  const field = (name: string, dataType: string): FieldShape => ({
    name,
    dataType,
    isPrimaryKey: name === 'id',
    autoID: false,
    isPartitionKey: false,
    dim: undefined,
    optional: false,
  });
  const fields = [field('id', 'Int64'), field('v', 'FloatVector'), field('score', 'Float'), field('meta', 'JSON')];
  const shape: CollectionShape = {
    label: 'c',
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    dynamic: true,
    pk: { name: 'id', kind: 'Int64', autoID: false },
    partitionKey: false,
  };

  it('compares vectors exactly as float32, Int64 as numbers or strings, JSON by content, dynamic keys in $meta', () => {
    expect(
      rowDifference(
        { id: 7, v: [0.1, 0.2], score: 0.3, meta: { a: 1, b: 2 }, tag: 'x' },
        { id: '7', v: [Math.fround(0.1), Math.fround(0.2)], score: Math.fround(0.3), meta: { b: 2, a: 1 }, $meta: { tag: 'x' } },
        shape,
      ),
    ).toBeUndefined();
    expect(rowDifference({ id: 7, v: [0.1, 0.2] }, { id: '7', v: [Math.fround(0.1), Math.fround(0.2000001)] }, shape)).toMatch(
      /^v differs: expected \[0\.1,0\.2\], found/,
    );
    expect(rowDifference({ id: 7, tag: 'x' }, { id: '7', $meta: { tag: 'y' } }, shape)).toBe('tag differs: expected "x", found "y"');
  });
});
