import * as z from 'zod';
import { qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { collectionExists, describeCollection } from '../../milvus/reads/lookups.js';
import { defineStep, callOf, type InverseResult } from '../types.js';
import { needCollection } from '../expect.js';
import { collectionOf, databaseOf, nameTaken, putCollection, removeCollection } from '../../schema/plan-model.js';

const params = z.object({ ...collectionTarget, new_collection_name: milvusName }).strict();
type Params = z.infer<typeof params>;

/**
 * Renames a collection within its database. Its data, indexes, load state and aliases stay with
 * it (aliases follow the rename on Milvus 2.3.5). Milvus refuses a new name already used by a
 * collection or an alias.
 */
export const renameCollection = defineStep({
  name: 'renameCollection',
  params,
  destructive: false,
  touches: (p) => ({ collections: [p.collection_name, p.new_collection_name].map((name) => ({ name, db_name: p.db_name })) }),
  describe: (p) => `rename collection ${qualified(p)} to ${p.new_collection_name}`,
  check(p) {
    return p.new_collection_name === p.collection_name ? [['new_collection_name', 'is the current name']] : [];
  },
  expect({ model }, p) {
    const { problems } = needCollection(model, p);
    const taken = nameTaken(model, p.db_name, p.new_collection_name);
    if (taken)
      problems.push(
        `${qualified({ ...p, collection_name: p.new_collection_name })} is taken by ${taken === 'alias' ? 'an alias' : 'a collection'} at this point of the plan`,
      );
    return problems;
  },
  effect(model, p) {
    // Later steps of the plan use the new name; aliases follow the rename (Milvus 2.3.5).
    const c = collectionOf(model, p);
    const db = databaseOf(model, p.db_name);
    if (!c || !db) return;
    const aliases = Object.entries(db.aliases).filter(([, t]) => t === p.collection_name);
    removeCollection(model, p);
    putCollection(model, p.db_name, p.new_collection_name, c);
    for (const [alias] of aliases) db.aliases[alias] = p.new_collection_name;
  },
  async facts(milvus, p) {
    const renamed = { ...p, collection_name: p.new_collection_name };
    if (await collectionExists(milvus, renamed)) return [`${qualified(renamed)} already exists: the step will fail`];
    if (!(await collectionExists(milvus, p))) return [`collection ${qualified(p)} does not exist: the step will fail`];
    const { aliases } = await describeCollection(milvus, p);
    return aliases.length ? [`aliases that follow it: ${aliases.join(', ')}`] : [];
  },
  async run(ctx, p) {
    // A resumed step may have renamed it before the previous run stopped.
    if (
      ctx.resumed &&
      !(await collectionExists(ctx.milvus, p)) &&
      (await collectionExists(ctx.milvus, { ...p, collection_name: p.new_collection_name }))
    )
      return;
    await ctx.milvus.call('renameCollection', renameRequest(p));
  },
  inverse: (p): InverseResult => ({
    steps: [
      callOf(renameCollection, {
        collection_name: p.new_collection_name,
        new_collection_name: p.collection_name,
        ...(p.db_name ? { db_name: p.db_name } : {}),
      }),
    ],
  }),
});

/**
 * The SDK's RenameCollectionReq. With `db_name`, the target database is named too: Milvus 2.3.5
 * takes an empty new database as the connection's database, so a rename inside another database
 * would otherwise move the collection into the connection's one.
 */
export function renameRequest(p: Params) {
  return {
    collection_name: p.collection_name,
    new_collection_name: p.new_collection_name,
    ...(p.db_name ? { db_name: p.db_name, new_db_name: p.db_name } : {}),
  };
}
