/**
 * Reading one milvus.config.yaml: parsing, `${VAR}` interpolation and validation, every problem
 * with file, line and column. Gives its top level and the chosen environment as layers.
 */
import { readFile } from 'node:fs/promises';
import type { Document, Node, YAMLError } from 'yaml';
import { isAlias, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import { InvalidInputError, type Problem } from '../errors.js';
import { suggest } from '../util/suggest.js';
import { flattenIssues, keyOffset, keyText, lineAndColumn, offsetOf } from '../util/yaml-issues.js';
import { type Environ, type InterpolationProblem, hasReference, interpolateNode } from './interpolate.js';
import { type ConfigLayer, EMBEDDED_KEYS, LAYER_KEYS, LayerSchema, ROOT_KEYS, TLS_KEYS } from './schema.js';
import { type TargetSpec, TargetsSchema } from './targets.js';

/** The file's settings: its top level (minus `environments`) and the chosen environment. */
export interface Layers {
  top: ConfigLayer;
  env: ConfigLayer | undefined;
  /** `targets:` (top level only): what `--targets all` fans out over. */
  targets?: readonly TargetSpec[] | undefined;
}

/** Parses, interpolates and validates the file; returns the top level and the chosen environment. */
export async function readLayers(file: string, display: string, envName: string | undefined, environ: Environ): Promise<Layers> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a secret.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const at = (offset: number | undefined): Pick<Problem, 'file' | 'line' | 'column'> => ({
    file: display,
    ...lineAndColumn(lineCounter, offset),
  });

  if (doc.errors.length > 0) {
    throw new InvalidInputError(
      `Invalid YAML in config ${display}`,
      doc.errors.map((e) => ({ ...at(e.pos[0]), message: yamlMessage(e) })),
    );
  }

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    // An empty file (or only comments) means "all defaults".
    if (envName !== undefined) throw unknownEnvironment(envName, [], display);
    return { top: {}, env: undefined };
  }
  if (!isMap(root)) {
    throw new InvalidInputError(`Invalid config ${display}`, [
      { ...at(root.range?.[0]), message: `must be a map of settings (allowed keys: ${ROOT_KEYS.join(', ')})` },
    ]);
  }

  // Environments, by name, as written (aliases resolved) for interpolation.
  const envPairs = new Map<string, unknown>();
  const envsPair = root.items.find((p) => keyText(p.key) === 'environments');
  const envsNode = isAlias(envsPair?.value) ? envsPair.value.resolve(doc) : envsPair?.value;
  if (isMap(envsNode)) {
    for (const pair of envsNode.items) if (isPair(pair)) envPairs.set(keyText(pair.key), pair.value);
  }
  if (envName !== undefined && !envPairs.has(envName)) throw unknownEnvironment(envName, [...envPairs.keys()], display);

  // Interpolate only what this run uses: the top level and the chosen environment. The others
  // are checked for malformed references only, since their variables may be unset here (e.g.
  // production's ${MILVUS_TOKEN} on a laptop running --env local). Check runs first because
  // resolving mutates nodes that an unchosen environment may share through an alias.
  const interpolationProblems: InterpolationProblem[] = [];
  const done = new Set<Node>();
  for (const [name, value] of envPairs) {
    if (name !== envName) interpolateNode(doc, value, ['environments', name], environ, 'check', done, interpolationProblems);
  }
  for (const pair of root.items) {
    const key = keyText(pair.key);
    if (key !== 'environments') interpolateNode(doc, pair.value, [key], environ, 'resolve', done, interpolationProblems);
  }
  if (envName !== undefined) {
    interpolateNode(doc, envPairs.get(envName), ['environments', envName], environ, 'resolve', done, interpolationProblems);
  }

  const problems: Problem[] = [];
  // A value whose interpolation failed already has its problem; its schema error would be noise.
  const failed = new Set(interpolationProblems.map((p) => dotted(p.path)));
  // Likewise an unset variable under a misspelt key: "unknown key" is the one to fix.
  const unknown: string[] = [];

  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  const { environments, targets: targetsData, ...topData } = isPlainObject(data) ? data : {};
  /** `uri` is a synonym of `address`: the layer carries it as `address`; both in one layer is ambiguous. */
  const withAddress = (layer: ConfigLayer, prefix: string[]): ConfigLayer => {
    const { uri, ...rest } = layer;
    if (uri === undefined) return layer;
    if (rest.address !== undefined) {
      problems.push({
        ...at(keyOffset(doc, prefix, 'uri') ?? offsetOf(doc, prefix)),
        ...(prefix.length > 0 ? { path: dotted(prefix) } : {}),
        message: 'has both uri and address: they are the same setting, keep one',
      });
    }
    return { ...rest, address: rest.address ?? uri };
  };

  const validate = (value: unknown, prefix: string[], allowed: readonly string[]): ConfigLayer | undefined => {
    const result = LayerSchema.safeParse(value);
    if (result.success) return withAddress(result.data, prefix);
    for (const { issue, path: issuePath } of flattenIssues(result.error.issues, prefix)) {
      if (failed.has(dotted(issuePath))) continue;
      if (issue.code === 'unrecognized_keys') {
        const parent = issuePath[issuePath.length - 1];
        const keys = parent === 'embedded' ? EMBEDDED_KEYS : parent === 'tls' ? TLS_KEYS : allowed;
        for (const key of issue.keys) {
          problems.push(unknownKey(doc, at, issuePath, key, keys));
          unknown.push(dotted([...issuePath, key]));
        }
      } else {
        problems.push({ ...at(offsetOf(doc, issuePath)), path: dotted(issuePath), message: issue.message });
      }
    }
    return undefined;
  };

  const top = validate(topData, [], ROOT_KEYS);
  let env: ConfigLayer | undefined;
  if (environments !== undefined && environments !== null) {
    if (!isPlainObject(environments)) {
      problems.push({
        ...at(offsetOf(doc, ['environments'])),
        path: 'environments',
        message: 'must be a map of environment names to settings',
      });
    } else {
      for (const [name, settings] of Object.entries(environments)) {
        const prefix = ['environments', name];
        // `local:` with nothing under it is an environment that changes nothing.
        if (settings !== null && !isPlainObject(settings)) {
          problems.push({
            ...at(offsetOf(doc, prefix)),
            path: dotted(prefix),
            message: `must be a map of settings (allowed keys: ${LAYER_KEYS.join(', ')})`,
          });
          continue;
        }
        // Values still holding ${…} in other environments are unknown until chosen: only their
        // keys and literal values are checked.
        const chosen = name === envName;
        const layer = validate(chosen ? (settings ?? {}) : withoutReferences(settings ?? {}), prefix, LAYER_KEYS);
        if (chosen) env = layer;
      }
    }
  }

  const targets = targetsData === undefined ? undefined : validateTargets(targetsData);

  for (const p of interpolationProblems) {
    const where = dotted(p.path);
    if (unknown.some((u) => where === u || where.startsWith(`${u}.`))) continue;
    problems.push({ ...at(p.node.range?.[0]), path: where, message: p.message });
  }
  if (problems.length > 0) throw new InvalidInputError(`Invalid config ${display}`, sortProblems(problems));
  return { top: top ?? {}, env, targets };

  function validateTargets(value: unknown): readonly TargetSpec[] | undefined {
    // Environments named by `env:` are checked on the entries as written, so one bad entry does not hide another.
    (Array.isArray(value) ? value : [value]).forEach((entry: unknown, i) => {
      const env = isPlainObject(entry) ? entry.env : undefined;
      if (typeof env !== 'string' || envPairs.has(env)) return;
      const guess = suggest(env, [...envPairs.keys()]);
      problems.push({
        ...at(offsetOf(doc, ['targets', i])),
        path: `targets.${i}.env`,
        message: `names no environment of this file (defined: ${[...envPairs.keys()].join(', ') || 'none'}${guess ? `; did you mean "${guess}"?` : ''})`,
      });
    });
    const result = TargetsSchema.safeParse(value);
    if (result.success) return result.data;
    for (const { issue, path: issuePath } of flattenIssues(result.error.issues, ['targets'])) {
      if (failed.has(dotted(issuePath))) continue;
      problems.push({ ...at(offsetOf(doc, issuePath)), path: dotted(issuePath), message: issue.message });
    }
    return undefined;
  }
}

function unknownEnvironment(name: string, available: string[], display: string): InvalidInputError {
  if (available.length === 0) {
    return new InvalidInputError(`Unknown environment "${name}": ${display} defines no environments`);
  }
  const guess = suggest(name, available);
  return new InvalidInputError(
    `Unknown environment "${name}" (available in ${display}: ${available.join(', ')}${guess ? `; did you mean "${guess}"?` : ''})`,
  );
}

function unknownKey(
  doc: Document,
  at: (offset: number | undefined) => Pick<Problem, 'file' | 'line' | 'column'>,
  parent: (string | number)[],
  key: string,
  allowed: readonly string[],
): Problem {
  const guess = suggest(key, allowed);
  const problem: Problem = {
    ...at(keyOffset(doc, parent, key) ?? offsetOf(doc, parent)),
    message: `unknown key "${key}" (allowed: ${allowed.join(', ')}${guess ? `; did you mean "${guess}"?` : ''})`,
  };
  if (parent.length > 0) problem.path = dotted(parent);
  return problem;
}

/**
 * yaml's message without the source text some of them quote after a colon ("Not a YAML token:
 * …", "Block scalar header includes extra characters: …", "Invalid escape sequence \\q"): on a
 * `token:` line that text is part of the secret. Line and column still point at it.
 */
function yamlMessage(error: YAMLError): string {
  if (error.code === 'BAD_DQ_ESCAPE') {
    return 'Invalid escape sequence in a double-quoted string (use single quotes, or write \\\\ for a backslash)';
  }
  const colon = error.message.indexOf(': ');
  return colon === -1 ? error.message : error.message.slice(0, colon);
}

/** Copy of a settings map with every string still holding `${` replaced by undefined. */
function withoutReferences(value: unknown): unknown {
  if (typeof value === 'string') return hasReference(value) ? undefined : value;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutReferences(v)]));
  }
  return value;
}

function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const id = `${p.line}:${p.column}:${p.path}:${p.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function dotted(keys: readonly (string | number)[]): string {
  return keys.join('.');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
