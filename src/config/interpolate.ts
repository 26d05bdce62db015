/**
 * `${VAR}` interpolation in config values.
 *
 * Syntax (a subset of the shell's / Docker Compose's, on purpose):
 * - `${NAME}`: the variable's value; an unset variable is an error naming it. A variable set to
 *   the empty string is set (its value is '').
 * - `${NAME:-default}`: the default when the variable is unset or empty. The default is literal
 *   text up to the first `}`; it cannot contain another `${…}`.
 * - `$${`: a literal `${` (the escape). Any other `$` is literal, so passwords containing `$` or
 *   `$$` need no escaping as long as no `{` follows.
 * - NAME is `[A-Za-z_][A-Za-z0-9_]*`; anything else inside `${…}`, or a `${` without `}`, is an
 *   error.
 *
 * It runs on parsed YAML string scalars, never on the raw text, so a variable's value can't break
 * the YAML structure and a value that is entirely `${VAR}` is still a string (schema.ts coerces
 * numbers and booleans where a key needs them).
 */
import type { Document, Node } from 'yaml';
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';

/** Variables to read; `process.env` in real runs, a plain object in tests. */
export type Environ = Readonly<Record<string, string | undefined>>;

/** Outcome of interpolating one string. */
export interface InterpolatedString {
  value: string;
  /** Variables referenced without a default and not set. */
  missing: string[];
  /** Malformed references, described without echoing the text (it may be part of a secret). */
  malformed: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MALFORMED = 'malformed variable reference (expected ${NAME} or ${NAME:-default}; write $${ for a literal ${)';

/** Interpolates one string. Never throws: problems are returned so every one can be reported. */
export function interpolateString(text: string, environ: Environ): InterpolatedString {
  const missing: string[] = [];
  const malformed: string[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      value += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end === -1) {
      malformed.push(MALFORMED);
      value += text.slice(i);
      break;
    }
    const inner = text.slice(i + 2, end);
    const sep = inner.indexOf(':-');
    const name = sep === -1 ? inner : inner.slice(0, sep);
    const fallback = sep === -1 ? undefined : inner.slice(sep + 2);
    if (!NAME.test(name) || fallback?.includes('${')) {
      malformed.push(MALFORMED);
      value += text.slice(i, end + 1);
    } else {
      const set = environ[name];
      if (fallback !== undefined && (set === undefined || set === '')) value += fallback;
      else if (set !== undefined) value += set;
      else if (!missing.includes(name)) missing.push(name);
    }
    i = end + 1;
  }
  return { value, missing, malformed };
}

/** True when a string would be changed by interpolation (contains `${`, including the escape). */
export function hasReference(text: string): boolean {
  return text.includes('${');
}

/** A problem found while interpolating a YAML node. */
export interface InterpolationProblem {
  /** Keys from the document root to the scalar. */
  path: (string | number)[];
  /** The scalar, for its position. */
  node: Node;
  message: string;
}

/**
 * Walks `node` and interpolates every string scalar in place.
 *
 * - `resolve` mode replaces values and reports unset variables; it follows aliases (the value is
 *   used where the alias is) and skips scalars in `done`, so a node reached twice (its anchor and
 *   an alias) is not interpolated twice (`$${X}` would otherwise become the value of X).
 * - `check` mode only reports malformed references, for the parts of the file that are not used
 *   this time (other environments): their variables may legitimately be unset here.
 */
export function interpolateNode(
  doc: Document,
  node: unknown,
  path: (string | number)[],
  environ: Environ,
  mode: 'resolve' | 'check',
  done: Set<Node>,
  problems: InterpolationProblem[],
): void {
  if (isAlias(node)) {
    if (mode === 'check') return;
    const target = node.resolve(doc);
    // An alias to a collection being walked would loop; anchors can't contain their own alias
    // in valid YAML, but the set makes that impossible regardless.
    if (target && !done.has(target)) {
      if (!isScalar(target)) done.add(target);
      interpolateNode(doc, target, path, environ, mode, done, problems);
    }
    return;
  }
  if (isScalar(node)) {
    if (typeof node.value !== 'string' || done.has(node)) return;
    const result = interpolateString(node.value, environ);
    for (const message of result.malformed) problems.push({ path, node, message });
    if (mode === 'check') return;
    done.add(node);
    for (const name of result.missing) {
      problems.push({
        path,
        node,
        message: `environment variable ${name} is not set (set it, or write \${${name}:-default})`,
      });
    }
    if (result.missing.length === 0 && result.malformed.length === 0) node.value = result.value;
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      interpolateNode(doc, pair.value, [...path, String(key)], environ, mode, done, problems);
    }
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => interpolateNode(doc, item, [...path, index], environ, mode, done, problems));
  }
}
