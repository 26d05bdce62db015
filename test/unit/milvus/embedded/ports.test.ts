import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { EmbeddedMilvusError } from '../../../../src/milvus/embedded/errors.js';
import { findFreePort, isPortFree, listeningInodes, portHolder, proxyPortFromConfig } from '../../../../src/milvus/embedded/ports.js';

describe('proxyPortFromConfig', () => {
  // Shape of the milvus.yaml that milvus-server 2.3.5 writes (abridged).
  const config = [
    'etcd:',
    '  endpoints: localhost:2379',
    'rootCoord:',
    '  port: 53100',
    'proxy:',
    '  timeTickInterval: 200 # ms',
    '  http:',
    '    enabled: true',
    '    port: 8080',
    '  ip: # if not specify address, will use the first unicastable address as local ip',
    '  port: 19541',
    '  internalPort: 19529',
    'queryCoord:',
    '  port: 19531',
  ].join('\n');

  it('reads proxy.port, not another section or a nested port', () => {
    expect(proxyPortFromConfig(config)).toBe(19541);
  });

  it('is undefined when there is no proxy port', () => {
    expect(proxyPortFromConfig('rootCoord:\n  port: 53100\n')).toBeUndefined();
    expect(proxyPortFromConfig('')).toBeUndefined();
  });
});

describe('findFreePort', () => {
  it('returns the first port the check accepts', async () => {
    const taken = new Set([19530, 19531]);
    await expect(findFreePort(19530, { isFree: async (p) => !taken.has(p) })).resolves.toBe(19532);
  });

  it('gives up after the given number of tries, with a hint', async () => {
    const err = await findFreePort(19530, { tries: 3, isFree: async () => false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedMilvusError);
    expect((err as EmbeddedMilvusError).kind).toBe('connection');
    expect((err as Error).message).toMatchInlineSnapshot(`"No free port for Embedded Milvus in 19530-19532."`);
    expect((err as EmbeddedMilvusError).hint).toMatchInlineSnapshot(
      `"Pass a free port, or use a running Milvus instead with --address HOST:PORT (or MILVUS_ADDRESS)."`,
    );
  });
});

describe('isPortFree', () => {
  it('sees a port taken on 127.0.0.1 and sees it free again once released', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('who holds a port', () => {
  it('reads the listening sockets of a port from /proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:4C1A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 636 1 0000 100 0 0 10 0',
      '   1: 0100007F:4C1A 0100007F:BB42 01 00000000:00000000 03:000001B3 00000000     0        0 0 3 0000',
      '   2: 0100007F:0950 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000 100 0 0 10 0',
    ].join('\n');
    expect(listeningInodes(text, 19482)).toEqual(['636']); // 0x4C1A, listening; the connected one is not
    expect(listeningInodes(text, 2384)).toEqual(['777']);
    expect(listeningInodes(text, 19530)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('names the process that listens (this one here)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      expect(portHolder(port)).toMatch(new RegExp(`^pid ${process.pid} \\(`));
    } finally {
      server.close();
    }
  });
});
