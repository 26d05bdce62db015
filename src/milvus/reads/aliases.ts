import { MilvusCallError } from '../../errors.js';
import type { Milvus } from '../client.js';

/** Milvus' codes (2.3 and newer) for "alias not found" and "database not found". */
const ALIAS_NOT_FOUND = 1600;
const DATABASE_NOT_FOUND = 800;

/**
 * The collection an alias points at now, or `undefined` when there is no such alias (or no such
 * database yet, e.g. in a plan whose earlier step creates it).
 *
 * The database is always named in the request: Milvus 2.3.5 answers DescribeAlias from the
 * `default` database when `db_name` is empty, whatever database the connection uses (CreateAlias,
 * AlterAlias and DropAlias do honour the connection's database).
 */
export async function aliasTarget(milvus: Milvus, p: { alias: string; db_name?: string | undefined }): Promise<string | undefined> {
  try {
    const res = await milvus.call('describeAlias', {
      alias: p.alias,
      // The SDK (2.6.17) insists on a collection name here although DescribeAlias has no such field.
      collection_name: p.alias,
      db_name: p.db_name ?? milvus.database,
    });
    return res.collection || undefined;
  } catch (err) {
    if (
      err instanceof MilvusCallError &&
      (err.code === ALIAS_NOT_FOUND || err.code === DATABASE_NOT_FOUND || /(alias|database) not (found|exist)/i.test(err.reason))
    ) {
      return undefined;
    }
    throw err;
  }
}
