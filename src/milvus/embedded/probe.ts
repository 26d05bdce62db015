/** Whether a Milvus answers at an address (and which version it is). */
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { loadSdk } from '../sdk.js';
import { EMBEDDED_ROOT_CREDENTIALS } from './server.js';

interface ProbeOptions {
  authorization?: boolean;
  timeoutMs?: number;
}

/**
 * Asks the proxy a real question: Connect, then CheckHealth. Never throws and never leaves an
 * unhandled rejection behind (a client for a dead address rejects `connectPromise`).
 */
export async function probeMilvus(address: string, options: ProbeOptions = {}): Promise<boolean> {
  return (await ask(address, options, async (client) => (await client.checkHealth()).isHealthy === true)) === true;
}

/** The version a healthy Milvus at `address` reports (e.g. `v2.3.5-lite`); `undefined` when it does not answer. */
export async function probeVersion(address: string, options: ProbeOptions = {}): Promise<string | undefined> {
  return ask(address, options, async (client) => {
    if ((await client.checkHealth()).isHealthy !== true) return undefined;
    return (await client.getVersion()).version || undefined;
  });
}

/** Connects, asks, closes; `undefined` for any failure or a timeout. */
async function ask<T>(address: string, options: ProbeOptions, question: (client: MilvusClient) => Promise<T>): Promise<T | undefined> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const { MilvusClient } = await loadSdk();
  const client = new MilvusClient({
    address,
    timeout: timeoutMs,
    maxRetries: 0,
    ...(options.authorization ? EMBEDDED_ROOT_CREDENTIALS : {}),
    // Probes fail on purpose while Milvus starts; the SDK would log each one (at debug level
    // whenever NODE_ENV is `test`). Same level as the client factory (client.ts) sets.
    logLevel: 'error',
    __SKIP_CONNECT__: true,
  });
  try {
    client.connect(MilvusClient.sdkInfo.version);
    client.connectPromise.catch(() => {});
    const answer = (async () => {
      await client.connectPromise;
      return question(client);
    })();
    answer.catch(() => {});
    // Belt and braces over the SDK deadline; cleared so it never keeps the process alive.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs + 1_000);
    });
    try {
      return await Promise.race([answer, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return undefined;
  } finally {
    await client.closeConnection().catch(() => {});
  }
}
