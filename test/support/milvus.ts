/**
 * Helpers for integration tests: where Milvus is, unique names, a raw SDK client for checking
 * Milvus behind the tool's back. The server itself comes from `./global-milvus.ts`.
 */
import { randomBytes } from 'node:crypto';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { inject } from 'vitest';
import { atLeast } from '../../src/milvus/version.js';

/** `host:port` of the Milvus this run uses (Embedded, or `MILVUS_ADDRESS`). */
export function testAddress(): string {
  const address = inject('milvusAddress');
  if (!address) throw new Error('No Milvus address: is test/support/global-milvus.ts the globalSetup of this project?');
  return address;
}

/** The token for {@link testAddress} (empty when the server needs none). */
export function testToken(): string {
  return inject('milvusToken');
}

/**
 * Whether the test server refuses calls without credentials (the suite's own Embedded Milvus
 * does). Known when a file is collected, for `it.runIf(serverHasAuth())`.
 */
export function serverHasAuth(): boolean {
  return inject('milvusAuth');
}

/** The version the test server reports, e.g. `v2.3.5-lite`. */
export function serverVersion(): string {
  return inject('milvusVersion');
}

/**
 * Whether the test server is `version` or newer. Known when a file is collected, so a test that
 * needs it reads `it.runIf(serverAtLeast('2.5.0'))('... (needs Milvus 2.5)', ...)`.
 */
export function serverAtLeast(version: string): boolean {
  return atLeast(serverVersion(), version);
}

/** Milvus' limit on collection, partition, alias, index and database names. */
const MAX_NAME_LENGTH = 255;

/**
 * A name no other test (or earlier run against the same server) uses: `prefix_<time>_<random>`.
 * Valid for Milvus: letters, digits and `_`, starting with a letter or `_`, at most 255 chars.
 */
export function uniqueName(prefix: string): string {
  let safe = prefix.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(safe)) safe = `_${safe}`;
  const suffix = `_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return `${safe.slice(0, MAX_NAME_LENGTH - suffix.length)}${suffix}`;
}

/**
 * A connected SDK client for {@link testAddress}. Close it in `afterAll`
 * (`await client.closeConnection()`), or the test file keeps gRPC channels open.
 */
export async function sdkClient(): Promise<MilvusClient> {
  const address = testAddress();
  const client = new MilvusClient({
    address,
    token: testToken() || undefined,
    // The SDK logs every call at debug level when NODE_ENV is `test`, as it is under vitest.
    logLevel: 'error',
    // Connect ourselves: the constructor's background connect rejects unobserved on failure.
    __SKIP_CONNECT__: true,
  });
  client.connect(MilvusClient.sdkInfo.version);
  try {
    await client.connectPromise;
  } catch (err) {
    await client.closeConnection().catch(() => {});
    throw new Error(`Cannot connect to the test Milvus at ${address}`, { cause: err });
  }
  return client;
}
