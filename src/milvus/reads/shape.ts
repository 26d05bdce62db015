/**
 * What the data steps need to know about a collection's schema, and checks of rows against it,
 * so a bad row is reported with its file and line before anything is written (the SDK would
 * only say "some field does not exist for this collection in line 0" of some batch).
 */
import { MilvusCallError } from '../../errors.js';
import type { Milvus } from '../client.js';
import { describeCollection } from './lookups.js';
import { qualified } from './names.js';
import type { PkField, PkKind } from './keys.js';

/** A row as written in a migration or a data file, or read back from Milvus: field name → value. */
export type Row = Record<string, unknown>;

/** One field of a collection, as the data steps see it. */
export interface FieldShape {
  readonly name: string;
  readonly dataType: string;
  readonly isPrimaryKey: boolean;
  readonly autoID: boolean;
  readonly isPartitionKey: boolean;
  /** Vector dimension, for vector fields. */
  readonly dim: number | undefined;
  /** Rows may leave it out: nullable or with a default value (Milvus 2.4+; never on 2.3). */
  readonly optional: boolean;
  /** A VarChar's max_length. */
  readonly maxLength?: number | undefined;
}

/** A collection's schema, as the data steps see it (from `describeCollection`). */
export interface CollectionShape {
  /** `collection` or `db.collection`, for messages. */
  readonly label: string;
  readonly fields: readonly FieldShape[];
  readonly byName: ReadonlyMap<string, FieldShape>;
  readonly dynamic: boolean;
  readonly pk: PkField;
  readonly partitionKey: boolean;
}

/** Key of the dynamic field in query results and in rows read back from Milvus. */
export const DYNAMIC_FIELD = '$meta';

const VECTOR_TYPES = new Set(['FloatVector', 'BinaryVector', 'Float16Vector', 'BFloat16Vector', 'SparseFloatVector', 'Int8Vector']);

/** Whether a field holds vectors (dense or sparse). */
export function isVector(f: FieldShape): boolean {
  return VECTOR_TYPES.has(f.dataType);
}

/** Reads a collection's schema as a {@link CollectionShape}. */
export async function collectionShape(
  milvus: Milvus,
  t: { collection_name: string; db_name?: string | undefined },
): Promise<CollectionShape> {
  const desc = await describeCollection(milvus, t);
  const fields: FieldShape[] = desc.schema.fields
    // Function outputs (2.5+, e.g. BM25 sparse vectors) are computed by Milvus, never written.
    .filter((f) => !(f as { is_function_output?: boolean }).is_function_output)
    .map((f) => {
      const raw = f as unknown as { dim?: string | number; max_length?: string | number; nullable?: boolean; default_value?: unknown };
      return {
        name: f.name,
        dataType: String(f.data_type),
        isPrimaryKey: Boolean(f.is_primary_key),
        autoID: Boolean(f.autoID),
        isPartitionKey: Boolean(f.is_partition_key),
        dim: raw.dim !== undefined && raw.dim !== '' ? Number(raw.dim) : undefined,
        optional: Boolean(raw.nullable) || (raw.default_value !== undefined && raw.default_value !== null),
        maxLength: raw.max_length !== undefined && raw.max_length !== '' ? Number(raw.max_length) : undefined,
      };
    });
  const pkField = fields.find((f) => f.isPrimaryKey);
  if (!pkField) throw new MilvusCallError('describeCollection', `collection ${qualified(t)} has no primary key field`);
  const kind: PkKind = pkField.dataType === 'VarChar' ? 'VarChar' : 'Int64';
  return {
    label: qualified(t),
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    dynamic: Boolean(desc.schema.enable_dynamic_field),
    pk: { name: pkField.name, kind, autoID: pkField.autoID },
    partitionKey: fields.some((f) => f.isPartitionKey),
  };
}

/**
 * What is wrong with a row for writing into a collection, in words; `undefined` when nothing
 * is. Checks names, presence, vector sizes and scalar value types (the SDK sends a string given
 * for an Int64 or a number given for a VarChar without a word, and Milvus stores what it gets).
 */
export function rowProblem(row: Row, shape: CollectionShape, mode: 'insert' | 'upsert'): string | undefined {
  for (const key of Object.keys(row)) {
    const f = shape.byName.get(key);
    if (!f) {
      if (shape.dynamic) continue;
      return `unknown field ${JSON.stringify(key)}: ${shape.label} has ${shape.fields.map((x) => x.name).join(', ')} (and no dynamic field)`;
    }
    if (f.isPrimaryKey && f.autoID && mode === 'insert') {
      return `field ${JSON.stringify(key)} is the primary key and Milvus generates it (autoID): leave it out`;
    }
    const problem = vectorProblem(f, row[key]) ?? scalarProblem(f, row[key]);
    if (problem) return problem;
  }
  for (const f of shape.fields) {
    if (f.name in row || f.optional) continue;
    if (f.isPrimaryKey && f.autoID && mode === 'insert') continue;
    return `missing field ${JSON.stringify(f.name)} (${f.dataType})`;
  }
  return undefined;
}

function vectorProblem(f: FieldShape, value: unknown): string | undefined {
  if (f.dim === undefined || (f.dataType !== 'FloatVector' && f.dataType !== 'BinaryVector')) return undefined;
  const want = f.dataType === 'BinaryVector' ? f.dim / 8 : f.dim;
  if (!Array.isArray(value)) return `field ${JSON.stringify(f.name)} (${f.dataType}, dim ${f.dim}) needs a list of ${want} numbers`;
  if (value.length !== want) {
    return `field ${JSON.stringify(f.name)} (${f.dataType}, dim ${f.dim}) needs ${want} ${f.dataType === 'BinaryVector' ? 'bytes' : 'numbers'}, got ${value.length}`;
  }
  return undefined;
}

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  Int8: [-128, 127],
  Int16: [-32_768, 32_767],
  Int32: [-2_147_483_648, 2_147_483_647],
};

/** A scalar value of the wrong type (an Int64 may be a string of digits: larger than a JSON number holds exactly). */
function scalarProblem(f: FieldShape, value: unknown): string | undefined {
  if (value === null && f.optional) return undefined;
  const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : `${typeof value} ${JSON.stringify(value)}`;
  const wrong = (want: string) => `field ${JSON.stringify(f.name)} (${f.dataType}) needs ${want}, got ${got}`;
  const range = INT_RANGES[f.dataType];
  if (range) {
    if (!Number.isInteger(value) || (value as number) < range[0] || (value as number) > range[1])
      return wrong(`a whole number from ${range[0]} to ${range[1]}`);
  } else if (f.dataType === 'Int64') {
    if (!Number.isInteger(value) && !(typeof value === 'string' && /^-?\d+$/.test(value))) return wrong('a whole number');
    // YAML, JSON and JavaScript numbers are doubles: past 2^53 the digits written may not be the value read.
    if (typeof value === 'number' && !Number.isSafeInteger(value))
      return `field ${JSON.stringify(f.name)} (Int64) got ${value}, beyond 2^53 - 1 (9007199254740991), where numbers (YAML, JSON, JavaScript) are not exact: write it as a string of digits, e.g. "${BigInt(value)}"`;
  } else if (f.dataType === 'Float' || f.dataType === 'Double') {
    if (typeof value !== 'number') return wrong('a number');
  } else if (f.dataType === 'Bool') {
    if (typeof value !== 'boolean') return wrong('true or false');
  } else if (f.dataType === 'VarChar') {
    if (typeof value !== 'string') return wrong('a string');
    // Characters, never more than the bytes Milvus 2.3 counts: a longer string is refused whichever it counts.
    if (f.maxLength !== undefined && [...value].length > f.maxLength)
      return `field ${JSON.stringify(f.name)} (VarChar, max_length ${f.maxLength}) holds at most ${f.maxLength} characters, got ${[...value].length}`;
  } else if (f.dataType === 'Array') {
    if (!Array.isArray(value)) return wrong('a list');
  }
  return undefined;
}
