import { collectionExists } from '../../milvus/reads/lookups.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { defineStep, oneCollection, callOf, type InverseResult } from '../types.js';
import { aliasTarget } from '../../milvus/reads/aliases.js';
import { aliasMissing, aliasParams, pointAlias, qualifiedAlias } from './createAlias.js';
import { needCollection } from '../expect.js';
import { databaseOf } from '../../schema/plan-model.js';

/**
 * Points an existing alias at another collection, in one step (readers of the alias switch at
 * once: the blue/green switch). Records where the alias pointed before, so that its inverse
 * points it back there.
 */
export const alterAlias = defineStep({
  name: 'alterAlias',
  params: aliasParams,
  destructive: false,
  touches: (p) => ({ ...oneCollection(p), aliases: [{ name: p.alias, db_name: p.db_name }] }),
  describe: (p) => `point alias ${qualifiedAlias(p)} at collection ${p.collection_name}`,
  expect({ model }, p) {
    const { problems } = needCollection(model, p);
    const db = databaseOf(model, p.db_name);
    if (db && !model.uncertain && !(p.alias in db.aliases))
      problems.push(`alias ${qualifiedAlias(p)} does not exist at this point of the plan (use createAlias)`);
    return problems;
  },
  effect: (model, p) => pointAlias(model, p),
  async facts(milvus, p) {
    const target = await aliasTarget(milvus, p);
    if (!target) return ['alias does not exist: the step will fail (use createAlias)'];
    const facts = [target === p.collection_name ? 'already points at this collection: no-op' : `points at ${target} now`];
    if (!(await collectionExists(milvus, p))) facts.push(`collection ${qualified(p)} does not exist yet`);
    return facts;
  },
  async run(ctx, p) {
    // A resumed step may have moved the alias already: what it pointed at before is in the
    // checkpoint saved below, not in Milvus.
    const saved = ctx.resumed ? (ctx.previous?.previous_collection as string | undefined) : undefined;
    const before = saved ?? (await aliasTarget(ctx.milvus, p));
    if (!before) throw aliasMissing('alterAlias', p, 'use createAlias to create it');
    if (before === p.collection_name && !saved) return { skipped: true, previous_collection: before };
    // Saved before the change: a run killed right after the alter still knows where to point back.
    if (!saved) await ctx.checkpoint({ previous_collection: before });
    await ctx.milvus.call('alterAlias', { alias: p.alias, collection_name: p.collection_name, ...dbOf(p) });
    return { previous_collection: before };
  },
  inverse(p, recorded): InverseResult {
    if (recorded?.skipped) return { steps: [] };
    const previous = recorded?.previous_collection;
    if (typeof previous !== 'string') return { irreversible: `where alias ${qualifiedAlias(p)} pointed before was not recorded` };
    return { steps: [callOf(alterAlias, { alias: p.alias, collection_name: previous, ...dbOf(p) })] };
  },
});
