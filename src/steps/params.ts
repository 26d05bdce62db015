import * as z from 'zod';
import { isValidMilvusName, MILVUS_NAME_MAX_LENGTH } from '../config/names.js';

/**
 * Shared param schemas. Names follow Milvus' rules (2.3 and newer): a letter or underscore
 * first, then letters, digits and underscores, at most 255 characters.
 */
export const milvusName = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a string, got ${typeOf(iss.input)}`) })
  .refine(isValidMilvusName, {
    error: (iss) =>
      `invalid Milvus name ${JSON.stringify(iss.input)}: use letters, digits and underscores, starting with a letter or underscore (at most ${MILVUS_NAME_MAX_LENGTH} characters)`,
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
