/**
 * `verify` (issue 6, part 3) against real Milvus. MILVUS_ADDRESS is set for the tests, so verify
 * works in a throwaway database on the test server: it must drop it afterwards and touch nothing
 * else. A good set passes; a `down` that does not undo its `up` fails, naming the migration.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { openThrowaway } from '../../src/verify/throwaway.js';
import { verifyMigrations } from '../../src/verify/verify.js';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';
import { hasCollection } from '../support/sdk.js';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';

const t = useMilvusTest();

async function writeSet(p: TestProject, collection: string, down: string): Promise<void> {
  await p.write(
    '001_create.yaml',
    `up:
  - createCollection:
      collection_name: ${collection}
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: embedding, data_type: FloatVector, dim: 4 }
  - createIndex: { collection_name: ${collection}, field_name: embedding, index_type: IVF_FLAT, metric_type: L2, params: { nlist: 8 } }
`,
  );
  await p.write(
    '002_serve.yaml',
    `up:
  - createPartition: { collection_name: ${collection}, partition_name: p2026 }
  - createAlias: { collection_name: ${collection}, alias: ${collection}_live }
${down}`,
  );
}

async function expectGone(collection: string, where: string): Promise<void> {
  const database = where.split(' ')[2]!;
  expect((await t.client.listDatabases()).db_names).not.toContain(database);
  // Nothing reached the default database, where the test server's other collections live.
  expect(await hasCollection(t.client, collection)).toBe(false);
}

describe('verify', () => {
  it('passes a good set (derived downs) in a throwaway database, and drops it afterwards', async () => {
    const p = await t.project();
    const collection = uniqueName('verify_ok');
    await writeSet(p, collection, '');
    const res = await p.cli(['verify']);
    expect(res.code, res.stderr).toBe(0);
    const where = /throwaway database mm_verify_\w+ on \S+(?=: up, down)/.exec(res.stdout)?.[0];
    expect(where).toBeDefined();
    expect(res.stdout.replace(where!, '<where>')).toMatchInlineSnapshot(`
      "Verified 2 migrations on <where>: up, down, up again
        ✔ 001_create  up ok, down ok, up again ok
        ✔ 002_serve  up ok, down ok, up again ok
      Every down undoes its up.
      "
    `);
    await expectGone(collection, where!);
  });

  it('fails (exit 1) naming the migration whose down does not undo its up, and what it left behind', async () => {
    const p = await t.project();
    const collection = uniqueName('verify_bad');
    // The hand-written down forgets the partition.
    await writeSet(p, collection, `down:\n  - dropAlias: { alias: ${collection}_live }\n`);
    const res = await p.cli(['verify', '--json']);
    expect(res.code, res.stderr).toBe(1);
    const doc = JSON_DOCUMENTS.verify.parse(res.json());
    expect(doc).toMatchObject({ ok: false, exitCode: 1 });
    expect(doc.migrations).toEqual([
      { name: '001_create', up: 'ok', down: 'not-run', reup: 'not-run', differences: [], message: null },
      {
        name: '002_serve',
        up: 'ok',
        down: 'mismatch',
        reup: 'not-run',
        differences: [{ path: `collection ${collection} / partition p2026`, kind: 'unexpected', actual: 'present' }],
        message: null,
      },
    ]);
    await expectGone(collection, doc.where);
  });

  it('reports an irreversible migration and stops the down pass there, without failing', async () => {
    const p = await t.project();
    await p.write(
      '001_create.yaml',
      `up:\n  - createCollection:\n      collection_name: gone\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
    );
    await p.write('002_drop.yaml', `up:\n  - dropCollection: { collection_name: gone }\n`);
    const throwaway = await openThrowaway({ server: { address: testAddress(), token: testToken() || undefined } });
    try {
      const result = await verifyMigrations({ throwaway, migrationsDir: p.migrationsDir });
      expect(result).toMatchObject({ failed: false, irreversible: true, error: undefined });
      expect(result.migrations.map(({ name, up, down, reup }) => ({ name, up, down, reup }))).toEqual([
        { name: '001_create', up: 'ok', down: 'not-run', reup: 'not-run' },
        { name: '002_drop', up: 'ok', down: 'irreversible', reup: 'not-run' },
      ]);
      expect(result.migrations[1]!.message).toMatchInlineSnapshot(
        `"is irreversible: step 1 dropCollection: dropCollection gone deletes its data; there is no backup to restore it from; give it a \`down:\` to revert it"`,
      );
    } finally {
      await throwaway.dispose();
    }
  });

  it('refuses, before running anything, steps that would reach outside the throwaway database', async () => {
    const p = await t.project();
    await p.write(
      '001_other_db.yaml',
      `up:\n  - createDatabase: { db_name: elsewhere }\n  - createPartition: { collection_name: c, partition_name: p, db_name: elsewhere }\n`,
    );
    const throwaway = await openThrowaway({ server: { address: testAddress(), token: testToken() || undefined } });
    try {
      const err = await verifyMigrations({ throwaway, migrationsDir: p.migrationsDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message.replace(throwaway.where, '<where>').replaceAll(p.migrationsDir, '<dir>')).toMatchInlineSnapshot(`
        "Cannot prove these migrations in <where>; nothing was run
          <dir>/001_other_db.yaml: up[0].createDatabase: createDatabase changes databases, outside the throwaway database
          <dir>/001_other_db.yaml: up[1].createPartition: names database elsewhere, outside the throwaway database"
      `);
    } finally {
      await throwaway.dispose();
    }
    expect((await t.client.listDatabases()).db_names).not.toContain(throwaway.database);
    expect((await t.client.listDatabases()).db_names).not.toContain('elsewhere');
  });

  it('an invalid file is exit 2 with file and line before any Milvus is reached', async () => {
    const p = await t.project();
    await p.write('001_bad.yaml', `up:\n  - createPartiton: { collection_name: c, partition_name: p }\n`);
    // Nothing listens there: had verify started on a server first, this would be exit 5.
    const res = await p.cli(['verify', '--json'], { env: { MILVUS_ADDRESS: '127.0.0.1:1' } });
    expect(res.code, res.stderr).toBe(2);
    const doc = res.json();
    expect(doc.error.kind).toBe('invalid-input');
    expect(doc.error.problems[0]).toMatchObject({ file: expect.stringContaining('001_bad.yaml'), line: 2 });
    expect(doc.error.message).toContain('did you mean "createPartition"?');
  });
});
