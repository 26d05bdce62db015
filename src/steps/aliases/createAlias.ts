import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import type { Milvus } from '../../milvus/client.js';
import { collectionTarget, dbOf, milvusName, qualified } from '../params.js';
import { collectionExists } from '../lookups.js';
import { callOf, defineStep, type InverseResult } from '../types.js';
import { dropAlias } from './dropAlias.js';

/** Shape shared by the alias steps: the alias, the collection it (will) point at, the database. */
export const aliasParams = z.object({ alias: milvusName, ...collectionTarget }).strict();

/** Milvus' codes (2.3 and newer) for "alias not found" and "database not found". */
const ALIAS_NOT_FOUND = 1600;
const DATABASE_NOT_FOUND = 800;

/** `alias` or `db.alias`, for messages. */
export function qualifiedAlias(p: { alias: string; db_name?: string | undefined }): string {
  return p.db_name ? `${p.db_name}.${p.alias}` : p.alias;
}

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
    if (err instanceof MilvusCallError && (err.code === ALIAS_NOT_FOUND || err.code === DATABASE_NOT_FOUND || /(alias|database) not (found|exist)/i.test(err.reason))) {
      return undefined;
    }
    throw err;
  }
}

/**
 * Creates an alias for a collection. Milvus (2.3) answers success when the alias already points
 * at that collection; such an alias predates the migration, so the step records that it did
 * nothing and its inverse leaves the alias alone.
 */
export const createAlias = defineStep({
  name: 'createAlias',
  params: aliasParams,
  destructive: false,
  describe: (p) => `create alias ${p.alias} for collection ${qualified(p)}`,
  async facts(milvus, p) {
    const target = await aliasTarget(milvus, p);
    if (target === p.collection_name) return ['already points at this collection: no-op'];
    if (target) return [`already points at ${target}: the step will fail (use alterAlias to move it)`];
    return (await collectionExists(milvus, p)) ? [] : [`collection ${qualified(p)} does not exist yet`];
  },
  async run(ctx, p) {
    // A resumed step may have created it before the previous run stopped: then it is ours to undo.
    if (!ctx.resumed && (await aliasTarget(ctx.milvus, p)) === p.collection_name) return { skipped: true };
    await ctx.milvus.call('createAlias', { alias: p.alias, collection_name: p.collection_name, ...dbOf(p) });
  },
  inverse(p, recorded): InverseResult {
    if (recorded?.skipped) return { steps: [] };
    return { steps: [callOf(dropAlias, { alias: p.alias, collection_name: p.collection_name, ...dbOf(p) })] };
  },
});

/** Error for an alias step whose alias is missing. */
export function aliasMissing(step: string, p: { alias: string; db_name?: string | undefined }, hint: string): MilvusCallError {
  return new MilvusCallError(step, `alias ${qualifiedAlias(p)} does not exist`, undefined, { hint });
}

