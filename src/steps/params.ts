import * as z from 'zod';

/**
 * Shared param schemas. Names follow Milvus' rules (2.3 and newer): a letter or underscore
 * first, then letters, digits and underscores, at most 255 characters.
 */
export const MILVUS_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_NAME_LENGTH = 255;

export const milvusName = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a string, got ${typeOf(iss.input)}`) })
  .refine((s) => s.length > 0 && s.length <= MAX_NAME_LENGTH && MILVUS_NAME_PATTERN.test(s), {
    error: (iss) =>
      `invalid Milvus name ${JSON.stringify(iss.input)}: use letters, digits and underscores, starting with a letter or underscore (at most ${MAX_NAME_LENGTH} characters)`,
  });

/** `db_name`: any step can target another database; the state stays in the configured one. */
export const dbName = milvusName.optional();

export const flag = z.boolean({ error: (iss) => `must be true or false, got ${typeOf(iss.input)}` }).optional();

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Shape shared by steps that act on one collection. */
export const collectionTarget = {
  collection_name: milvusName,
  db_name: dbName,
};
