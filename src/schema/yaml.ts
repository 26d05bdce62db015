import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { InvalidInputError } from '../errors.js';
import type { DatabaseSchema } from './model.js';
import { normaliseSchema } from './normalise.js';

/** First line of every snapshot file. */
export const SNAPSHOT_HEADER =
  '# Schema written by `milvus-migrate snapshot`: stable order, no ids or timestamps. Compare with `milvus-migrate diff --against`.\n';

/**
 * The snapshot text of a schema: normalised, then serialised with fixed options, so the same
 * schema always gives the same bytes.
 */
export function schemaToYaml(schema: DatabaseSchema): string {
  return (
    SNAPSHOT_HEADER + stringify(normaliseSchema(schema), { lineWidth: 0, indent: 2, sortMapEntries: false, aliasDuplicateObjects: false })
  );
}

const str = z.string();
const field = z
  .object({
    name: str,
    data_type: str,
    is_primary_key: z.literal(true).optional(),
    autoID: z.literal(true).optional(),
    dim: z.number().optional(),
    max_length: z.number().optional(),
    element_type: str.optional(),
    max_capacity: z.number().optional(),
    nullable: z.literal(true).optional(),
    default_value: z.union([str, z.number(), z.boolean()]).optional(),
    is_partition_key: z.literal(true).optional(),
    description: str.optional(),
  })
  .strict();
const scalarMap = z.record(str, z.union([str, z.number(), z.boolean()]).transform(String));
const collection = z
  .object({
    description: str.optional(),
    enable_dynamic_field: z.literal(true).optional(),
    consistency_level: str,
    fields: z.array(field),
    partitions: z.array(str),
    indexes: z.record(
      str,
      z.object({ field_name: str, index_type: str, metric_type: str.optional(), params: scalarMap.optional() }).strict(),
    ),
    properties: scalarMap.optional(),
    load_state: z.enum(['loaded', 'released']),
  })
  .strict();
const snapshot = z
  .object({
    collections: z
      .record(str, collection)
      .nullish()
      .transform((c) => c ?? {}),
    aliases: z
      .record(str, str)
      .nullish()
      .transform((a) => a ?? {}),
  })
  .strict();

/** Parses a snapshot file; a file that is not one is {@link InvalidInputError} naming the file and the key. */
export function schemaFromYaml(text: string, file: string): DatabaseSchema {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new InvalidInputError(`${file} is not valid YAML`, [{ file, message: (err as Error).message.split('\n')[0]! }]);
  }
  const res = snapshot.safeParse(doc);
  if (!res.success) {
    throw new InvalidInputError(
      `${file} is not a milvus-migrate snapshot`,
      res.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message })),
      { hint: 'Write it with `milvus-migrate snapshot`.' },
    );
  }
  return normaliseSchema(res.data as DatabaseSchema);
}
