/**
 * The programmatic API as a user's script uses it: the README's "Programmatic API" example, run
 * as it is written (`import { openProject } from 'milvus-migrate'` resolves to this package from
 * inside the repository), against real Milvus, checked with the SDK.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { hasCollection, partitionsOf, readRows } from '../support/sdk.js';

const t = useMilvusTest();
const ROOT = resolve(import.meta.dirname, '../..');
const collection = uniqueName('api');
const state = uniqueName('api_state');
let dir: string | undefined;

afterAll(async () => {
  for (const c of [collection, state]) await t.client.dropCollection({ collection_name: c });
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The first ```ts block of the README's "Programmatic API" section. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Programmatic API')[1]!;
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

describe('programmatic API', () => {
  it("the README's example runs as written: status, plan and up through openProject", async () => {
    await mkdir(join(ROOT, '.tmp'), { recursive: true });
    dir = await mkdtemp(join(ROOT, '.tmp', 'mm-api-'));
    await mkdir(join(dir, 'migrations'));
    await writeFile(join(dir, 'milvus.config.yaml'), `stateCollection: ${state}\nenvironments:\n  production:\n    lockTimeout: 30\n`);
    await writeFile(
      join(dir, 'migrations', '001_create.yaml'),
      `up:\n  - createCollection:\n      collection_name: ${collection}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n  - createPartition: { collection_name: ${collection}, partition_name: p1 }\n`,
    );
    // The example has no type annotations: it runs as an ES module as it is.
    await writeFile(join(dir, 'deploy.mjs'), await readmeExample());

    const env = { ...process.env, NODE_ENV: undefined, MILVUS_ADDRESS: testAddress(), MILVUS_TOKEN: testToken() || undefined };
    const { stdout } = await promisify(execFile)(process.execPath, ['deploy.mjs'], { cwd: dir, env: env as NodeJS.ProcessEnv });
    expect(stdout).toContain('pending  001_create');
    expect(stdout).toContain("[ '001_create' ]");

    expect(await hasCollection(t.client, collection)).toBe(true);
    expect(await partitionsOf(t.client, collection)).toEqual(['_default', 'p1']);
    const rows = await readRows(t.client, state, { filter: 'name == "001_create"', fields: ['status'] });
    expect(rows.map((r) => r.status)).toEqual(['applied']);
    // The run lock is gone once up has ended.
    expect(await hasCollection(t.client, `${state}_lock`)).toBe(false);
  });
});
