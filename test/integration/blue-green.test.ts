/**
 * The blue/green example shipped in migrations/examples/blue-green/, run as a user would run it
 * (with unique names, since the suite shares one Milvus): readers going through the alias see
 * every row, with the new schema, after the switch; reverting the switch puts the alias back.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiProject, ok, type ApiProject } from '../support/api.js';
import { sdkClient, uniqueName } from '../support/milvus.js';
import { hasCollection, readRows } from '../support/sdk.js';

const EXAMPLE = resolve(import.meta.dirname, '../../migrations/examples/blue-green');

let client: MilvusClient;
let api: ApiProject;
beforeAll(async () => {
  client = await sdkClient();
  api = await apiProject();
});
afterAll(async () => {
  await api?.close();
  await client?.closeConnection();
});

/** Copies the example into the project, renaming docs_v1, docs_v2 and the alias docs. */
async function installExample(names: { v1: string; v2: string; alias: string }): Promise<string[]> {
  const files = (await readdir(EXAMPLE)).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    const text = await readFile(join(EXAMPLE, f), 'utf8');
    await writeFile(
      join(api.dir, f),
      text
        .replaceAll('docs_v1', names.v1)
        .replaceAll('docs_v2', names.v2)
        .replaceAll('alias: docs\n', `alias: ${names.alias}\n`)
        .replaceAll('collection_name: docs ', `collection_name: ${names.alias} `),
    );
  }
  await cp(join(EXAMPLE, 'seed'), join(api.dir, 'seed'), { recursive: true });
  return files.map((f) => f.replace(/\.yaml$/, ''));
}

/** What a reader going through the alias sees: every row, sorted by id. */
const viaAlias = (alias: string) => readRows(client, alias);
// The SDK (2.6.17) insists on a collection_name in describeAlias, although the call has none.
const aliasTarget = async (alias: string) => (await client.describeAlias({ alias, collection_name: alias } as never)).collection;

it('copies docs_v1 into docs_v2 and moves the alias: readers see every row with the new schema; down moves it back', async () => {
  const names = { v1: uniqueName('docs_v1'), v2: uniqueName('docs_v2'), alias: uniqueName('docs') };
  const [createV1, switchToV2] = await installExample(names);

  ok(await api.migrator().up({ to: createV1 }));
  expect(await aliasTarget(names.alias)).toBe(names.v1);
  // Production keeps writing through the alias: a few hundred rows on top of the seed.
  const categories = ['news', 'sports', 'science', 'culture'];
  const written = Array.from({ length: 300 }, (_, i) => ({
    id: 1_000 + i,
    title: `written ${i}`,
    category: categories[i % 4],
    legacy_rank: i,
    embedding: [i / 300, 0.25, 0.5, 1],
    ...(i % 3 === 0 ? { source: 'app' } : {}),
  }));
  const ins = await client.insert({ collection_name: names.alias, data: written });
  expect(ins.status.error_code).toBe('Success');
  const before = await viaAlias(names.alias);
  expect(before).toHaveLength(320);

  ok(await api.migrator().up({ to: switchToV2 }));
  expect(await aliasTarget(names.alias)).toBe(names.v2);
  const after = await viaAlias(names.alias);
  expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
  for (const [i, r] of after.entries()) {
    const { legacy_rank, ...rest } = before[i]!;
    expect(legacy_rank).toBeTypeOf('number');
    expect(r).toEqual(rest);
  }
  expect(after.find((r) => r.id === '1003')).toMatchObject({ title: 'written 3', category: 'culture', $meta: { source: 'app' } });
  // The new schema, seen through the alias: category is the partition key, titles may be longer.
  const desc = await client.describeCollection({ collection_name: names.alias });
  expect(desc.schema.fields.map((f) => [f.name, Boolean(f.is_partition_key)])).toEqual([
    ['id', false],
    ['title', false],
    ['category', true],
    ['embedding', false],
  ]);
  const long = await client.upsert({
    collection_name: names.alias,
    data: [{ id: 1, title: 'x'.repeat(300), category: 'news', embedding: [0, 0, 0, 1] }],
  });
  expect(long.status.error_code).toBe('Success');

  // Reverting the switch: the alias goes back to docs_v1 (which still has legacy_rank), docs_v2 is dropped.
  ok(await api.migrator().down());
  expect(await aliasTarget(names.alias)).toBe(names.v1);
  expect(await viaAlias(names.alias)).toEqual(before);
  expect(await hasCollection(client, names.v2)).toBe(false);

  // Switch again, then drop docs_v1 (part 3): readers keep every row.
  ok(await api.migrator().up());
  expect(await aliasTarget(names.alias)).toBe(names.v2);
  expect(await hasCollection(client, names.v1)).toBe(false);
  expect((await viaAlias(names.alias)).map((r) => r.id)).toEqual(before.map((r) => r.id));
});
