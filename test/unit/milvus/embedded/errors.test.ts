import { describe, expect, it } from 'vitest';
import { EmbeddedMilvusBusyError } from '../../../../src/milvus/embedded/errors.js';

describe('EmbeddedMilvusBusyError', () => {
  it('names the running server and says that only one fits a machine', () => {
    const err = new EmbeddedMilvusBusyError('/work/.milvus', { dataDir: '/tmp/devmilvus', port: 19530, pid: 3387 });
    expect(err.kind).toBe('connection');
    expect(err.address).toBe('127.0.0.1:19530');
    expect(err.message).toMatchInlineSnapshot(
      `"Cannot start Embedded Milvus for /work/.milvus: another Embedded Milvus is already running on this machine (data in /tmp/devmilvus, address 127.0.0.1:19530, pid 3387). Only one Embedded Milvus fits a machine (its etcd always binds 127.0.0.1:2380): stop it, or use it with --address 127.0.0.1:19530."`,
    );
    expect(err.hint).toMatchInlineSnapshot(
      `"Stop the running server, or use it (or any Milvus) with --address 127.0.0.1:19530 or MILVUS_ADDRESS."`,
    );
  });

  it('still says what to do when the holder of the etcd port is unknown', () => {
    const err = new EmbeddedMilvusBusyError('/work/.milvus', undefined);
    expect(err.running).toBeUndefined();
    expect(err.message).toMatchInlineSnapshot(
      `"Cannot start Embedded Milvus for /work/.milvus: 127.0.0.1:2380 is already in use (another Embedded Milvus, or an etcd, runs on this machine). Only one Embedded Milvus fits a machine (its etcd always binds 127.0.0.1:2380): stop it, or use a running Milvus with --address."`,
    );
  });
});
