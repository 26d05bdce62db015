import { ConnectionError, MilvusCallError, errorMessage } from '../errors.js';
import { handshakeFailureOf, handshakeHint, handshakeSummary } from './tls.js';

/**
 * The one place that decides whether a Milvus answer is a success.
 *
 * The Node SDK rarely throws. Seen on Milvus 2.3.5 with SDK 2.6.17:
 * - most failures come back as a status value, either the whole answer (`{ error_code, reason,
 *   code }`) or its `status` field;
 * - `createCollection` throws that status object itself (a plain object, not an `Error`) for
 *   an invalid name or a different schema;
 * - a call the server does not implement (e.g. `addCollectionField` on 2.3) answers `{}`: no
 *   status at all, nothing changed. That must count as a failure, never as success;
 * - transport failures throw gRPC errors (`code` 14 UNAVAILABLE, 16 UNAUTHENTICATED, 4 DEADLINE).
 */

interface StatusLike {
  error_code?: string | number;
  reason?: string;
  detail?: string;
  code?: number;
}

/** gRPC status codes that mean "cannot reach or authenticate", not "the call failed". */
const GRPC_UNAVAILABLE = 14;
const GRPC_UNAUTHENTICATED = 16;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_PERMISSION_DENIED = 7;

function statusOf(res: unknown): StatusLike | undefined {
  if (!res || typeof res !== 'object') return undefined;
  const o = res as Record<string, unknown>;
  if ('error_code' in o || ('reason' in o && 'code' in o)) return o as StatusLike;
  if (o.status && typeof o.status === 'object') return o.status as StatusLike;
  return undefined;
}

function isFailure(s: StatusLike): boolean {
  if (s.error_code !== undefined && s.error_code !== 'Success' && s.error_code !== 0) return true;
  // Milvus 2.3+ also reports a numeric `code`; 0 is success.
  return typeof s.code === 'number' && s.code !== 0;
}

function failureOf(call: string, s: StatusLike): MilvusCallError {
  const reason = s.reason || s.detail || String(s.error_code ?? 'unknown error');
  const code = typeof s.code === 'number' && s.code !== 0 ? s.code : s.error_code;
  const hint = permissionHint(reason);
  return new MilvusCallError(call, reason, code, hint ? { hint } : undefined);
}

/**
 * Milvus 2.3 refuses an RBAC-denied call with gRPC 7 and details like
 * "PrivilegeCreatePartition: permission deny to alice": say which privilege the user lacks.
 */
function permissionHint(reason: string): string | undefined {
  if (!/permission den/i.test(reason)) return undefined;
  const privilege = /Privilege(\w+)/.exec(reason)?.[1];
  return `The Milvus user lacks ${privilege ? `the ${privilege} privilege` : 'a privilege this call needs'}: grant it to the user's role, or run migrations as a user who has it.`;
}

/**
 * Throws a typed error unless `res` is a successful Milvus answer.
 * @returns `res` unchanged, for chaining.
 */
export function checkResponse<T>(call: string, res: T): T {
  if (res === undefined || res === null) {
    throw new MilvusCallError(call, 'Milvus returned no answer');
  }
  if (typeof res === 'object' && !Array.isArray(res) && Object.keys(res as object).length === 0) {
    throw new MilvusCallError(
      call,
      'this Milvus server does not implement the call (it answered {} and changed nothing)',
      'Unimplemented',
      {
        hint: 'Upgrade Milvus or remove the step.',
      },
    );
  }
  const s = statusOf(res);
  if (s && isFailure(s)) throw failureOf(call, s);
  return res;
}

/** Converts anything a Milvus call threw into a typed error. */
export function toMilvusError(call: string, err: unknown, address: string): Error {
  if (err instanceof MilvusCallError || err instanceof ConnectionError) return err;
  const grpcCode = grpcCodeOf(err);
  const failure = grpcCode === GRPC_UNAVAILABLE ? handshakeFailureOf(grpcDetails(err)) : undefined;
  if (failure) {
    return new ConnectionError(address, `Cannot connect to Milvus at ${address}: ${handshakeSummary(failure)}: ${tidy(grpcDetails(err))}`, {
      cause: err,
      hint: handshakeHint(failure, address),
    });
  }
  if (grpcCode === GRPC_UNAVAILABLE || grpcCode === GRPC_DEADLINE_EXCEEDED) {
    return new ConnectionError(address, `Cannot connect to Milvus at ${address}: ${tidy(grpcDetails(err))}`, {
      cause: err,
      hint:
        'Check that Milvus is running and the address is right (--address, MILVUS_ADDRESS/MILVUS_URI, or address in milvus.config.yaml); ' +
        'for a server that speaks TLS, use https:// or ssl: true.',
    });
  }
  if (grpcCode === GRPC_UNAUTHENTICATED) {
    return new ConnectionError(address, `Milvus at ${address} refused the credentials: ${grpcDetails(err)}`, {
      cause: err,
      hint: 'Check token, or username and password (--token, MILVUS_TOKEN, MILVUS_USERNAME/MILVUS_PASSWORD, or the config file).',
    });
  }
  if (grpcCode === GRPC_PERMISSION_DENIED) {
    const reason = grpcDetails(err);
    return new MilvusCallError(call, `permission denied: ${reason}`, 'PERMISSION_DENIED', {
      cause: err,
      hint: permissionHint(`permission denied: ${reason}`)!,
    });
  }
  const s = statusOf(err);
  if (s && isFailure(s)) return failureOf(call, s);
  return new MilvusCallError(call, errorMessage(err), undefined, { cause: err });
}

/**
 * Whether a failed call is worth repeating: the server unavailable (a restarting proxy, a blip in
 * the network), or a deadline passed for a call that is safe to repeat. A refused certificate or a
 * host name that does not resolve is UNAVAILABLE too, but will fail the same way every time.
 */
export function isTransient(err: unknown, repeatable: boolean): boolean {
  const cause = err instanceof ConnectionError || err instanceof MilvusCallError ? err.cause : err;
  const code = grpcCodeOf(cause);
  if (code === GRPC_DEADLINE_EXCEEDED) return repeatable;
  return code === GRPC_UNAVAILABLE && handshakeFailureOf(grpcDetails(cause)) === undefined;
}

export function grpcCodeOf(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'number') {
    // Only gRPC errors are `Error` instances with a numeric code; Milvus status objects are plain.
    return err instanceof Error ? (err as { code: number }).code : undefined;
  }
  return undefined;
}

function grpcDetails(err: unknown): string {
  if (err && typeof err === 'object' && 'details' in err && typeof (err as { details: unknown }).details === 'string') {
    return (err as { details: string }).details || errorMessage(err);
  }
  return errorMessage(err);
}

/**
 * grpc-js details without what tells the user nothing: the empty "Resolution note", the timestamp,
 * and the OpenSSL source position (`:../deps/openssl/...c:1601:`).
 */
function tidy(details: string): string {
  return details
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '')
    .replace(/:\.\.\/deps\/openssl\/\S*?\.c:\d+:/g, ':')
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .replace(/\s+/g, ' ')
    .replace(/[\s:.]+$/, '')
    .trim();
}
