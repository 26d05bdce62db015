import { describe, expect, it } from 'vitest';
import { ConnectionError, MilvusCallError } from '../../../src/errors.js';
import { checkResponse, toMilvusError } from '../../../src/milvus/status.js';

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
