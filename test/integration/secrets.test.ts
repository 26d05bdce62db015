/**
 * Tokens and passwords never appear in stdout, stderr, JSON or the state rows, whether they come
 * from the config file, an environment variable or a flag, in failing and in succeeding commands.
 * The suite's own Milvus runs with authorization on, so the credentials below are really used.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { testAddress, uniqueName } from '../support/milvus.js';

const t = useMilvusTest();
const USER = uniqueName('alice');
const PASSWORD = `pw-SECRET-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  // A user of its own with a password nothing else contains, allowed to do everything.
  expect((await t.client.createUser({ username: USER, password: PASSWORD })).error_code).toBe('Success');
  await untilPrivileged();
});

/**
 * Binds the user to `admin` and waits until Milvus lets it create a collection. Milvus 2.3's
 * proxy caches privilege answers: a check that raced ahead of the binding was seen to stay
 * denied, so each retry binds again (remove + add), which makes Milvus refresh its policy cache.
 */
async function untilPrivileged(): Promise<void> {
  const user = new MilvusClient({ address: testAddress(), token: `${USER}:${PASSWORD}`, logLevel: 'error' });
  const probe = uniqueName('probe');
  try {
    for (let i = 0; ; i++) {
      await t.client.removeUserFromRole({ username: USER, roleName: 'admin' });
      expect((await t.client.addUserToRole({ username: USER, roleName: 'admin' })).error_code).toBe('Success');
      try {
        await user.createCollection({ collection_name: probe, fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }, { name: 'v', data_type: 'FloatVector', dim: 2 }] } as never);
        break;
      } catch (err) {
        if (i >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await user.dropCollection({ collection_name: probe });
  } finally {
    await user.closeConnection();
  }
}

describe('secrets', () => {
  it.each([
    ['config file', `username: ${USER}\npassword: "${PASSWORD}"\n`, {}, []],
    ['environment', '', { MILVUS_USERNAME: USER, MILVUS_PASSWORD: PASSWORD }, []],
    ['flag', '', {}, ['--token', `${USER}:${PASSWORD}`]],
  ] as const)('given in the %s, appear nowhere', async (label, config, env, flags) => {
    const p = await t.project();
    await writeFile(`${p.dir}/milvus.config.yaml`, `migrations: migrations\nstateCollection: ${p.stateCollection}\n${config}`);
    const c = uniqueName('secret');
    await p.write('001_create.yaml', `up:\n  - createCollection: { collection_name: ${c}, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }] }\n`);
    await p.write('002_fail.yaml', `up:\n  - dropPartition: { collection_name: ${c}, partition_name: missing }\n`);
    const outputs: string[] = [];
    const run = async (args: string[], extraEnv: Record<string, string> = {}) => {
      // No root token from the test harness: only the credentials under test.
      const res = await p.cli([...args, ...flags], { env: { MILVUS_TOKEN: undefined, ...env, ...extraEnv } });
      outputs.push(res.stdout, res.stderr);
      return res;
    };
    const first = await run(['up', '--to', '001_create', '--json', '--verbose']);
    expect(first.code, first.stderr).toBe(0);
    expect((await run(['up', '--allow-destructive', '--json'])).code).toBe(1);
    expect((await run(['status', '--json'])).code).toBe(0);
    expect((await run(['plan'])).code).toBe(0);
    // A connection failure waits out the retry window (10 s): once is enough.
    if (label === 'environment') expect((await run(['status'], { MILVUS_ADDRESS: '127.0.0.1:1' })).code).toBe(5);
    expect((await run(['up', '--bogus'])).code).toBe(2);
    for (const out of outputs) expect(out).not.toContain(PASSWORD);
    const rows = await t.client.query({ collection_name: p.stateCollection, filter: 'name != ""', output_fields: ['*'], consistency_level: 'Strong' } as never);
    expect(rows.data.length).toBe(2);
    expect(JSON.stringify(rows.data)).not.toContain(PASSWORD);
  });
});
