import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import type { Milvus } from '../../milvus/client.js';
import { flag, milvusName } from '../params.js';
import { callOf, defineStep, type InverseResult } from '../types.js';
import { createDatabase, databaseNames } from './createDatabase.js';
import { skippable } from '../expect.js';

/** Milvus keeps this database for good: "can not drop default database". */
export const DEFAULT_DATABASE = 'default';

const params = z
  .object({
    db_name: milvusName,
    /** Skip quietly when the database does not exist. */
    if_exists: flag,
  })
  .strict();

async function collectionsIn(milvus: Milvus, db_name: string): Promise<string[]> {
  return (await milvus.call('showCollections', { db_name })).data.map((c) => c.name);
}

/**
 * Drops a database. Milvus drops only an empty one ("not empty, must drop all collections before
 * drop database"), so the step names the collections still in it; and Milvus 2.3 answers
 * success to dropping a database that does not exist, so the step checks that too. Listed as
 * destructive, with dropCollection and dropPartition.
 */
export const dropDatabase = defineStep({
  name: 'dropDatabase',
  params,
  destructive: true,
  touches: (p) => ({ databases: [p.db_name] }),
  describe: (p) => `drop database ${p.db_name}`,
  check(p) {
    return p.db_name === DEFAULT_DATABASE ? [['db_name', `the ${DEFAULT_DATABASE} database cannot be dropped (Milvus keeps it)`]] : [];
  },
  expect({ model }, p) {
    if (p.db_name === model.database)
      return [`database ${p.db_name} is the configured database, which holds the migration state: a migration cannot drop it`];
    const db = model.databases.get(p.db_name);
    if (!db)
      return p.if_exists || model.uncertain
        ? []
        : skippable([`database ${p.db_name} does not exist at this point of the plan`], 'database');
    const names = [...Object.keys(db.collections), ...db.others].sort();
    if (!names.length || model.uncertain) return [];
    return [
      `database ${p.db_name} will still hold ${names.length} collection${names.length === 1 ? '' : 's'} (${names.join(', ')}): Milvus drops only an empty database`,
    ];
  },
  effect(model, p) {
    model.databases.delete(p.db_name);
  },
  async facts(milvus, p) {
    if (!(await databaseNames(milvus)).includes(p.db_name))
      return [`does not exist${p.if_exists ? ': no-op (if_exists)' : ': the step will fail'}`];
    const names = await collectionsIn(milvus, p.db_name);
    return names.length
      ? [
          `holds ${names.length} collection${names.length === 1 ? '' : 's'} (${names.join(', ')}): Milvus drops only an empty database, the step will fail`,
        ]
      : ['empty'];
  },
  async run(ctx, p) {
    if (!(await databaseNames(ctx.milvus)).includes(p.db_name)) {
      // A resumed step may have dropped it before the previous run stopped.
      if (p.if_exists || ctx.resumed) return { skipped: true };
      throw new MilvusCallError('dropDatabase', `database ${p.db_name} does not exist`, undefined, {
        hint: 'use if_exists: true to skip a missing database',
      });
    }
    const names = await collectionsIn(ctx.milvus, p.db_name);
    if (names.length) {
      throw new MilvusCallError(
        'dropDatabase',
        `database ${p.db_name} still holds ${names.length} collection${names.length === 1 ? '' : 's'}: ${names.join(', ')}`,
        undefined,
        {
          hint: 'Milvus drops only an empty database: drop its collections first (dropCollection with db_name)',
        },
      );
    }
    await ctx.milvus.call('dropDatabase', { db_name: p.db_name });
  },
  inverse(p, recorded): InverseResult {
    if (recorded?.skipped) return { steps: [] };
    return {
      steps: [callOf(createDatabase, { db_name: p.db_name })],
      note: 're-creates the database empty (it was empty when dropped); database properties are not restored',
    };
  },
});
