/**
 * From a zod issue to the place in a YAML file that caused it: the issue's path, the node or
 * key at that path, and its line and column. Shared by milvus.config.yaml and YAML migrations,
 * which word their messages each in their own way.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type * as z from 'zod';

/** A path into a YAML document: map keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/** A zod issue's path after `prefix`, symbol keys written as strings. */
export function issuePath(issue: z.core.$ZodIssue, prefix: YamlPath = []): (string | number)[] {
  return [...prefix, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
}

/**
 * Zod reports a failed union as one issue holding each option's issues. When the value had the
 * right type for exactly one option (e.g. `embedded:` is a map), that option's nested issues say
 * far more than "must be true, false or a map", so they replace the union issue.
 */
export function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: YamlPath,
): { issue: z.core.$ZodIssue; path: (string | number)[] }[] {
  const out: { issue: z.core.$ZodIssue; path: (string | number)[] }[] = [];
  for (const issue of issues) {
    const path = issuePath(issue, prefix);
    if (issue.code === 'invalid_union') {
      const typed = issue.errors.filter((option) => !option.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
      if (typed.length === 1) {
        out.push(...flattenIssues(typed[0]!, path));
        continue;
      }
    }
    out.push({ issue, path });
  }
  return out;
}

/** 1-based line and column of a source offset; `undefined` when the offset is unknown. */
export function lineAndColumn(lineCounter: LineCounter, offset: number | undefined): { line: number; column: number } | undefined {
  if (offset === undefined || offset < 0) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** A map key as text (`1:` and `'1':` alike). */
export function keyText(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

/** One step down a path: the key node (none in a sequence) and the value found under it. */
interface PathStep {
  key: Node | null | undefined;
  value: unknown;
}

/**
 * The steps of `path` that exist, from the root down: map entries by key text, sequence items by
 * index, aliases followed. Stops at the first step that does not exist.
 */
function walk(doc: Document, path: YamlPath): PathStep[] {
  const steps: PathStep[] = [];
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (!pair) break;
      steps.push({ key: pair.key as Node | null, value: pair.value });
    } else if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : segment === '' ? Number.NaN : Number(segment);
      if (!Number.isInteger(index) || index < 0 || index >= node.items.length) break;
      steps.push({ key: undefined, value: node.items[index] });
    } else {
      break;
    }
    node = steps[steps.length - 1]!.value;
  }
  return steps;
}

/** The node at `path`, or at the longest part of it that exists (a missing key points at its map). */
export function nodeAt(doc: Document, path: YamlPath): Node | undefined {
  const steps = walk(doc, path);
  for (let n = steps.length - 1; n >= 0; n--) {
    const value = steps[n]!.value;
    if (value && typeof value === 'object') return value as Node;
  }
  return undefined;
}

/**
 * Offset of the value at `path` (of its key when the value is empty), else of the nearest
 * ancestor that exists.
 */
export function offsetOf(doc: Document, path: YamlPath): number | undefined {
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const { key, value } of walk(doc, path)) {
    const valueNode = value as Node | null;
    offset = (isScalar(valueNode) && valueNode.value === null) || !valueNode?.range ? (key?.range?.[0] ?? offset) : valueNode.range[0];
  }
  return offset;
}

/** Offset of `key` itself inside the map at `parent`. */
export function keyOffset(doc: Document, parent: YamlPath, key: string): number | undefined {
  const steps = walk(doc, [...parent, key]);
  return steps.length === parent.length + 1 ? steps[parent.length]!.key?.range?.[0] : undefined;
}
