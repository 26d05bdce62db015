import { qualified } from '../../milvus/reads/names.js';
import { defineStep, oneCollection } from '../types.js';
import { checkRowsSource, describeSource, expectRows, rowsParams, writeRows } from './rows.js';

/**
 * Inserts rows, or replaces the rows with the same primary keys: inline (`data`) or from a file
 * beside the migration (`data_file`: JSON or JSONL), in batches. Safe to run again.
 *
 * No inverse: the rows it replaced are gone (Milvus keeps no history), and keeping copies of them
 * in the state would not fit (vectors; the state's JSON is capped at 64 KB on Milvus 2.3).
 */
export const upsert = defineStep({
  name: 'upsert',
  params: rowsParams,
  destructive: false,
  touches: (p) => oneCollection(p),
  describe: (p) => `upsert ${describeSource(p)} into ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''}`,
  check: checkRowsSource,
  expect: (ctx, p) => expectRows(ctx, p, 'upsert'),
  async run(ctx, p) {
    const { rows_done } = await writeRows(ctx, p, 'upsert');
    return { rows: rows_done };
  },
  inverse: () => ({
    irreversible: 'upsert replaces rows in place and the previous values are not kept; give the migration a down: that restores them',
  }),
});
