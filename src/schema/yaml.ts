import { LineCounter, parseDocument, stringify, type Document } from 'yaml';
import * as z from 'zod';
import { InvalidInputError, type Problem } from '../errors.js';
import { lineAndColumn, offsetOf, type YamlPath } from '../util/yaml-issues.js';
import type { CollectionSchema, DatabaseSchema } from './model.js';
import { normaliseSchema } from './normalise.js';

/** First line of every snapshot file. */
export const SNAPSHOT_HEADER =
  '# Schema written by `milvus-migrate snapshot`: stable order, no ids or timestamps. Compare with `milvus-migrate diff --against`.\n';

/**
 * The snapshot text of a schema: normalised, then serialised with fixed options, so the same
 * schema always gives the same bytes.
 */
export function schemaToYaml(schema: DatabaseSchema, header: string = SNAPSHOT_HEADER): string {
  return header + stringify(normaliseSchema(schema), { lineWidth: 0, indent: 2, sortMapEntries: false, aliasDuplicateObjects: false });
}

/** Partitions Milvus 2.3 creates for a partition-key collection when none are listed (its default `num_partitions`). */
export const DEFAULT_KEY_PARTITIONS = 16;

const str = z.string();
const field = z
  .object({
    name: str,
    /** Hand-written only: the field's name before this schema (the generator keeps its data). */
    renamed_from: str.optional(),
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
    /** Hand-written only: the collection's name before this schema. */
    renamed_from: str.optional(),
    description: str.optional(),
    enable_dynamic_field: z.literal(true).optional(),
    consistency_level: str.default('Bounded'),
    fields: z.array(field),
    partitions: z.array(str).optional(),
    indexes: z
      .record(str, z.object({ field_name: str, index_type: str, metric_type: str.optional(), params: scalarMap.optional() }).strict())
      .default({}),
    properties: scalarMap.optional(),
    load_state: z.enum(['loaded', 'released']).optional(),
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

/** Renames a hand-written schema states (`renamed_from:`): never guessed from what appeared and disappeared. */
export interface SchemaRenames {
  /** new collection name → old name */
  readonly collections: Readonly<Record<string, string>>;
  /** collection (new name) → new field name → old field name */
  readonly fields: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A schema file as read: the schema, the renames it states, and where each key is (for later checks). */
export interface SchemaDocument {
  readonly schema: DatabaseSchema;
  readonly renames: SchemaRenames;
  /** A problem at `path` (e.g. `['collections', 'docs', 'fields', 2, 'dim']`) with its line and column. */
  problemAt(path: YamlPath, message: string): Problem;
}

/**
 * Parses a schema file: what `snapshot` writes, or one written by hand (docs/schema-yaml.md), with
 * its defaults filled in (`consistency_level: Bounded`, `indexes: {}`, partitions `_default` or a
 * partition key's own, `load_state: loaded` with an index, else `released`). A file that is not
 * one is {@link InvalidInputError} naming the file, line and key of every problem.
 */
export function readSchemaDocument(text: string, file: string): SchemaDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problemAt = (path: YamlPath, message: string): Problem => ({
    file,
    ...lineAndColumn(lineCounter, offsetOf(doc as Document, path)),
    ...(path.length ? { path: path.join('.') } : {}),
    message,
  });
  if (doc.errors.length) {
    throw new InvalidInputError(
      `${file} is not valid YAML`,
      doc.errors.map((err) => {
        const pos = err.linePos?.[0];
        return { file, ...(pos ? { line: pos.line, column: pos.col } : {}), message: err.message.split('\n')[0]! };
      }),
    );
  }
  const res = snapshot.safeParse(doc.toJS() ?? {});
  if (!res.success) {
    const problems = res.error.issues.flatMap((i) => {
      const path = i.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => problemAt([...path, k], `unknown key ${JSON.stringify(k)}`));
      const missing = i.code === 'invalid_type' && /received undefined/.test(i.message);
      return [problemAt(path, missing ? `is required` : i.message)];
    });
    throw new InvalidInputError(`${file} is not a valid schema file`, problems, {
      hint: 'Write one with `milvus-migrate snapshot`; every key is described in docs/schema-yaml.md.',
    });
  }
  const renames = { collections: {} as Record<string, string>, fields: {} as Record<string, Record<string, string>> };
  const collections: Record<string, CollectionSchema> = {};
  for (const [name, c] of Object.entries(res.data.collections)) {
    const { renamed_from, partitions, load_state, ...rest } = c;
    if (renamed_from !== undefined) renames.collections[name] = renamed_from;
    const fields = rest.fields.map(({ renamed_from: old, ...f }) => {
      if (old !== undefined) (renames.fields[name] ??= {})[f.name] = old;
      return f;
    });
    const keyed = fields.some((f) => f.is_partition_key);
    collections[name] = {
      ...rest,
      fields,
      partitions: partitions ?? (keyed ? Array.from({ length: DEFAULT_KEY_PARTITIONS }, (_, i) => `_default_${i}`) : ['_default']),
      load_state: load_state ?? (Object.keys(rest.indexes).length ? 'loaded' : 'released'),
    };
  }
  return { schema: normaliseSchema({ collections, aliases: res.data.aliases }), renames, problemAt };
}

/** Parses a schema file (see {@link readSchemaDocument}) for comparing: the renames it states are left out. */
export function schemaFromYaml(text: string, file: string): DatabaseSchema {
  return readSchemaDocument(text, file).schema;
}
