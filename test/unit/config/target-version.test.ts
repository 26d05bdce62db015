import { describe, expect, it } from 'vitest';
import { LayerSchema } from '../../../src/config/schema.js';

describe('targetVersion in milvus.config.yaml', () => {
  it.each([
    ['2.5.4', '2.5.4'],
    ['v2.6.0', 'v2.6.0'],
    // Unquoted, YAML reads 2.5 as a number.
    [2.5, '2.5'],
  ])('takes %j as %j', (input, expected) => {
    expect(LayerSchema.parse({ targetVersion: input }).targetVersion).toBe(expected);
  });

  it.each(['latest', '2', ''])('refuses %j, saying what it takes', (input) => {
    expect(LayerSchema.safeParse({ targetVersion: input }).error?.issues.map((i) => i.message)).toEqual([
      'must be a Milvus version, e.g. 2.5.4',
    ]);
  });
});
