/**
 * Every kind of bad input: exit 2, a message that says what is wrong and where, and Milvus
 * unchanged, even though a valid migration is pending next to the bad one.
 */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { hasCollection } from '../support/sdk.js';
import { BAD_INPUT_CASES as cases } from '../support/bad-input-cases.js';

const t = useMilvusTest();

describe('bad input: exit 2, a clear message, Milvus unchanged', () => {
  it.each(Object.entries(cases))('%s', async (_label, c) => {
    const canary = uniqueName('canary');
    const p = await t.project();
    if (c.config !== undefined) {
      const { writeFile } = await import('node:fs/promises');
      const state = c.config.includes('stateCollection:') ? '' : `stateCollection: ${p.stateCollection}\n`;
      await writeFile(`${p.dir}/milvus.config.yaml`, `${state}${c.config}`);
    }
    await p.write(
      '001_ok.yaml',
      `up:\n  - createCollection:\n      collection_name: ${canary}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
    );
    for (const [name, content] of Object.entries(c.files ?? {})) await p.write(name, content);
    const res = await p.cli(c.args ?? ['up', '--allow-destructive']);
    expect(res.code, res.stderr).toBe(2);
    for (const fragment of c.expect) expect(res.stderr).toContain(fragment.replace('@file', p.migrationsDir));
    expect(res.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(await hasCollection(t.client, canary)).toBe(false);
    expect(await hasCollection(t.client, p.stateCollection)).toBe(false);
  });

  it('covers at least 30 kinds of bad input', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(30);
  });
});
