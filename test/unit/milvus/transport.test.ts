/**
 * The lean interceptor in place of the SDK's retry interceptor: it never turns a message into
 * JSON, and a call the server lacks still answers `{}`. Exercised over real gRPC, against a
 * grpc-js server with no services (every call: UNIMPLEMENTED).
 */
import { createRequire } from 'node:module';
import * as sdk from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLeanInterceptor } from '../../../src/milvus/transport.js';

const grpc = createRequire(createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node'))(
  '@grpc/grpc-js',
) as typeof import('@grpc/grpc-js');

let server: import('@grpc/grpc-js').Server;
let address: string;

beforeAll(async () => {
  server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

const client = () => new sdk.MilvusClient({ address, logLevel: 'error', maxRetries: 0, __SKIP_CONNECT__: true });
const interceptors = (c: sdk.MilvusClient) => (c.channelOptions as { interceptors: unknown[] }).interceptors;

/** A request that counts how often something turns it into JSON. */
function counted() {
  const seen = { json: 0 };
  return { seen, req: { toJSON: () => (seen.json++, {}) } };
}

describe('useLeanInterceptor', () => {
  it('replaces the SDK retry interceptor, and only it', () => {
    const c = client();
    const before = [...interceptors(c)];
    expect(useLeanInterceptor(sdk, c)).toBe(true);
    const after = interceptors(c);
    expect(after).toHaveLength(before.length);
    expect(after.filter((f, i) => f !== before[i])).toHaveLength(1);
    // Already lean: nothing left to replace.
    expect(useLeanInterceptor(sdk, c)).toBe(false);
    void c.closeConnection();
  });

  it('leaves an interceptor it does not recognise alone', () => {
    const c = client();
    const before = [...interceptors(c)];
    const other = { getRetryInterceptor: () => () => 'another SDK version' } as unknown as typeof sdk;
    expect(useLeanInterceptor(other, c)).toBe(false);
    expect(interceptors(c)).toEqual(before);
    void c.closeConnection();
  });

  it("the SDK's interceptor writes each request out as JSON; the lean one does not", async () => {
    const plain = client();
    const a = counted();
    await sdk.promisify(plain.channelPool, 'GetVersion', a.req, 5_000);
    expect(a.seen.json).toBeGreaterThan(0);
    void plain.closeConnection();

    const lean = client();
    useLeanInterceptor(sdk, lean);
    const b = counted();
    await sdk.promisify(lean.channelPool, 'GetVersion', b.req, 5_000);
    expect(b.seen.json).toBe(0);
    void lean.closeConnection();
  });

  it('a call the server lacks answers {} as through the SDK interceptor', async () => {
    const plain = client();
    const lean = client();
    useLeanInterceptor(sdk, lean);
    const [x, y] = await Promise.all([
      sdk.promisify(plain.channelPool, 'DescribeDatabase', { db_name: 'default' }, 5_000),
      sdk.promisify(lean.channelPool, 'DescribeDatabase', { db_name: 'default' }, 5_000),
    ]);
    expect(y).toEqual({});
    expect(y).toEqual(x);
    void plain.closeConnection();
    void lean.closeConnection();
  });
});
