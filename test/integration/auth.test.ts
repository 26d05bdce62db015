/**
 * Credentials: missing or wrong ones exit 5 saying which setting to check; a user without the
 * privileges to change anything exits 1 and nothing is recorded as applied. The suite's own
 * Milvus runs with authorization on; against a server given by MILVUS_ADDRESS without it, the
 * same commands succeed, and that is what is asserted there.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { waitUntilGranted } from '../support/rbac.js';

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

  it('a user who may take the lock but lacks one step\'s privilege: exit 1 naming the step and the privilege, and the state says failed', async () => {
    const c = uniqueName('rbac_step');
    const p = await t.project();
    await p.write(
      '001_create.yaml',
      `up:\n  - createCollection: { collection_name: ${c}, fields: [{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }], index_params: [{ field_name: v, index_type: FLAT, metric_type: L2 }] }\n  - createPartition: { collection_name: ${c}, partition_name: p1 }\n`,
    );
    const token = inject('milvusDeployerToken');
    if (auth) await waitUntilGranted(testAddress(), token, testToken());
    const res = await p.cli(['up', '--json', ...(token ? ['--token', token] : [])]);
    expect(res.code, res.stderr).toBe(auth ? 1 : 0);
    const partitions = await t.client.showPartitions({ collection_name: c });
    expect(partitions.partition_names.includes('p1')).toBe(!auth);
    if (!auth) return;
    expect(res.json().migrations, res.stdout).toHaveLength(1);
    const error = res.json().migrations[0].error;
    expect(error, res.stdout).toMatchObject({ stepIndex: 1, step: 'createPartition' });
    expect(error.message).toMatch(
      /^Migration 001_create \(up\) step 2 createPartition failed: permission denied: PrivilegeCreatePartition: permission deny to deployer_\w+ \(The Milvus user lacks the CreatePartition privilege: grant it to the user's role, or run migrations as a user who has it\.\)$/,
    );
    // Step 1 ran as the user; the state, read as root, says where it stopped.
    expect((await t.client.hasCollection({ collection_name: c })).value).toBe(true);
    const status = (await p.cli(['status', '--json'])).json();
    expect(status.migrations).toMatchObject([{ name: '001_create', status: 'failed', stepsDone: 1 }]);
    expect(status.migrations[0].lastError).toContain('step 2 createPartition failed: permission denied');
  });
});
