import { describe, expect, it } from 'vitest';
import { lastLines } from '../../../../src/milvus/embedded/text.js';

describe('lastLines', () => {
  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\r\nc\n\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('', 5)).toEqual([]);
  });
});
