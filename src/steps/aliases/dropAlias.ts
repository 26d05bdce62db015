import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import { dbOf } from '../../milvus/reads/names.js';
import { dbName, flag, milvusName } from '../params.js';
import { defineStep, callOf, type InverseResult } from '../types.js';
import { aliasTarget } from '../../milvus/reads/aliases.js';
import { aliasMissing, qualifiedAlias, createAlias } from './createAlias.js';
import { databaseOf } from '../../schema/plan-model.js';
import { skippable } from '../expect.js';

const params = z
  .object({
    alias: milvusName,
    /** Optional guard: the collection the alias must point at for the drop to go ahead. */
    collection_name: milvusName.optional(),
    db_name: dbName,
    /** Skip quietly when the alias does not exist. */
    if_exists: flag,
  })
  .strict();

/**
 * Drops an alias (the collection and its data stay). Milvus 2.3 answers success to dropping an
 * alias that does not exist, so the step checks itself. Records the collection the alias pointed
 * at, so that its inverse creates the alias again.
 */
export const dropAlias = defineStep({
  name: 'dropAlias',
  params,
  destructive: false,
  touches: (p) => ({
    collections: p.collection_name ? [{ name: p.collection_name, db_name: p.db_name }] : [],
    aliases: [{ name: p.alias, db_name: p.db_name }],
  }),
  describe: (p) => `drop alias ${qualifiedAlias(p)}${p.collection_name ? ` of collection ${p.collection_name}` : ''}`,
  expect({ model }, p) {
    const target = databaseOf(model, p.db_name)?.aliases[p.alias];
    if (target === undefined)
      return p.if_exists || model.uncertain
        ? []
        : skippable([`alias ${qualifiedAlias(p)} does not exist at this point of the plan`], 'alias');
    return p.collection_name && target !== p.collection_name
      ? [`alias ${qualifiedAlias(p)} points at ${target}, not at ${p.collection_name}, at this point of the plan`]
      : [];
  },
  effect(model, p) {
    const db = databaseOf(model, p.db_name);
    if (db) delete db.aliases[p.alias];
  },
  async facts(milvus, p) {
    const target = await aliasTarget(milvus, p);
    if (!target) return [`alias does not exist${p.if_exists ? ': no-op (if_exists)' : ': the step will fail'}`];
    if (p.collection_name && target !== p.collection_name) return [`points at ${target}, not ${p.collection_name}: the step will fail`];
    return [`points at ${target} now`];
  },
  async run(ctx, p) {
    const target = await aliasTarget(ctx.milvus, p);
    if (!target) {
      // A resumed step may have dropped it before the previous run stopped; what it pointed at was saved below.
      if (ctx.resumed && typeof ctx.previous?.collection_name === 'string') return { collection_name: ctx.previous.collection_name };
      if (p.if_exists || ctx.resumed) return { skipped: true };
      throw aliasMissing('dropAlias', p, 'use if_exists: true to skip a missing alias');
    }
    if (p.collection_name && target !== p.collection_name) {
      throw new MilvusCallError('dropAlias', `alias ${qualifiedAlias(p)} points at ${target}, not at ${p.collection_name}`, undefined, {
        hint: 'check which collection the alias should point at, or leave collection_name out',
      });
    }
    await ctx.checkpoint({ collection_name: target });
    // DropAliasReq (SDK 2.6.17) does not declare db_name, but DropAlias takes it (Milvus 2.3+).
    await ctx.milvus.call('dropAlias', { alias: p.alias, ...dbOf(p) });
    return { collection_name: target };
  },
  inverse(p, recorded): InverseResult {
    if (recorded?.skipped) return { steps: [] };
    const target = recorded?.collection_name;
    if (typeof target !== 'string') return { irreversible: `the collection alias ${qualifiedAlias(p)} pointed at was not recorded` };
    return { steps: [callOf(createAlias, { alias: p.alias, collection_name: target, ...dbOf(p) })] };
  },
});
