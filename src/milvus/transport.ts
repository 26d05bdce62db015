/**
 * The SDK's gRPC retry interceptor, swapped for a lean one. The SDK (2.6.17) puts it on every
 * client, even with `maxRetries: 0` (this tool retries in its own loop), and it turns every
 * request and every answer into JSON for a debug log line, whatever the log level: a page of
 * 1,000 rows of 128-dim vectors becomes a 2.5 MB string going out and another coming back. That
 * was about half the client's CPU time in a copy (profiled on Embedded Milvus 2.3.5; bench P5).
 *
 * The lean interceptor keeps what the SDK's does when it never retries: a call the server does
 * not have (gRPC UNIMPLEMENTED) answers `{}` with status OK, which `status.ts` reads as "this
 * server lacks the call". Everything else passes through untouched.
 */
import { createRequire } from 'node:module';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { MilvusSdk } from './sdk.js';

/** The parts of @grpc/grpc-js the interceptor uses: the SDK's own copy, so its calls accept it. */
interface Grpc {
  InterceptingCall: new (next: unknown, requester: unknown) => unknown;
  status: { OK: number; UNIMPLEMENTED: number };
}

type Interceptor = (options: unknown, nextCall: (options: unknown) => unknown) => unknown;

interface Status {
  code: number;
  [key: string]: unknown;
}

let grpc: Grpc | undefined;

/** @grpc/grpc-js as the SDK resolves it (the same module instance, not a second copy). */
function sdkGrpc(): Grpc {
  const local = createRequire(import.meta.url);
  return (grpc ??= createRequire(local.resolve('@zilliz/milvus2-sdk-node'))('@grpc/grpc-js') as Grpc);
}

/** An interceptor doing only the SDK retry interceptor's UNIMPLEMENTED → `{}` translation. */
export function leanInterceptor(g: Grpc): Interceptor {
  return (options, nextCall) =>
    new g.InterceptingCall(nextCall(options), {
      start(metadata: unknown, listener: { onReceiveMessage(m: unknown): void }, next: (m: unknown, l: unknown) => void) {
        let message: unknown;
        let forward: ((m: unknown) => void) | undefined;
        next(metadata, {
          // A unary call has one message; it goes on with the status, which may replace it.
          onReceiveMessage(m: unknown, nextMessage: (m: unknown) => void) {
            message = m;
            forward = nextMessage;
          },
          onReceiveStatus(status: Status, nextStatus: (s: Status) => void) {
            let s = status;
            if (s.code === g.status.UNIMPLEMENTED) {
              message = {};
              s = { ...s, code: g.status.OK };
            }
            if (message !== undefined) (forward ?? ((m: unknown) => listener.onReceiveMessage(m)))(message);
            nextStatus(s);
          },
        });
      },
    });
}

/**
 * Replaces the SDK's retry interceptor on `client` (in place: the channel pool's clients share
 * the list). Found by its source text, compared with a fresh one from the SDK's own factory, so
 * another SDK version's interceptor is left alone rather than guessed at. Returns whether it was
 * replaced.
 */
export function useLeanInterceptor(sdk: Pick<MilvusSdk, 'getRetryInterceptor'>, client: MilvusClient, g?: Grpc): boolean {
  const list = (client.channelOptions as { interceptors?: Interceptor[] }).interceptors;
  if (!Array.isArray(list) || typeof sdk.getRetryInterceptor !== 'function') return false;
  const source = sdk.getRetryInterceptor({ maxRetries: 0, retryDelay: 0, clientId: '' }).toString();
  const at = list.findIndex((f) => typeof f === 'function' && f.toString() === source);
  if (at < 0) return false;
  let grpcOfSdk: Grpc;
  try {
    grpcOfSdk = g ?? sdkGrpc();
  } catch {
    // An install where the SDK's gRPC cannot be resolved from here: the SDK's interceptor stays (slower, not wrong).
    return false;
  }
  list[at] = leanInterceptor(grpcOfSdk);
  return true;
}
