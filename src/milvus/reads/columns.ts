/**
 * Every row of a collection read column by column, as Milvus answers a query: for a reader that
 * looks at each value once (the verification hashing the new collection), the SDK's query builds
 * an object per row and an array per vector, which on Embedded Milvus 2.3.5 cost more client CPU
 * than the gRPC decoding itself (40% of it for 128-dim vectors). Only fields whose values come
 * back as plain lists are read this way; see {@link readsAsColumns}.
 */
import type { Milvus, RawFieldData } from '../client.js';
import { andFilter, maxPk, pkLiteral, type PkKind, type PkValue } from './keys.js';
import type { ReadTarget } from './paging.js';
import { DYNAMIC_FIELD, type CollectionShape } from './shape.js';

/** One page: its row count, its keys in the order of its rows, and a value getter per field. */
export interface ColumnPage {
  readonly count: number;
  readonly keys: readonly PkValue[];
  /** The values of a field, row by row (`undefined` for a field the answer lacks). */
  column(name: string): Column | undefined;
}

/** A column's value for row `i`: what the SDK's row would hold, except a float vector, which is its float32 bytes. */
export type Column = (i: number) => unknown;

/** Where each scalar type's values are in an answer's `scalars`. */
const SCALAR_DATA: Readonly<Record<string, string>> = {
  Bool: 'bool_data',
  Int8: 'int_data',
  Int16: 'int_data',
  Int32: 'int_data',
  Int64: 'long_data',
  Float: 'float_data',
  Double: 'double_data',
  VarChar: 'string_data',
};

/**
 * Whether `shape`'s rows can be read as columns: every field of a type whose values Milvus sends
 * as plain lists (numbers, booleans, strings, float vectors), none that may be null (their
 * values would need `valid_data`), and no dynamic field (its values are JSON to parse).
 */
export function readsAsColumns(shape: CollectionShape): boolean {
  if (shape.dynamic) return false;
  return shape.fields.every((f) => f.name !== DYNAMIC_FIELD && !f.optional && (f.dataType in SCALAR_DATA || f.dataType === 'FloatVector'));
}

/** The getter of one column of an answer. Throws for a column of another shape than expected (never a silent undefined). */
function columnOf(f: RawFieldData, count: number): Column {
  if (f.type === 'FloatVector') {
    const data = f.vectors?.float_vector?.data ?? [];
    const dim = Number(f.vectors?.dim ?? 0);
    if (!dim || data.length !== dim * count)
      throw new Error(`query answered ${data.length} floats for ${count} rows of ${f.field_name} (dim ${dim})`);
    // One float32 array for the page; a row's bytes are a view into it (nothing copied per row).
    const bytes = new Uint8Array(Float32Array.from(data).buffer);
    const width = dim * 4;
    return (i) => bytes.subarray(i * width, (i + 1) * width);
  }
  const key = SCALAR_DATA[f.type];
  const held = key ? f.scalars?.[key] : undefined;
  const values = typeof held === 'object' ? (held.data ?? []) : undefined;
  if (!values || values.length !== count)
    throw new Error(`query answered ${values?.length ?? 'no'} values for ${count} rows of ${f.field_name} (${f.type})`);
  return (i) => values[i];
}

/** A page from an answer's columns; `pk` names the key column. */
export function columnPage(fields: readonly RawFieldData[], pk: string): ColumnPage {
  const key = fields.find((f) => f.field_name === pk);
  // No rows: Milvus may answer no columns at all.
  const count = key ? columnLength(key) : 0;
  if (count === 0) return { count: 0, keys: [], column: () => undefined };
  const columns = new Map(fields.map((f) => [f.field_name, columnOf(f, count)]));
  const keyColumn = columns.get(pk)!;
  return {
    count,
    keys: Array.from({ length: count }, (_, i) => keyColumn(i) as PkValue),
    column: (name) => columns.get(name),
  };
}

function columnLength(f: RawFieldData): number {
  const key = SCALAR_DATA[f.type];
  const held = key ? f.scalars?.[key] : undefined;
  return typeof held === 'object' ? (held.data?.length ?? 0) : 0;
}

/**
 * Every row of `t`, `size` a page in primary-key order, as {@link ColumnPage}s. Pages are not
 * checked for skipped keys (as `pages(..., checked = false)`): for a reader that detects a
 * skipped row by itself, e.g. by a digest.
 */
export async function* columnPages(
  milvus: Pick<Milvus, 'queryColumns'>,
  t: ReadTarget,
  pk: { name: string; kind: PkKind },
  size: number,
  /** Fields to read (default every one); the primary key is always among them. */
  outputFields: readonly string[] = ['*'],
): AsyncGenerator<ColumnPage> {
  let last: PkValue | undefined;
  for (;;) {
    const res = await milvus.queryColumns({
      ...t,
      filter: andFilter(undefined, last === undefined ? undefined : `${pk.name} > ${pkLiteral(pk.kind, last)}`),
      output_fields: outputFields,
      limit: size,
      consistency_level: 'Bounded',
    });
    const page = columnPage(res.fields_data, pk.name);
    if (page.count === 0) return;
    yield page;
    if (page.count < size) return;
    last = maxPk(pk.kind, page.keys);
  }
}
