import { describe, expect, it } from 'vitest';
import { encoder } from '../../../src/copy/import.js';
import { field, shapeOf } from '../../support/shape.js';

const shape = shapeOf([field('id', 'Int64'), field('code', 'VarChar'), field('v', 'FloatVector', { dim: 2 })]);

describe('import JSON encoder', () => {
  it('writes Int64 values read back as strings as JSON numbers, digit for digit; VarChar digits stay strings; dynamic keys as they are', () => {
    const encode = encoder(shape);
    const text = encode({ id: '9007199254740993', code: '0042', v: [0.5, 1], tag: { a: [1, '2'] }, gone: undefined });
    expect(text).toBe('{"id":9007199254740993,"code":"0042","v":[0.5,1],"tag":{"a":[1,"2"]}}');
    expect(encode({ id: 7, code: 'x"y', v: [0, 0] })).toBe('{"id":7,"code":"x\\"y","v":[0,0]}');
  });
});
