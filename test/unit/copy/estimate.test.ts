import { describe, expect, it } from 'vitest';
import { READ_PAGE_BYTES, readPageRows } from '../../../src/copy/estimate.js';
import { field, shapeOf } from '../../support/shape.js';

describe('readPageRows', () => {
  const fixed = (extra: Parameters<typeof field>[] = []) => ({
    ...shapeOf([field('v', 'FloatVector', { dim: 128 }), ...extra.map((a) => field(...a))]),
    dynamic: false,
  });

  it('fills about 4 MB at the widest each field can be, between the batch size and the cap', () => {
    // id 8 + 128 floats 512 = 520 bytes a row.
    expect(readPageRows(fixed(), 1000, 16_384)).toBe(Math.floor(READ_PAGE_BYTES / 520));
    // A VarChar counts 4 bytes a character of its max_length.
    expect(readPageRows(fixed([['t', 'VarChar', { maxLength: 100 }]]), 1000, 16_384)).toBe(Math.floor(READ_PAGE_BYTES / 920));
    expect(readPageRows({ ...shapeOf([]), dynamic: false }, 1000, 16_384)).toBe(16_384);
    // Wide rows never read fewer than the batch size asked for.
    expect(readPageRows({ ...shapeOf([field('v', 'FloatVector', { dim: 32_768 })]), dynamic: false }, 1000, 16_384)).toBe(1000);
  });

  it('keeps the batch size for fields of unbounded size: JSON, arrays, a dynamic field', () => {
    expect(readPageRows(fixed([['j', 'JSON']]), 1000, 16_384)).toBe(1000);
    expect(readPageRows(fixed([['a', 'Array']]), 1000, 16_384)).toBe(1000);
    expect(readPageRows({ ...fixed(), dynamic: true }, 1000, 16_384)).toBe(1000);
  });
});
