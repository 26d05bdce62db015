/**
 * Tokens and passwords never appear in stdout, stderr, JSON or the state rows, whether they come
 * from the config file, an environment variable or a flag, in failing and in succeeding commands.
 */
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';

const t = useMilvusTest();

// Milvus 2.3 without authorization ignores credentials, so every command below really runs.
const TOKEN = 'tok-e2e-SECRET-9f8e7d';
const PASSWORD = 'pw-e2e-SECRET-1a2b3c';

describe('secrets', () => {
  it.each([
    ['config file', { config: `password: "${PASSWORD}"\nusername: alice\ntoken: ${TOKEN}\n` }, {}, []],
    ['environment', {}, { MILVUS_TOKEN: TOKEN, MILVUS_PASSWORD: PASSWORD, MILVUS_USERNAME: 'alice' }, []],
    ['flag', {}, {}, ['--token', TOKEN]],
  ] as const)('given in the %s, appear nowhere', async (label, cfg, env, flags) => {
    const p = await t.project();
    await writeFile(`${p.dir}/milvus.config.yaml`, `migrations: migrations\nstateCollection: ${p.stateCollection}\n${(cfg as { config?: string }).config ?? ''}`);
    const c = uniqueName('secret');
    await p.write('001_create.yaml', `up:\n  - createCollection: { collection_name: ${c}, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }] }\n`);
    await p.write('002_fail.yaml', `up:\n  - dropPartition: { collection_name: ${c}, partition_name: missing }\n`);
    const outputs: string[] = [];
    const run = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const res = await p.cli([...args, ...flags], { env: { ...env, ...extraEnv } });
      outputs.push(res.stdout, res.stderr);
      return res;
    };
    expect((await run(['up', '--to', '001_create', '--json', '--verbose'])).code).toBe(0);
    expect((await run(['up', '--allow-destructive', '--json'])).code).toBe(1);
    expect((await run(['status', '--json'])).code).toBe(0);
    expect((await run(['plan'])).code).toBe(0);
    // A connection failure waits out the retry window (10 s): once is enough.
    if (label === 'environment') expect((await run(['status'], { MILVUS_ADDRESS: '127.0.0.1:1' })).code).toBe(5);
    expect((await run(['up', '--bogus'])).code).toBe(2);
    for (const out of outputs) {
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(PASSWORD);
    }
    const rows = await t.client.query({ collection_name: p.stateCollection, filter: 'name != ""', output_fields: ['*'], consistency_level: 'Strong' } as never);
    expect(rows.data.length).toBe(2);
    const stored = JSON.stringify(rows.data);
    expect(stored).not.toContain(TOKEN);
    expect(stored).not.toContain(PASSWORD);
  });
});
