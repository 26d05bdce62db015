import * as z from 'zod';
import { MilvusCallError } from '../../errors.js';
import type { Milvus } from '../../milvus/client.js';
import { flag, milvusName } from '../params.js';
import { callOf, defineStep, type InverseResult } from '../types.js';
import { emptyDatabase } from '../../schema/plan-model.js';
import { dropDatabase } from './dropDatabase.js';

/** Names of the databases the server has. */
export async function databaseNames(milvus: Milvus): Promise<string[]> {
  return (await milvus.call('listDatabases', {})).db_names;
}

const params = z
  .object({
    db_name: milvusName,
    /** Skip (and record nothing to undo) when the database already exists. */
    if_not_exists: flag,
  })
  .strict();

/**
 * Creates a database. Later steps reach it with `db_name`; the migration state stays in the
 * configured database. Milvus (2.3) fails on an existing name ("database already exist"), so the
 * step checks first to say what to do.
 */
export const createDatabase = defineStep({
  name: 'createDatabase',
  params,
  destructive: false,
  touches: (p) => ({ databases: [p.db_name] }),
  describe: (p) => `create database ${p.db_name}`,
  expect: ({ model }, p) =>
    model.databases.has(p.db_name) && !p.if_not_exists
      ? [`database ${p.db_name} already exists at this point of the plan (use if_not_exists: true to skip it)`]
      : [],
  effect(model, p) {
    if (!model.databases.has(p.db_name)) model.databases.set(p.db_name, emptyDatabase());
  },
  async facts(milvus, p) {
    if (!(await databaseNames(milvus)).includes(p.db_name)) return [];
    return [p.if_not_exists ? 'already exists: skipped (if_not_exists)' : 'already exists: the step will fail'];
  },
  async run(ctx, p) {
    if ((await databaseNames(ctx.milvus)).includes(p.db_name)) {
      if (p.if_not_exists) return { skipped: true };
      // A resumed step may have created it before the previous run stopped: then it is ours to undo.
      if (ctx.resumed) return;
      throw new MilvusCallError('createDatabase', `database ${p.db_name} already exists`, undefined, {
        hint: 'use if_not_exists: true to skip an existing database',
      });
    }
    await ctx.milvus.call('createDatabase', { db_name: p.db_name });
  },
  inverse(p, recorded): InverseResult {
    if (recorded?.skipped) return { steps: [] };
    return { steps: [callOf(dropDatabase, { db_name: p.db_name })] };
  },
});
