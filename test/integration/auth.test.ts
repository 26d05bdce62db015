/**
 * Credentials: missing or wrong ones exit 5 saying which setting to check; a user without the
 * privileges to change anything exits 1 and nothing is recorded as applied. The suite's own
 * Milvus runs with authorization on; against a server given by MILVUS_ADDRESS without it, those
 * tests are skipped and the last one checks that the same commands succeed there.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { serverHasAuth, testAddress, testToken, uniqueName } from '../support/milvus.js';
import { hasCollection, partitionsOf } from '../support/sdk.js';
import { waitUntilGranted } from '../support/rbac.js';

const t = useMilvusTest();
const auth = serverHasAuth();

/** A user with no role: only what Milvus' public role allows (reads of metadata). */
async function userWithoutPrivileges(): Promise<string> {
  const user = uniqueName('reader');
  const password = `pw-${randomBytes(6).toString('hex')}`;
  await t.client.createUser({ username: user, password });
  return `${user}:${password}`;
}

const FIELDS = '[{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }]';
const CREATE = (c: string) => `up:\n  - createCollection: { collection_name: ${c}, fields: ${FIELDS} }\n`;
const CREATE_WITH_PARTITION = (c: string) =>
  `up:\n  - createCollection: { collection_name: ${c}, fields: ${FIELDS}, index_params: [{ field_name: v, index_type: FLAT, metric_type: L2 }] }\n` +
  `  - createPartition: { collection_name: ${c}, partition_name: p1 }\n`;

describe('authentication (needs a server with authorization)', () => {
  it.runIf(auth)('no credentials: exit 5 naming the settings to check', async () => {
    const p = await t.project();
    const res = await p.cli(['status', '--json'], { env: { MILVUS_TOKEN: undefined } });
    expect(res.code, res.stderr).toBe(5);
    expect(res.json().error).toMatchObject({ kind: 'connection' });
    expect(res.json().error.message).toContain('refused the credentials');
    expect(res.json().error.hint).toContain('MILVUS_TOKEN');
  });

  it.runIf(auth)('wrong credentials: exit 5, and the wrong password is not shown', async () => {
    const p = await t.project();
    const wrong = `root:wrong-${randomBytes(4).toString('hex')}`;
    const res = await p.cli(['status', '--token', wrong]);
    expect(res.code, res.stderr).toBe(5);
    expect(res.stdout + res.stderr).not.toContain(wrong.slice(5));
  });

  it.runIf(auth)('a user without privileges: up exits 1 with what Milvus refused, and nothing is applied', async () => {
    const token = await userWithoutPrivileges();
    const p = await t.project();
    const c = uniqueName('rbac');
    await p.write('001_create.yaml', CREATE(c));
    const res = await p.cli(['up', '--token', token]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain(`Cannot take the migration lock ${p.stateCollection}_lock in database default`);
    expect(res.stderr).toContain('PrivilegeCreateCollection: permission deny');
    expect(await hasCollection(t.client, c)).toBe(false);
    const state = await p.cli(['status', '--json']);
    expect(state.json().counts.applied).toBe(0);
  });

  it.runIf(auth)(
    "a user who may take the lock but lacks one step's privilege: exit 1 naming the step and the privilege, and the state says failed",
    async () => {
      const c = uniqueName('rbac_step');
      const p = await t.project();
      await p.write('001_create.yaml', CREATE_WITH_PARTITION(c));
      const token = inject('milvusDeployerToken');
      await waitUntilGranted(testAddress(), token, testToken());
      const res = await p.cli(['up', '--json', '--token', token]);
      expect(res.code, res.stderr).toBe(1);
      expect((await partitionsOf(t.client, c)).includes('p1')).toBe(false);
      expect(res.json().migrations, res.stdout).toHaveLength(1);
      const error = res.json().migrations[0].error;
      expect(error, res.stdout).toMatchObject({ stepIndex: 1, step: 'createPartition' });
      expect(error.message).toMatch(
        /^Migration 001_create \(up\) step 2 createPartition failed: permission denied: PrivilegeCreatePartition: permission deny to deployer_\w+ \(The Milvus user lacks the CreatePartition privilege: grant it to the user's role, or run migrations as a user who has it\.\)$/,
      );
      // Step 1 ran as the user; the state, read as root, says where it stopped.
      expect(await hasCollection(t.client, c)).toBe(true);
      const status = (await p.cli(['status', '--json'])).json();
      expect(status.migrations).toMatchObject([{ name: '001_create', status: 'failed', stepsDone: 1 }]);
      expect(status.migrations[0].lastError).toContain('step 2 createPartition failed: permission denied');
    },
  );
});

describe('credentials on a server without authorization (needs a server without authorization)', () => {
  it.skipIf(auth)('missing, wrong and unprivileged credentials are ignored: the commands succeed', async () => {
    const p = await t.project();
    const none = await p.cli(['status', '--json'], { env: { MILVUS_TOKEN: undefined } });
    expect(none.code, none.stderr).toBe(0);

    const wrong = `root:wrong-${randomBytes(4).toString('hex')}`;
    const wrongRes = await p.cli(['status', '--token', wrong]);
    expect(wrongRes.code, wrongRes.stderr).toBe(0);
    expect(wrongRes.stdout + wrongRes.stderr).not.toContain(wrong.slice(5));

    const reader = await t.project();
    const c = uniqueName('rbac');
    await reader.write('001_create.yaml', CREATE(c));
    const up = await reader.cli(['up', '--token', await userWithoutPrivileges()]);
    expect(up.code, up.stderr).toBe(0);

    // No deployer user exists without authorization: the step that needs CreatePartition runs.
    const deployer = await t.project();
    const d = uniqueName('rbac_step');
    await deployer.write('001_create.yaml', CREATE_WITH_PARTITION(d));
    const token = inject('milvusDeployerToken');
    const res = await deployer.cli(['up', '--json', ...(token ? ['--token', token] : [])]);
    expect(res.code, res.stderr).toBe(0);
    expect((await partitionsOf(t.client, d)).includes('p1')).toBe(true);
  });
});
