import type { CollectionSchema, DatabaseSchema, FieldSchema, IndexSchema } from './model.js';
import { compareStrings } from './normalise.js';

/** One way the actual schema differs from the expected one. */
export interface Difference {
  /** Where, e.g. `collection docs / index embedding_idx / params.nlist`. */
  readonly path: string;
  /** `missing`: expected, not found; `unexpected`: found, not expected; `changed`: both, other values. */
  readonly kind: 'missing' | 'unexpected' | 'changed';
  /** Absent for `unexpected`. */
  readonly expected?: unknown;
  /** Absent for `missing`. */
  readonly actual?: unknown;
}

/**
 * Every difference between two normalised schemas (pure). Collections, aliases, fields, indexes,
 * partitions and properties are matched by name; a thing present on one side only is one
 * difference, not one per attribute.
 */
export function compareSchemas(expected: DatabaseSchema, actual: DatabaseSchema): Difference[] {
  const out: Difference[] = [];
  for (const name of union(expected.collections, actual.collections)) {
    const path = `collection ${name}`;
    const e = expected.collections[name];
    const a = actual.collections[name];
    if (e && a) compareCollection(path, e, a, out);
    else presence(path, e, a, out);
  }
  for (const alias of union(expected.aliases, actual.aliases)) {
    values(`alias ${alias}`, expected.aliases[alias], actual.aliases[alias], out);
  }
  return out;
}

function compareCollection(path: string, e: CollectionSchema, a: CollectionSchema, out: Difference[]): void {
  values(`${path} / description`, e.description ?? '', a.description ?? '', out);
  values(`${path} / enable_dynamic_field`, e.enable_dynamic_field ?? false, a.enable_dynamic_field ?? false, out);
  values(`${path} / consistency_level`, e.consistency_level, a.consistency_level, out);
  const ef = byName(e.fields);
  const af = byName(a.fields);
  for (const name of union(ef, af)) {
    const fp = `${path} / field ${name}`;
    if (ef[name] && af[name]) attributes(fp, ef[name], af[name], out);
    else presence(fp, ef[name], af[name], out);
  }
  const ep = new Set(e.partitions);
  const ap = new Set(a.partitions);
  for (const p of [...new Set([...ep, ...ap])].sort(compareStrings)) {
    if (ep.has(p) !== ap.has(p)) presence(`${path} / partition ${p}`, ep.has(p) || undefined, ap.has(p) || undefined, out);
  }
  for (const name of union(e.indexes, a.indexes)) {
    const ip = `${path} / index ${name}`;
    const ei = e.indexes[name];
    const ai = a.indexes[name];
    if (ei && ai) compareIndex(ip, ei, ai, out);
    else presence(ip, ei, ai, out);
  }
  const eprops = e.properties ?? {};
  const aprops = a.properties ?? {};
  for (const key of union(eprops, aprops)) values(`${path} / properties.${key}`, eprops[key], aprops[key], out);
  values(`${path} / load_state`, e.load_state, a.load_state, out);
}

function compareIndex(path: string, e: IndexSchema, a: IndexSchema, out: Difference[]): void {
  values(`${path} / field_name`, e.field_name, a.field_name, out);
  values(`${path} / index_type`, e.index_type, a.index_type, out);
  values(`${path} / metric_type`, e.metric_type, a.metric_type, out);
  const ep = e.params ?? {};
  const ap = a.params ?? {};
  for (const key of union(ep, ap)) values(`${path} / params.${key}`, ep[key], ap[key], out);
}

function attributes(path: string, e: FieldSchema, a: FieldSchema, out: Difference[]): void {
  const keys = union(e as unknown as Record<string, unknown>, a as unknown as Record<string, unknown>).filter((k) => k !== 'name');
  for (const key of keys)
    values(`${path} / ${key}`, (e as unknown as Record<string, unknown>)[key], (a as unknown as Record<string, unknown>)[key], out);
}

/** A thing present on one side only. */
function presence(path: string, e: unknown, a: unknown, out: Difference[]): void {
  if (e === undefined && a === undefined) return;
  if (a === undefined) out.push({ path, kind: 'missing', expected: e === true ? 'present' : e });
  else if (e === undefined) out.push({ path, kind: 'unexpected', actual: a === true ? 'present' : a });
}

/** A scalar attribute: missing, unexpected, or changed. */
function values(path: string, e: unknown, a: unknown, out: Difference[]): void {
  if (e === a) return;
  if (a === undefined) out.push({ path, kind: 'missing', expected: e });
  else if (e === undefined) out.push({ path, kind: 'unexpected', actual: a });
  else out.push({ path, kind: 'changed', expected: e, actual: a });
}

function byName(fields: readonly FieldSchema[]): Record<string, FieldSchema> {
  return Object.fromEntries(fields.map((f) => [f.name, f]));
}

function union(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareStrings);
}

/** One line per difference: `collection docs / index v / params.nlist: expected "128", found "64"`. */
export function describeDifference(d: Difference): string {
  if (d.kind === 'missing') return `${d.path}: missing${scalar(d.expected, ' (expected ', ')')}`;
  if (d.kind === 'unexpected') return `${d.path}: not expected${scalar(d.actual, ' (found ', ')')}`;
  return `${d.path}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}`;
}

/** A value worth quoting in a message; whole collections, indexes and fields are named by the path. */
function scalar(v: unknown, before: string, after: string): string {
  return v === 'present' || (typeof v === 'object' && v !== null) ? '' : `${before}${JSON.stringify(v)}${after}`;
}
