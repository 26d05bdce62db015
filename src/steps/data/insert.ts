import { dbOf, qualified } from '../../milvus/reads/names.js';
import { rows } from '../../milvus/reads/lookups.js';
import { defineStep, oneCollection, callOf } from '../types.js';
import { keyFilter, type KeyRecord } from '../../milvus/reads/keys.js';
import { deleteRows } from './delete.js';
import { checkRowsSource, describeSource, expectRows, rowsParams, writeRows } from './rows.js';

/**
 * Inserts rows (seed data, lookup tables), inline (`data`) or from a file beside the migration
 * (`data_file`: JSON or JSONL), in batches. Records the primary keys Milvus assigned or received,
 * so the inverse deletes exactly these rows.
 */
export const insert = defineStep({
  name: 'insert',
  params: rowsParams,
  destructive: false,
  touches: (p) => oneCollection(p),
  describe: (p) => `insert ${describeSource(p)} into ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''}`,
  check: checkRowsSource,
  expect: (ctx, p) => expectRows(ctx, p, 'insert'),
  async run(ctx, p) {
    const { rows_done, rows_total, ...keys } = await writeRows(ctx, p, 'insert');
    return { ...keys, rows: rows_done, ...(rows_total !== rows_done ? { rows_total } : {}) };
  },
  inverse(p, recorded) {
    const r = recorded as (Partial<KeyRecord> & { rows?: number }) | undefined;
    if (r?.ids_overflow) {
      return {
        irreversible: `it inserted ${rows(Number(r.rows ?? 0))}: too many scattered primary keys to keep in the state (Milvus caps it at 64 KB); give the migration a down: (e.g. a delete with a filter)`,
      };
    }
    const filter = r?.pk_field ? keyFilter({ ...r, pk_field: r.pk_field }) : '';
    if (!filter) return { irreversible: 'the inserted primary keys were not recorded' };
    return {
      steps: [
        callOf(deleteRows, {
          collection_name: p.collection_name,
          ...(p.partition_name ? { partition_name: p.partition_name } : {}),
          filter,
          ...dbOf(p),
        }),
      ],
      note: 'deletes the inserted rows by primary key',
    };
  },
});
