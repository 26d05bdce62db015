/**
 * A Milvus user for RBAC tests whose role has every privilege milvus-migrate needs for its lock,
 * its state and a createCollection step, but not `CreatePartition`.
 *
 * Milvus 2.3.5 makes new grants effective in its proxy only after a delay that varies per
 * privilege (measured: 5 to 75 s after the grant, whether or not the user is used meanwhile).
 * The user is therefore created by the global setup, minutes before the auth tests run, and
 * {@link waitUntilGranted} proves the grants are live before a test relies on them.
 */
import { randomBytes } from 'node:crypto';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';

/** Milvus 2.3 RBAC privilege names, by object type. */
export const DEPLOYER_PRIVILEGES = {
  Global: ['CreateCollection', 'DropCollection', 'DescribeCollection', 'ShowCollections'],
  Collection: [
    'CreateIndex',
    'IndexDetail',
    'Load',
    'GetLoadingProgress',
    'GetLoadState',
    'Insert',
    'Upsert',
    'Delete',
    'Query',
    'Flush',
    'GetFlushState',
    'ShowPartitions',
    'HasPartition',
    'Release',
    'GetStatistics',
  ],
} as const;

/** The privilege the deployer lacks. */
export const DEPLOYER_MISSING_PRIVILEGE = 'CreatePartition';

export interface DeployerUser {
  readonly token: string;
  drop(): Promise<void>;
}

function client(address: string, token: string): MilvusClient {
  return new MilvusClient({ address, token, logLevel: 'error', timeout: 15_000 });
}

function assertOk(what: string, res: { error_code?: unknown; reason?: unknown }): void {
  if (res.error_code !== 'Success') throw new Error(`${what}: ${String(res.reason ?? res.error_code)}`);
}

/** Creates the deployer user and role on the server `address` as the admin `adminToken`. */
export async function createDeployerUser(address: string, adminToken: string): Promise<DeployerUser> {
  const admin = client(address, adminToken);
  const user = `deployer_${randomBytes(4).toString('hex')}`;
  const role = `${user}_role`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const grants = Object.entries(DEPLOYER_PRIVILEGES).flatMap(([object, names]) =>
    names.map((privilegeName) => ({ object, privilegeName })),
  );
  try {
    assertOk('createUser', await admin.createUser({ username: user, password }));
    assertOk('createRole', await admin.createRole({ roleName: role }));
    for (const g of grants)
      assertOk(`grant ${g.privilegeName}`, await admin.grantPrivilege({ roleName: role, objectName: '*', ...g } as never));
    assertOk('addUserToRole', await admin.addUserToRole({ username: user, roleName: role }));
  } finally {
    await admin.closeConnection();
  }
  return {
    token: `${user}:${password}`,
    async drop() {
      // Milvus 2.3 allows 10 roles per server (proxy.maxRoleNum) and drops no role that has grants.
      const c = client(address, adminToken);
      try {
        for (const g of grants) await c.revokePrivilege({ roleName: role, objectName: '*', ...g } as never);
        await c.removeUserFromRole({ username: user, roleName: role });
        await c.dropRole({ roleName: role });
        await c.deleteUser({ username: user });
      } finally {
        await c.closeConnection();
      }
    },
  };
}

/**
 * Resolves once every granted privilege the tests use works for the deployer (each one is tried
 * on a probe collection); throws after `timeoutMs` naming the privileges still denied.
 */
export async function waitUntilGranted(address: string, token: string, adminToken: string, timeoutMs = 120_000): Promise<void> {
  const probe = `probe_${randomBytes(4).toString('hex')}`;
  const c = client(address, token);
  const denied = (err: unknown) =>
    /permission den/i.test(String((err as { reason?: string; details?: string })?.reason ?? (err as Error)?.message ?? err));
  const tries: Record<string, () => Promise<unknown>> = {
    CreateCollection: () =>
      c.createCollection({
        collection_name: probe,
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'v', data_type: 'FloatVector', dim: 2 },
        ],
      } as never),
    DescribeCollection: () => c.describeCollection({ collection_name: probe }),
    CreateIndex: () => c.createIndex({ collection_name: probe, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }),
    Load: () => c.loadCollection({ collection_name: probe }),
    GetLoadState: () => c.getLoadState({ collection_name: probe }),
    Insert: () => c.insert({ collection_name: probe, data: [{ id: 1, v: [1, 2] }] }),
    Upsert: () => c.upsert({ collection_name: probe, data: [{ id: 1, v: [1, 2] }] }),
    Query: () => c.query({ collection_name: probe, filter: 'id >= 0', output_fields: ['id'] }),
    DropCollection: () => c.dropCollection({ collection_name: `${probe}_absent` }),
  };
  const pending = new Set(Object.keys(tries));
  const deadline = Date.now() + timeoutMs;
  try {
    while (pending.size) {
      for (const name of Object.keys(tries)) {
        if (!pending.has(name)) continue;
        let res: unknown;
        try {
          res = await tries[name]!();
        } catch (err) {
          if (!denied(err)) throw err;
          break;
        }
        const status = (res as { status?: { reason?: string }; reason?: string }).status ?? res;
        if (denied(status)) break;
        pending.delete(name);
      }
      if (!pending.size) break;
      if (Date.now() > deadline)
        throw new Error(`Milvus did not apply the deployer's grants within ${timeoutMs / 1000} s: still denied ${[...pending].join(', ')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await c.closeConnection();
    const admin = client(address, adminToken);
    await admin.dropCollection({ collection_name: probe });
    await admin.closeConnection();
  }
}
