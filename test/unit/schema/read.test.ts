import { describe, expect, it } from 'vitest';
import { READ_CONCURRENCY, readSchema } from '../../../src/schema/read.js';
import type { Milvus } from '../../../src/milvus/client.js';
import { fakeMilvus, OK } from '../../support/fake-milvus.js';

const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const loaded = new Set(['c01', 'c07']);

/** A database of 20 collections, two of them loaded; counts the collections being read at once. */
function database() {
  let inFlight = 0;
  let most = 0;
  const fake = fakeMilvus({
    showCollections: (req: { type?: number }) => ({
      status: OK,
      data: names.filter((n) => req.type !== 1 || loaded.has(n)).map((name) => ({ name })),
    }),
    describeCollection: (req: { collection_name: string }) => {
      return {
        status: OK,
        consistency_level: 'Bounded',
        aliases: req.collection_name === 'c03' ? ['current'] : [],
        schema: { description: '', fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }] },
        properties: [],
      };
    },
    showPartitions: () => ({ status: OK, partition_names: ['_default'] }),
    describeIndex: () => ({ status: OK, index_descriptions: [] }),
  });
  // Each describeCollection answers a turn of the event loop later: collections overlap.
  const call = async (method: string, req: unknown) => {
    if (method !== 'describeCollection') return fake.milvus.call(method as never, req as never);
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    return fake.milvus.call(method as never, req as never);
  };
  return { milvus: { ...fake.milvus, call } as unknown as Milvus, calls: fake.calls, most: () => most };
}

describe('readSchema', () => {
  it('takes every load state from one showCollections of loaded collections, and reads three calls per collection', async () => {
    const { milvus, calls } = database();
    const schema = await readSchema(milvus, { database: 'shop', exclude: ['c19'] });
    expect(Object.keys(schema.collections)).toEqual(names.slice(0, 19));
    expect(Object.entries(schema.collections).flatMap(([n, c]) => (c.load_state === 'loaded' ? [n] : []))).toEqual(['c01', 'c07']);
    expect(schema.aliases).toEqual({ current: 'c03' });
    const count = (m: string) => calls.filter(([method]) => method === m).length;
    expect([count('showCollections'), count('describeCollection'), count('showPartitions'), count('describeIndex')]).toEqual([
      2, 19, 19, 19,
    ]);
    expect(count('getLoadState')).toBe(0);
    expect(calls.filter(([m]) => m === 'showCollections').map(([, req]) => req)).toEqual([
      { db_name: 'shop' },
      { db_name: 'shop', type: 1 },
    ]);
  });

  it(`reads at most ${READ_CONCURRENCY} collections at once`, async () => {
    const db = database();
    await readSchema(db.milvus);
    expect(db.most()).toBeLessThanOrEqual(READ_CONCURRENCY);
    expect(db.most()).toBeGreaterThan(1);
  });

  it('looks up aliases outside the collections read, and leaves out those that point at nothing', async () => {
    const { milvus, calls } = fakeMilvus({
      showCollections: () => ({ status: OK, data: [] }),
      describeAlias: (req: { alias: string }) =>
        req.alias === 'old'
          ? { status: OK, collection: 'c09' }
          : { status: { error_code: 'UnexpectedError', reason: 'alias not found', code: 1600 } },
    });
    const schema = await readSchema(milvus, { collections: [], aliases: ['old', 'gone'] });
    expect(schema.aliases).toEqual({ old: 'c09' });
    expect(calls.filter(([m]) => m === 'describeAlias')).toHaveLength(2);
  });
});
