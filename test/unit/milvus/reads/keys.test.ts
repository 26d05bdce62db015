import { describe, expect, it } from 'vitest';
import { andFilter, comparePk, KeyRecorder, keyFilter, maxPk, pkLiteral } from '../../../../src/milvus/reads/keys.js';

describe('primary key literals and order', () => {
  it('writes Int64 keys bare and VarChar keys quoted', () => {
    expect(pkLiteral('Int64', '9007199254740993')).toBe('9007199254740993');
    expect(pkLiteral('Int64', -4)).toBe('-4');
    expect(pkLiteral('VarChar', 'a "b"\\')).toBe('"a \\"b\\"\\\\"');
    expect(() => pkLiteral('Int64', '1 || true')).toThrow('primary key "1 || true" is not an Int64');
  });

  it('orders Int64 keys exactly beyond 2^53 and VarChar keys by UTF-8 bytes, as Milvus does', () => {
    expect(comparePk('Int64', '9007199254740993', '9007199254740992')).toBe(1);
    expect(comparePk('Int64', '-10', '2')).toBe(-1);
    expect(maxPk('Int64', ['3', '12', '9'])).toBe('12');
    // U+FF5E sorts before U+1F600 in UTF-8, after it in UTF-16.
    expect(comparePk('VarChar', '～', '😀')).toBe(-1);
    expect(maxPk('VarChar', ['b', 'é', 'z"q'])).toBe('é');
  });

  it('joins filters, parenthesised', () => {
    expect(andFilter(undefined, 'id > 5')).toBe('id > 5');
    expect(andFilter('a == 1 || b == 2', 'id > 5')).toBe('(a == 1 || b == 2) && (id > 5)');
    expect(andFilter(undefined, '')).toBe('');
  });
});

describe('KeyRecorder', () => {
  it('keeps consecutive Int64 keys as ranges and others as single keys', () => {
    const r = new KeyRecorder('id', 'Int64');
    r.add(['1', '2', '3', '4']);
    r.add(['5', '10', '11', '20', '21', '22']);
    expect(r.record()).toEqual({
      pk_field: 'id',
      pk_type: 'Int64',
      ids: ['10', '11'],
      id_ranges: [
        ['1', '5'],
        ['20', '22'],
      ],
    });
    expect(keyFilter(r.record())).toBe('id in [10, 11] || (id >= 1 && id <= 5) || (id >= 20 && id <= 22)');
  });

  it('keeps VarChar keys one by one, quoted in the filter', () => {
    const r = new KeyRecorder('key', 'VarChar');
    r.add(['a', 'b"c']);
    expect(keyFilter(r.record())).toBe('key in ["a", "b\\"c"]');
  });

  it('continues from a checkpoint', () => {
    const r = new KeyRecorder('id', 'Int64');
    r.add(['1', '2', '3', '7']);
    const resumed = KeyRecorder.from(r.record(), 'id', 'Int64');
    resumed.add(['8', '9']);
    expect(resumed.record()).toEqual({
      pk_field: 'id',
      pk_type: 'Int64',
      ids: [],
      id_ranges: [
        ['1', '3'],
        ['7', '9'],
      ],
    });
    // A range saved at a checkpoint goes on growing after it.
    const more = KeyRecorder.from(resumed.record(), 'id', 'Int64');
    more.add(['10', '11', '30']);
    expect(more.record()).toEqual({
      pk_field: 'id',
      pk_type: 'Int64',
      ids: ['30'],
      id_ranges: [
        ['1', '3'],
        ['7', '11'],
      ],
    });
  });

  it('gives up on keys that outgrow its budget, and says so', () => {
    const r = new KeyRecorder('id', 'Int64', 100);
    r.add(Array.from({ length: 1000 }, (_, i) => String(i))); // one range: fits
    expect(r.overflow).toBe(false);
    r.add(Array.from({ length: 100 }, (_, i) => String(5000 + i * 2))); // scattered
    expect(r.overflow).toBe(true);
    expect(r.record()).toEqual({ pk_field: 'id', pk_type: 'Int64', ids: [], ids_overflow: true });
    expect(KeyRecorder.from(r.record(), 'id', 'Int64').overflow).toBe(true);
  });

  it('reads records written before ranges existed (numbers, no pk_type)', () => {
    expect(keyFilter({ pk_field: 'id', ids: [1, 2, 3] })).toBe('id in [1, 2, 3]');
    expect(keyFilter({ pk_field: 'k', ids: ['x'] })).toBe('k in ["x"]');
  });
});
