import { describe, expect, it } from 'vitest';
import { rangeFilter } from '../../../src/milvus/reads/key-ranges.js';
import { bytesText, durationText, valueBytes } from '../../../src/copy/estimate.js';

describe('key ranges', () => {
  it('cut the key space with half-open ranges: every key in exactly one', () => {
    const pk = { name: 'id', kind: 'Int64' as const };
    expect([0, 1, 2].map((i) => rangeFilter(pk, ['100', '200'], i))).toEqual(['id < 100', '(id >= 100) && (id < 200)', 'id >= 200']);
    expect(rangeFilter(pk, [], 0)).toBeUndefined();
    expect(rangeFilter({ name: 'k', kind: 'VarChar' }, ['m"x'], 1)).toBe('k >= "m\\"x"');
  });
});

describe('copy estimate', () => {
  it('sizes values as Milvus stores them, and words them', () => {
    expect(valueBytes('FloatVector', [1, 2, 3, 4])).toBe(16);
    expect(valueBytes('Int64', '42')).toBe(2);
    expect(valueBytes('Int64', 42)).toBe(8);
    expect(valueBytes('VarChar', 'héllo')).toBe(6);
    expect(bytesText(165_400)).toBe('165 KB');
    expect(bytesText(3_500_000)).toBe('3.5 MB');
    expect([0.2, 100, 10_000].map(durationText)).toEqual(['1 s', '2 min', '2.8 h']);
  });
});
