/**
 * Vitest global setup of the integration project: one real Milvus for the whole run.
 *
 * - `MILVUS_ADDRESS` set: that server is used (it must answer; nothing is started).
 * - Else `MILVUS_TEST_DOCKER=1`: Milvus standalone (image `MILVUS_IMAGE`, default
 *   `DEFAULT_MILVUS_IMAGE`) is started in Docker through testcontainers and stopped in teardown.
 *   Without a Docker engine setup fails with a message naming where Docker was looked for.
 * - Otherwise one Embedded Milvus 2.3.5 is started with its data in a fresh temp folder, and
 *   stopped (and the folder removed) in teardown. Only one Embedded Milvus fits a machine, which
 *   is why it is started here once and not per file.
 *
 * Tests read the address with `inject('milvusAddress')` (see `./milvus.ts`); child processes
 * (the CLI) get it from `process.env.MILVUS_TEST_ADDRESS`. If Milvus cannot be had, setup
 * throws: integration tests fail loudly, they are never skipped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { TestProject } from 'vitest/node';
import type { Logger } from '../../src/logger.js';
import { startDockerMilvus } from '../../src/milvus/docker.js';
import { startEmbedded, type EmbeddedServer } from '../../src/milvus/embedded/index.js';
import { createDeployerUser } from './rbac.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the Milvus the integration tests use. */
    milvusAddress: string;
    /** Data folder of the Embedded Milvus this run started; empty string for `MILVUS_ADDRESS` or Docker. */
    milvusDataDir: string;
    /** Token for the test server (`root:Milvus` for the suite's own server; `MILVUS_TOKEN` or '' otherwise). */
    milvusToken: string;
    /** Whether the server refuses calls without credentials (true for the suite's own server). */
    milvusAuth: boolean;
    /** Token of a user lacking one privilege (see `./rbac.ts`); empty when the server has no authorization. */
    milvusDeployerToken: string;
    /** The version the server reports, e.g. `v2.3.5-lite`: tests that need a newer one are skipped by it. */
    milvusVersion: string;
  }
}

/** Progress goes to stderr: a first run installs (~35 s) and starts (~10 s) Milvus; say so. */
const logger: Logger = {
  debug() {},
  info: (message) => void process.stderr.write(`[milvus] ${message}\n`),
  warn: (message) => void process.stderr.write(`[milvus] warning: ${message}\n`),
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.MILVUS_ADDRESS;
  if (external) {
    await assertAnswers(external);
    const auth = await refusesAnonymous(external);
    await expose(project, external, '', process.env.MILVUS_TOKEN ?? '', auth);
    const deployer = await provideDeployer(project, external, auth, process.env.MILVUS_TOKEN ?? '');
    return async () => {
      await deployer?.drop();
    };
  }

  if (process.env.MILVUS_TEST_DOCKER === '1') {
    const server = await startDockerMilvus({ logger });
    try {
      // The image starts without authorization, so tests get no token (as for such a MILVUS_ADDRESS).
      const auth = await refusesAnonymous(server.address);
      await expose(project, server.address, '', '', auth);
      await provideDeployer(project, server.address, auth, '');
    } catch (err) {
      await server.stop();
      throw err;
    }
    return () => server.stop();
  }

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'milvus-migrate-test-'));
  let server: EmbeddedServer;
  try {
    // Authorization on, as in production: tests pass credentials everywhere, and the auth tests
    // can check refused and missing credentials against this same server.
    server = await startEmbedded({ dataDir, logger, authorization: true });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  try {
    await expose(project, server.address, server.dataDir, ROOT_TOKEN, true);
    await provideDeployer(project, server.address, true, ROOT_TOKEN);
  } catch (err) {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

/** The built-in root user of a Milvus started with authorization, as a token. */
const ROOT_TOKEN = 'root:Milvus';

async function expose(project: TestProject, address: string, dataDir: string, token: string, auth: boolean): Promise<void> {
  project.provide('milvusAddress', address);
  project.provide('milvusDataDir', dataDir);
  project.provide('milvusToken', token);
  project.provide('milvusAuth', auth);
  project.provide('milvusVersion', await reportedVersion(address, token));
  process.env.MILVUS_TEST_ADDRESS = address;
}

/** The version `address` reports (test files read it when they are collected, before any hook). */
async function reportedVersion(address: string, token: string): Promise<string> {
  const client = new MilvusClient({ address, token: token || undefined, timeout: 15_000, logLevel: 'error', __SKIP_CONNECT__: true });
  try {
    client.connect(MilvusClient.sdkInfo.version);
    await client.connectPromise;
    const res = await client.getVersion();
    if (!res.version) throw new Error(`${address} reports no version: ${JSON.stringify(res)}`);
    return res.version;
  } finally {
    await client.closeConnection().catch(() => {});
  }
}

/**
 * Creates the RBAC test user now, because Milvus 2.3 applies new grants only after a delay: by the
 * time the auth tests run, they are live.
 */
async function provideDeployer(project: TestProject, address: string, auth: boolean, adminToken: string) {
  const deployer = auth ? await createDeployerUser(address, adminToken) : undefined;
  project.provide('milvusDeployerToken', deployer?.token ?? '');
  return deployer;
}

/** Fails the run up front, with one clear message, when the given server does not answer. */
async function assertAnswers(address: string): Promise<void> {
  const client = new MilvusClient({
    address,
    token: process.env.MILVUS_TOKEN,
    username: process.env.MILVUS_USERNAME,
    password: process.env.MILVUS_PASSWORD,
    timeout: 15_000,
    // The SDK logs every call at debug level when NODE_ENV is `test`, as it is under vitest.
    logLevel: 'error',
    __SKIP_CONNECT__: true,
  });
  try {
    client.connect(MilvusClient.sdkInfo.version);
    await client.connectPromise;
    const health = await client.checkHealth();
    if (!health.isHealthy) throw new Error(`not healthy: ${JSON.stringify(health.reasons)}`);
  } catch (err) {
    throw new Error(`MILVUS_ADDRESS=${address} does not answer: ${err instanceof Error ? err.message : JSON.stringify(err)}`, {
      cause: err,
    });
  } finally {
    await client.closeConnection().catch(() => {});
  }
}

/** Whether `address` refuses a call made without credentials (authorization enabled). */
async function refusesAnonymous(address: string): Promise<boolean> {
  const client = new MilvusClient({ address, timeout: 15_000, logLevel: 'error', __SKIP_CONNECT__: true });
  try {
    client.connect(MilvusClient.sdkInfo.version);
    await client.connectPromise;
    await client.listDatabases();
    return false;
  } catch (err) {
    if ((err as { code?: unknown }).code === 16) return true;
    throw err;
  } finally {
    await client.closeConnection().catch(() => {});
  }
}
