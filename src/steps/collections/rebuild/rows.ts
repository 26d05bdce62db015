/**
 * How an old row becomes a new one in a rebuild: renamed, dropped and filled fields, dynamic
 * keys, then the user's transform (a module beside the migration, loaded like code migrations).
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MigrateError, errorMessage } from '../../../errors.js';
import { DYNAMIC_FIELD, rowProblem, type CollectionShape, type Row } from '../../../milvus/reads/shape.js';
import { importModule } from '../../../util/dynamic-import.js';
import type { TargetPlan } from './target.js';

/** A user's transform: the new row, or null to leave the row out. */
export type Transform = (row: Row) => Row | null | undefined | Promise<Row | null | undefined>;

/** Loads `file` (relative to the migration's folder); throws a message naming what is wrong. */
export async function loadTransform(file: string, migrationDir: string): Promise<Transform> {
  const path = resolve(migrationDir, file);
  try {
    await access(path);
  } catch {
    throw new MigrateError('invalid-input', `transform ${file} not found (looked for ${path})`);
  }
  let mod: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(path)) {
      const { tsImport } = await importModule<typeof import('tsx/esm/api')>('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = await importModule<Record<string, unknown>>(pathToFileURL(path).href);
    }
  } catch (err) {
    throw new MigrateError('invalid-input', `transform ${file} cannot be loaded: ${errorMessage(err).split('\n')[0]}`);
  }
  // tsx may wrap a CommonJS-style default export once more.
  let fn = mod.transform ?? mod.default;
  if (fn && typeof fn === 'object' && typeof (fn as Record<string, unknown>).default === 'function')
    fn = (fn as Record<string, unknown>).default;
  if (typeof fn !== 'function')
    throw new MigrateError(
      'invalid-input',
      `transform ${file} must export a function row => row | null (as its default export or as transform)`,
    );
  return fn as Transform;
}

/** Turns old rows into new ones; `null` for a row the transform leaves out. */
export type Converter = (row: Row) => Promise<Row | null>;

/**
 * The converter of a rebuild. A transform that throws, or returns something that is not a row,
 * fails the copy naming the row's key (nothing is cut over then).
 */
export function converter(
  plan: TargetPlan,
  from: CollectionShape,
  to: CollectionShape,
  transform: Transform | undefined,
  opts: { dropKey: boolean; file?: string | undefined },
): Converter {
  const targetFields = new Set(to.fields.map((f) => f.name));
  return async (row) => {
    const out: Row = {};
    for (const [oldName, newName] of plan.renames) if (oldName in row) out[newName] = row[oldName];
    const meta = row[DYNAMIC_FIELD];
    if (meta && typeof meta === 'object') {
      // A dynamic key that became a field, or stays dynamic when the new collection has a dynamic field.
      for (const [k, v] of Object.entries(meta as Row)) if (!(k in out) && (targetFields.has(k) || to.dynamic)) out[k] = v;
    }
    for (const [name, value] of plan.fills) if (!(name in out)) out[name] = value;
    let result: Row | null = out;
    if (transform) {
      const key = `${from.pk.name} ${String(row[from.pk.name])}`;
      let given: unknown;
      try {
        given = await transform(out);
      } catch (err) {
        throw new MigrateError(
          'migration-failed',
          `transform ${opts.file} failed on the row with ${key}: ${errorMessage(err)}; nothing was cut over`,
        );
      }
      if (given === null || given === undefined) result = null;
      else if (typeof given !== 'object' || Array.isArray(given)) {
        const what = Array.isArray(given) ? 'a list' : typeof given;
        throw new MigrateError(
          'migration-failed',
          `transform ${opts.file} returned ${what} for the row with ${key}, not a row (or null); nothing was cut over`,
        );
      } else result = given as Row;
    }
    if (result && opts.dropKey) {
      result = { ...result };
      delete result[to.pk.name];
    }
    // A row that does not fit would fail the whole batch with Milvus' word only ("line 0"): name it.
    const problem = result && transform ? rowProblem(result, to, 'insert') : undefined;
    if (problem) {
      throw new MigrateError(
        'migration-failed',
        `transform ${opts.file} returned a row that does not fit ${to.label} for the row with ${from.pk.name} ${String(row[from.pk.name])}: ${problem}; nothing was cut over`,
      );
    }
    return result;
  };
}
