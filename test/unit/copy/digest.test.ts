import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyDigest, keyHash, RowDigest, rowHasher } from '../../../src/copy/digest.js';
import { rowDifference } from '../../../src/copy/verify.js';
import { copiedByPartition } from '../../../src/steps/collections/rebuild/digests.js';
import { field, shapeOf } from '../../support/shape.js';

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
  const shape = shapeOf([field('id', 'Int64'), field('v', 'FloatVector'), field('score', 'Float'), field('meta', 'JSON')]);

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

describe('RowDigest', () => {
  const shape = shapeOf([field('v', 'FloatVector'), field('score', 'Float'), field('meta', 'JSON'), field('note', 'VarChar')]);
  const hasher = rowHasher(shape);
  const written = (rows: Record<string, unknown>[]) => {
    const d = new RowDigest();
    for (const r of rows) d.add(hasher.written(r));
    return d;
  };
  const readBack = (rows: Record<string, unknown>[]) => {
    const d = new RowDigest();
    for (const r of rows) d.add(hasher.read(r));
    return d;
  };
  // As the copy writes them (dynamic keys at the top, numbers as computed) and as Milvus answers (Int64 as strings, float32, $meta, nulls).
  const rows = [
    { id: 1, v: [0.1, 0.2], score: 0.3, meta: { a: 1, b: 2 }, tag: 'x' },
    { id: 2, v: [1, 2], score: 1, meta: null, note: 'n' },
  ];
  const answered = [
    { id: '2', v: [1, 2], score: 1, meta: null, note: 'n', $meta: {} },
    { id: '1', v: [Math.fround(0.1), Math.fround(0.2)], score: Math.fround(0.3), meta: { b: 2, a: 1 }, note: null, $meta: { tag: 'x' } },
  ];

  it("hashes a row as sha256 over its fields' bytes in name order, as documented (a later run compares digests an earlier one stored)", () => {
    const f32 = Buffer.from(new Float32Array([0.5, 1]).buffer);
    // Long text makes the hasher's buffer grow past its first 4 KB.
    const long = 'é'.repeat(3000);
    const expected = createHash('sha256')
      // Int64 as digits, Float as float32, a vector as float32 bytes, anything else as canonical JSON.
      .update('2:ids1:7')
      .update(`4:notes${long.length + 2}:"${long}"`)
      .update(`5:scores${String(Math.fround(0.3)).length}:${String(Math.fround(0.3))}`)
      .update('1:vb8:')
      .update(f32)
      .update('9:$meta.tags3:"x"')
      .digest('hex');
    expect(hasher.written({ id: 7, v: [0.5, 1], score: 0.3, meta: null, note: long, tag: 'x' }).toString('hex')).toBe(expected);
    expect(hasher.read({ id: '7', v: [0.5, 1], score: Math.fround(0.3), note: long, $meta: { tag: 'x' } }).toString('hex')).toBe(expected);
  });

  it('is equal for the rows written and the same rows read back in another order', () => {
    expect(readBack(answered).equals(written(rows))).toBe(true);
    expect(RowDigest.from(written(rows).record()).equals(written(rows))).toBe(true);
    expect(written(rows).record().rows).toMatch(/^[0-9a-f]{32}$/);
    expect(written(rows).count).toBe(2);
  });

  it('differs when one float of a vector, a dynamic key, a field or a key changes', () => {
    const changed = (f: (r: Record<string, unknown>[]) => void) => {
      const copy = structuredClone(answered);
      f(copy);
      return readBack(copy).equals(written(rows));
    };
    expect(changed((r) => (r[1]!.v = [Math.fround(0.1), Math.fround(0.2000001)]))).toBe(false);
    expect(changed((r) => (r[1]!.$meta = { tag: 'y' }))).toBe(false);
    expect(changed((r) => (r[0]!.note = null))).toBe(false);
    expect(changed((r) => ([r[0]!.note, r[1]!.note] = [null, 'n']))).toBe(false);
    expect(changed((r) => (r[0]!.id = '3'))).toBe(false);
  });

  it('adds up per partition over its key ranges, and gives none for a partition written without digests', () => {
    const a = written(rows.slice(0, 1));
    const b = written(rows.slice(1));
    const per = copiedByPartition(
      [{ copied: 1, digest: a.record(), left_out: 1 }, { copied: 1, digest: b.record() }, { copied: 3 }, { copied: 0 }],
      2,
    );
    expect(per[0]).toEqual({ digest: a.plus(b).record(), left_out: 1 });
    expect(per[1]).toBeUndefined();
    expect(copiedByPartition(undefined, 1)).toEqual([]);
  });
});
