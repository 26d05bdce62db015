/**
 * Credentials: missing or wrong ones exit 5 saying which setting to check; a user without the
 * privileges to change anything exits 1 and nothing is recorded as applied. The suite's own
 * Milvus runs with authorization on; against a server given by MILVUS_ADDRESS without it, the
 * same commands succeed, and that is what is asserted there.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';

const t = useMilvusTest();
const auth = inject('milvusAuth');

describe('authentication', () => {
  it('no credentials: exit 5 naming the settings to check', async () => {
    const p = await t.project();
    const res = await p.cli(['status', '--json'], { env: { MILVUS_TOKEN: undefined } });
    expect(res.code, res.stderr).toBe(auth ? 5 : 0);
    if (auth) {
      expect(res.json().error).toMatchObject({ kind: 'connection' });
      expect(res.json().error.message).toContain('refused the credentials');
      expect(res.json().error.hint).toContain('MILVUS_TOKEN');
    }
  });

  it('wrong credentials: exit 5, and the wrong password is not shown', async () => {
    const p = await t.project();
    const wrong = `root:wrong-${randomBytes(4).toString('hex')}`;
    const res = await p.cli(['status', '--token', wrong]);
    expect(res.code, res.stderr).toBe(auth ? 5 : 0);
    expect(res.stdout + res.stderr).not.toContain(wrong.slice(5));
  });

  it('a user without privileges: up exits 1 with what Milvus refused, and nothing is applied', async () => {
    const user = uniqueName('reader');
    const password = `pw-${randomBytes(6).toString('hex')}`;
    // No role: only what Milvus' public role allows (reads of metadata).
    await t.client.createUser({ username: user, password });
    const p = await t.project();
    const c = uniqueName('rbac');
    await p.write('001_create.yaml', `up:\n  - createCollection: { collection_name: ${c}, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }] }\n`);
    const res = await p.cli(['up', '--token', `${user}:${password}`]);
    expect(res.code, res.stderr).toBe(auth ? 1 : 0);
    if (auth) {
      expect(res.stderr).toContain(`Cannot take the migration lock ${p.stateCollection}_lock in database default`);
      expect(res.stderr).toContain('PrivilegeCreateCollection: permission deny');
      expect((await t.client.hasCollection({ collection_name: c })).value).toBe(false);
      const state = await p.cli(['status', '--json']);
      expect(state.json().counts.applied).toBe(0);
    }
  });
});
