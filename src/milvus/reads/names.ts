/** How reads name a collection: in SDK requests (`db_name` only when given) and in messages. */

/** `db_name` if given, for SDK requests. */
export function dbOf(params: { db_name?: string | undefined }): { db_name?: string } {
  return params.db_name ? { db_name: params.db_name } : {};
}

/** `collection` or `db.collection`, for messages. */
export function qualified(params: { collection_name: string; db_name?: string | undefined }): string {
  return params.db_name ? `${params.db_name}.${params.collection_name}` : params.collection_name;
}
