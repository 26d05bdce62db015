import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import { aliasTarget } from '../../milvus/reads/aliases.js';
import { collectionExists } from '../../milvus/reads/lookups.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { needCollection } from '../expect.js';
import { databaseOf, nameTaken, resolvedName, type SchemaModel } from '../../schema/plan-model.js';
import { dropAlias } from './dropAlias.js';

/** Shape shared by the alias steps: the alias, the collection it (will) point at, the database. */
export const aliasParams = z.object({ alias: milvusName, ...collectionTarget }).strict();

/** `alias` or `db.alias`, for messages. */
export function qualifiedAlias(p: { alias: string; db_name?: string | undefined }): string {
  return p.db_name ? `${p.db_name}.${p.alias}` : p.alias;
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
  touches: (p) => ({ ...oneCollection(p), aliases: [{ name: p.alias, db_name: p.db_name }] }),
  describe: (p) => `create alias ${p.alias} for collection ${qualified(p)}`,
  expect({ model }, p) {
    const { problems } = needCollection(model, p);
    const target = databaseOf(model, p.db_name)?.aliases[p.alias];
    if (target !== undefined && target !== p.collection_name)
      problems.push(`alias ${qualifiedAlias(p)} already points at ${target} at this point of the plan (use alterAlias to move it)`);
    if (target === undefined && nameTaken(model, p.db_name, p.alias) === 'collection')
      problems.push(`${qualifiedAlias(p)} is a collection: an alias cannot take its name`);
    return problems;
  },
  effect: (model, p) => pointAlias(model, p),
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

/** The effect of createAlias and alterAlias: the alias points at the collection (an alias given as the collection: at its target). */
export function pointAlias(model: SchemaModel, p: { alias: string; collection_name: string; db_name?: string | undefined }): void {
  const db = databaseOf(model, p.db_name);
  if (db) db.aliases[p.alias] = resolvedName(model, p);
}

/** Error for an alias step whose alias is missing. */
export function aliasMissing(step: string, p: { alias: string; db_name?: string | undefined }, hint: string): MilvusCallError {
  return new MilvusCallError(step, `alias ${qualifiedAlias(p)} does not exist`, undefined, { hint });
}
