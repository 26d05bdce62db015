/**
 * `verify` loads the migrations folder once, however many passes it makes (it used to read it
 * 3N+1 times for N migrations: once, then again on every up, down and second up). Counted at the
 * one function that lists the folder, against real Milvus, in a throwaway database.
 */
import { describe, expect, it, vi } from 'vitest';
import { openThrowaway } from '../../src/verify/throwaway.js';
import { verifyMigrations } from '../../src/verify/verify.js';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';

const folderReads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/migrations/discover.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/migrations/discover.js')>();
  return {
    ...real,
    discoverMigrations: (...args: Parameters<typeof real.discoverMigrations>) => {
      folderReads.count += 1;
      return real.discoverMigrations(...args);
    },
  };
});

const t = useMilvusTest();

describe('verify', () => {
  it('reads the migrations folder once for all three passes over N migrations', async () => {
    const p = await t.project();
    const collection = uniqueName('verify_once');
    await p.write(
      '001_create.yaml',
      `up:\n  - createCollection:\n      collection_name: ${collection}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
    );
    for (const [i, name] of ['p1', 'p2', 'p3'].entries()) {
      await p.write(`00${i + 2}_${name}.yaml`, `up:\n  - createPartition: { collection_name: ${collection}, partition_name: ${name} }\n`);
    }
    const throwaway = await openThrowaway({ server: { address: testAddress(), token: testToken() || undefined } });
    folderReads.count = 0;
    try {
      const result = await verifyMigrations({ throwaway, migrationsDir: p.migrationsDir });
      expect(result).toMatchObject({ failed: false, irreversible: false, error: undefined });
      expect(result.migrations.map((m) => `${m.name} ${m.up} ${m.down} ${m.reup}`)).toEqual([
        '001_create ok ok ok',
        '002_p1 ok ok ok',
        '003_p2 ok ok ok',
        '004_p3 ok ok ok',
      ]);
    } finally {
      await throwaway.dispose();
    }
    expect(folderReads.count).toBe(1);
  });
});
