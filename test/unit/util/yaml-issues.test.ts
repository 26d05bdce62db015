import { LineCounter, parseDocument, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { flattenIssues, issuePath, keyOffset, lineAndColumn, nodeAt, offsetOf } from '../../../src/util/yaml-issues.js';

const text = ['a:', '  b: 1', '  empty:', 'list:', '  - x: 2', 'ref: *anchor', 'anchored: &anchor', '  c: 3', ''].join('\n');
// The alias comes before its anchor in `text`, which YAML refuses; build the aliasing one apart.
const aliased = ['anchored: &anchor', '  c: 3', 'ref: *anchor', ''].join('\n');

function parse(source: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  const where = (offset: number | undefined) => lineAndColumn(lineCounter, offset);
  return { doc, where };
}

describe('nodeAt, offsetOf, keyOffset', () => {
  const { doc, where } = parse(text.replace('ref: *anchor\n', ''));

  it('find a value in maps and sequences, or the nearest part of the path that exists', () => {
    expect(where(nodeAt(doc, ['a', 'b'])?.range?.[0])).toEqual({ line: 2, column: 6 });
    expect(where(nodeAt(doc, ['list', 0, 'x'])?.range?.[0])).toEqual({ line: 5, column: 8 });
    expect(where(nodeAt(doc, ['list', '0', 'x'])?.range?.[0])).toEqual({ line: 5, column: 8 });
    expect(where(nodeAt(doc, ['a', 'missing'])?.range?.[0])).toEqual({ line: 2, column: 3 });
    expect(nodeAt(doc, ['nothing'])).toBeUndefined();
  });

  it('point at the key of an empty value, and at a key itself', () => {
    expect(where(offsetOf(doc, ['a', 'empty']))).toEqual({ line: 3, column: 3 });
    expect(where(offsetOf(doc, ['a', 'missing']))).toEqual({ line: 2, column: 3 });
    expect(where(keyOffset(doc, ['a'], 'b'))).toEqual({ line: 2, column: 3 });
    expect(keyOffset(doc, ['a'], 'missing')).toBeUndefined();
  });

  it('follow aliases', () => {
    const { doc: withAlias, where: at } = parse(aliased);
    expect(at(offsetOf(withAlias, ['ref', 'c']))).toEqual({ line: 2, column: 6 });
    expect(at((nodeAt(withAlias, ['ref', 'c']) as Node).range?.[0])).toEqual({ line: 2, column: 6 });
  });

  it('give no position for an unknown offset', () => {
    const { where: at } = parse('a: 1');
    expect(at(undefined)).toBeUndefined();
    expect(at(-1)).toBeUndefined();
  });
});

describe('issuePath, flattenIssues', () => {
  it('prefix the path, and replace a union issue by the issues of the one option of the right type', () => {
    const schema = z.object({ e: z.union([z.boolean(), z.strictObject({ port: z.number() })]) });
    const result = schema.safeParse({ e: { port: 'x' } });
    expect(result.success).toBe(false);
    const [issue] = result.error!.issues;
    expect(issuePath(issue!, ['top'])).toEqual(['top', 'e']);
    expect(flattenIssues(result.error!.issues, ['top']).map((f) => [f.path, f.issue.code])).toEqual([
      [['top', 'e', 'port'], 'invalid_type'],
    ]);
  });
});
