/**
 * Milvus' rule for names (collections, databases, partitions, fields, aliases, indexes), in one
 * place: the config's `stateCollection` and `database`, and every step's name params, check it.
 */

/** Milvus' rule for collection and database names (`proxy.maxNameLength` defaults to 255). */
export const MILVUS_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MILVUS_NAME_MAX_LENGTH = 255;

/** True when `name` is accepted by Milvus as a collection or database name. */
export function isValidMilvusName(name: string): boolean {
  return name.length <= MILVUS_NAME_MAX_LENGTH && MILVUS_NAME_PATTERN.test(name);
}

/** What a valid name looks like, for messages. */
export const MILVUS_NAME_RULE = 'a letter or underscore, then letters, digits or underscores, at most 255 characters';
