import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import type * as z from 'zod';
import type { Problem } from '../errors.js';
import { STEPS, STEP_NAMES } from '../steps/catalogue.js';
import type { StepCall } from '../steps/types.js';
import { suggest } from '../util/suggest.js';
import { issuePath, keyText, lineAndColumn, nodeAt } from '../util/yaml-issues.js';
import type { MigrationBody } from './model.js';

const TOP_LEVEL_KEYS = ['description', 'up', 'down'] as const;

export interface ParsedYamlMigration {
  description: string | undefined;
  up: MigrationBody;
  down: MigrationBody | undefined;
}

/**
 * Parses a YAML migration and validates every step against the catalogue. Returns all problems
 * found, each with file, line and column, instead of stopping at the first.
 */
export function parseYamlMigration(file: string, text: string): { migration?: ParsedYamlMigration; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  const at = (node: Node | null | undefined, path: string | undefined, message: string) => {
    problems.push({ file, ...lineAndColumn(lineCounter, node?.range?.[0]), ...(path ? { path } : {}), message });
  };
  for (const err of doc.errors) {
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
    problems.push({
      file,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      message: `YAML syntax error: ${err.message.split('\n')[0]}`,
    });
  }
  if (problems.length) return { problems };

  const root = doc.contents;
  if (!isMap(root)) {
    at(root, undefined, 'a migration must be a map with `up:` (and optionally `description:` and `down:`)');
    return { problems };
  }
  for (const pair of root.items) {
    const key = keyText(pair.key);
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      at(pair.key as Node, key, unknownKey('key', key, TOP_LEVEL_KEYS));
    }
  }
  const description = root.get('description');
  if (description !== undefined && typeof description !== 'string') {
    at(root.get('description', true) as Node, 'description', 'must be a string');
  }
  const up = parseSteps(doc, lineCounter, 'up', at, true);
  const down = root.has('down') ? parseSteps(doc, lineCounter, 'down', at, false) : undefined;
  if (problems.length) return { problems };
  return {
    migration: {
      // A folded or literal block (`description: >`) ends in a line break: not part of the text.
      description: typeof description === 'string' ? (description as string).trimEnd() : undefined,
      up: { kind: 'steps', steps: up },
      down: down === undefined ? undefined : { kind: 'steps', steps: down },
    },
    problems,
  };
}

type At = (node: Node | null | undefined, path: string | undefined, message: string) => void;

function parseSteps(doc: Document, lineCounter: LineCounter, section: 'up' | 'down', at: At, required: boolean): StepCall[] {
  const node = doc.get(section, true) as Node | undefined;
  if (node === undefined || (isScalar(node) && node.value === null)) {
    if (required) at(doc.contents, section, 'is required: the list of steps to apply');
    return [];
  }
  if (!isSeq(node)) {
    at(node, section, 'must be a list of steps, e.g. `- dropPartition: { collection_name: c, partition_name: p }`');
    return [];
  }
  if (section === 'up' && node.items.length === 0) at(node, section, 'needs at least one step');
  const steps: StepCall[] = [];
  node.items.forEach((item, i) => {
    const where = `${section}[${i}]`;
    if (!isMap(item) || item.items.length !== 1) {
      at(item as Node, where, `a step is a map with exactly one key, the step name (one of: ${STEP_NAMES.join(', ')})`);
      return;
    }
    const pair = item.items[0]!;
    const name = keyText(pair.key);
    const def = STEPS.get(name);
    if (!def) {
      at(pair.key as Node, where, unknownKey('step', name, STEP_NAMES));
      return;
    }
    const paramsNode = pair.value as Node | null;
    if (!isMap(paramsNode)) {
      at(paramsNode ?? (pair.key as Node), `${where}.${name}`, `params must be a map (allowed: ${allowedKeys(def.params, []).join(', ')})`);
      return;
    }
    const json = (paramsNode as unknown as { toJSON(): unknown }).toJSON();
    const parsed = validateParams(def.params, json, name, (path, message) => {
      at(nodeAt(doc, [section, i, name, ...path]) ?? paramsNode, [`${where}.${name}`, ...path].join('.'), message);
    });
    if (parsed) {
      for (const [key, message] of def.check?.(parsed) ?? []) {
        at(nodeAt(doc, [section, i, name, ...key.split('.')]) ?? paramsNode, `${where}.${name}.${key}`, message);
      }
      const line = lineAndColumn(lineCounter, (item as Node).range?.[0])?.line;
      steps.push({ step: name, params: parsed, ...(line !== undefined ? { line } : {}) });
    }
  });
  return steps;
}

/**
 * Validates a step's params with its zod schema and reports each issue in words a user
 * understands: unknown params with what is allowed, missing ones, wrong types.
 * Shared with code migrations, which call the same catalogue.
 */
export function validateParams(
  schema: z.ZodType,
  input: unknown,
  stepName: string,
  report: (path: (string | number)[], message: string) => void,
): Record<string, unknown> | undefined {
  const res = schema.safeParse(input);
  if (res.success) return res.data as Record<string, unknown>;
  for (const issue of res.error.issues) {
    const path = issuePath(issue);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, path);
      for (const key of issue.keys) report([...path, key], unknownKey(`param of ${stepName}`, key, allowed));
    } else if (issue.code === 'invalid_type' && valueAt(input, path) === undefined) {
      report(path, `missing required param ${String(path.at(-1) ?? '')}`.trim());
    } else {
      report(path, issue.message);
    }
  }
  return undefined;
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let v = input;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

/** `unknown step "dropPartiton" (allowed: ...; did you mean "dropPartition"?)` */
export function unknownKey(what: string, key: string, allowed: readonly string[]): string {
  const hint = suggest(key, allowed);
  return `unknown ${what} ${JSON.stringify(key)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''} (allowed: ${allowed.join(', ')})`;
}

/** The keys a zod object schema accepts at `path` (walking objects, arrays and optionals). */
export function allowedKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: unknown = schema;
  const unwrap = () => {
    for (;;) {
      const def = (s as { def?: { type?: string; innerType?: unknown } }).def;
      if (def && (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) s = def.innerType;
      else return;
    }
  };
  unwrap();
  for (const seg of path) {
    const def = (s as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (def?.type === 'object' && typeof seg === 'string') s = def.shape?.[seg];
    else if (def?.type === 'array') s = def.element;
    else return [];
    unwrap();
  }
  const def = (s as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
