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
      const raw = f as unknown as { dim?: string | number; nullable?: boolean; default_value?: unknown };
      return {
        name: f.name,
        dataType: String(f.data_type),
        isPrimaryKey: Boolean(f.is_primary_key),
        autoID: Boolean(f.autoID),
        isPartitionKey: Boolean(f.is_partition_key),
        dim: raw.dim !== undefined && raw.dim !== '' ? Number(raw.dim) : undefined,
        optional: Boolean(raw.nullable) || (raw.default_value !== undefined && raw.default_value !== null),
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
 * is. Checks names, presence and vector sizes; value types are left to the SDK and Milvus.
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
    const problem = vectorProblem(f, row[key]);
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
