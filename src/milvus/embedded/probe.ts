/** Whether a Milvus answers at an address. */
import { loadSdk } from '../sdk.js';
import { EMBEDDED_ROOT_CREDENTIALS } from './server.js';

/**
 * Asks the proxy a real question: Connect, then CheckHealth. Never throws and never leaves an
 * unhandled rejection behind (a client for a dead address rejects `connectPromise`).
 */
export async function probeMilvus(address: string, options: { authorization?: boolean; timeoutMs?: number } = {}): Promise<boolean> {
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
      const health = await client.checkHealth();
      return health.isHealthy === true;
    })();
    answer.catch(() => {});
    // Belt and braces over the SDK deadline; cleared so it never keeps the process alive.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs + 1_000);
    });
    try {
      return await Promise.race([answer, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return false;
  } finally {
    await client.closeConnection().catch(() => {});
  }
}
