import { describe, expect, it } from 'vitest';
import { ConnectionError, MilvusCallError } from '../../../src/errors.js';
import { checkResponse, isTransient, toMilvusError } from '../../../src/milvus/status.js';

/** Answers as seen from Milvus 2.3.5 through SDK 2.6.17. */
const success = { error_code: 'Success', reason: '', code: 0 };

describe('checkResponse', () => {
  it('passes a bare success status and an answer wrapping one', () => {
    expect(checkResponse('createPartition', success)).toBe(success);
    const res = { status: success, value: true };
    expect(checkResponse('hasCollection', res)).toBe(res);
  });

  it('turns a failure status into a typed error with call, reason and code', () => {
    const res = {
      error_code: 'UnexpectedError',
      reason: 'partition cannot be dropped, partition is loaded, please release it first',
      code: 65535,
    };
    expect(() => checkResponse('dropPartition', res)).toThrowErrorMatchingInlineSnapshot(
      `[MilvusCallError: dropPartition failed: partition cannot be dropped, partition is loaded, please release it first (code 65535)]`,
    );
    try {
      checkResponse('dropPartition', res);
    } catch (e) {
      expect(e).toBeInstanceOf(MilvusCallError);
      expect(e).toMatchObject({ call: 'dropPartition', code: 65535, kind: 'migration-failed' });
    }
  });

  it('reads the status field of data answers', () => {
    expect(() =>
      checkResponse('describeCollection', {
        status: { error_code: 'UnexpectedError', reason: "can't find collection", code: 100 },
        schema: {},
      }),
    ).toThrow("describeCollection failed: can't find collection (code 100)");
  });

  it('treats {} (a call the server lacks, e.g. addCollectionField on 2.3) as a failure, never success', () => {
    expect(() => checkResponse('addCollectionField', {})).toThrow(
      'addCollectionField failed: this Milvus server does not implement the call (it answered {} and changed nothing) (code Unimplemented)',
    );
  });

  it('treats no answer as a failure', () => {
    expect(() => checkResponse('x', undefined)).toThrow('x failed: Milvus returned no answer');
  });
});

describe('toMilvusError', () => {
  it('converts a thrown plain status object (createCollection) into a MilvusCallError', () => {
    const thrown = { error_code: 'IllegalArgument', reason: 'Invalid collection name: 1bad', code: 1100 };
    const e = toMilvusError('createCollection', thrown, 'h:1');
    expect(e).toBeInstanceOf(MilvusCallError);
    expect(e.message).toBe('createCollection failed: Invalid collection name: 1bad (code 1100)');
  });

  it('maps gRPC UNAVAILABLE and UNAUTHENTICATED to connection errors naming the address', () => {
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
    });
    const e = toMilvusError('connect', unavailable, 'db.example:19530');
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toBe('Cannot connect to Milvus at db.example:19530: No connection established');
    const unauth = Object.assign(new Error('16 UNAUTHENTICATED'), { code: 16, details: 'auth check failure' });
    expect(toMilvusError('connect', unauth, 'h:1').message).toBe('Milvus at h:1 refused the credentials: auth check failure');
  });
});

/** A gRPC UNAVAILABLE as grpc-js 1.14 raises it, with `details` as seen against a TLS listener in front of Milvus 2.3.5. */
const unavailable = (details: string) => Object.assign(new Error(`14 UNAVAILABLE: ${details}`), { code: 14, details });
const SEEN = {
  untrusted: 'No connection established. Last error: Error: unable to verify the first certificate. Resolution note: ',
  altnames:
    "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: wrong.test. is not in the cert's altnames: DNS:localhost, DNS:milvus.test, IP Address:127.0.0.1. Resolution note: ",
  clientCert:
    'No connection established. Last error: 806C8596987F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n (2026-12-02T00:35:50.286Z). Resolution note: ',
  notTls:
    'No connection established. Last error: Error: 806C8596987F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: ',
  dns: 'Name resolution failed for target dns:no-such-host.invalid:19530',
  refused: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
  plainToTls: 'No connection established. Last error: Failed to connect (2026-12-02T00:35:48.114Z). Resolution note: ',
};

describe('certificate and name-resolution failures', () => {
  it('are connection errors (exit 5) that are not retried', () => {
    for (const details of [SEEN.untrusted, SEEN.altnames, SEEN.clientCert, SEEN.notTls, SEEN.dns]) {
      const e = toMilvusError('connect', unavailable(details), 'h:19530');
      expect(e, details).toBeInstanceOf(ConnectionError);
      expect(isTransient(e, true), details).toBe(false);
    }
  });

  it('a server that is down or refuses the connection still is (it may be restarting)', () => {
    for (const details of [SEEN.refused, SEEN.plainToTls])
      expect(isTransient(toMilvusError('connect', unavailable(details), 'h:1'), true)).toBe(true);
    const deadline = Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4, details: 'Deadline exceeded' });
    expect(isTransient(toMilvusError('describeCollection', deadline, 'h:1'), true)).toBe(true);
    expect(isTransient(toMilvusError('insert', deadline, 'h:1'), false)).toBe(false);
  });

  it('say what failed and what to set, without the noise of grpc-js', () => {
    const text = (details: string) => {
      const e = toMilvusError('connect', unavailable(details), 'localhost:8443') as ConnectionError;
      return `${e.message}\n(${e.hint})`;
    };
    expect(text(SEEN.untrusted)).toMatchInlineSnapshot(`
      "Cannot connect to Milvus at localhost:8443: TLS handshake failed (untrusted certificate): No connection established. Last error: Error: unable to verify the first certificate
      (The server's certificate is not trusted. For a private CA or a self-signed certificate, set tls.caFile (MILVUS_TLS_CA_FILE) to the CA's PEM file; for local tests only, tls.skipVerify: true.)"
    `);
    expect(text(SEEN.altnames)).toMatchInlineSnapshot(`
      "Cannot connect to Milvus at localhost:8443: TLS handshake failed (host name mismatch): No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: wrong.test. is not in the cert's altnames: DNS:localhost, DNS:milvus.test, IP Address:127.0.0.1
      (The server's certificate is not issued for the host in localhost:8443. Connect by a name the certificate lists, or set tls.serverName (MILVUS_TLS_SERVER_NAME) to one of them.)"
    `);
    expect(text(SEEN.clientCert)).toMatchInlineSnapshot(`
      "Cannot connect to Milvus at localhost:8443: TLS handshake failed (client certificate required or refused): No connection established. Last error: 806C8596987F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:SSL alert number 116
      (The server requires a client certificate (mutual TLS, Milvus tlsMode 2) and refused the connection: set tls.certFile and tls.keyFile (MILVUS_TLS_CERT_FILE, MILVUS_TLS_KEY_FILE) to a certificate signed by a CA the server trusts.)"
    `);
    expect(text(SEEN.notTls)).toMatchInlineSnapshot(`
      "Cannot connect to Milvus at localhost:8443: TLS handshake failed (the server does not speak TLS): No connection established. Last error: Error: 806C8596987F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number
      (The server at localhost:8443 does not speak TLS: remove ssl/tls (or https://) from the settings, or check the port.)"
    `);
    expect(text(SEEN.dns)).toMatchInlineSnapshot(`
      "Cannot connect to Milvus at localhost:8443: host name not found: Name resolution failed for target dns:no-such-host.invalid:19530
      (The host name in localhost:8443 does not resolve: check it for typos (--address, MILVUS_ADDRESS/MILVUS_URI, or address in milvus.config.yaml) and the DNS.)"
    `);
  });
});
