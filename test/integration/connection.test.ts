/**
 * Connections as production Milvus needs them: TLS with a private CA, mutual TLS, a server name
 * override, skipping verification; certificate failures reported at once (exit 5) instead of
 * retried; a database that does not exist reported at connect time (exit 2).
 *
 * TLS: a listener started here, with certificates made here, in front of the test server's plain
 * port (see `../support/tls.ts`), plays a Milvus with `tlsMode: 1` or `2`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { testAddress, uniqueName } from '../support/milvus.js';
import { hasCollection } from '../support/sdk.js';
import { hasOpenssl, makeCertificates, startTlsListener, type TestCertificates, type TlsListener } from '../support/tls.js';

const t = useMilvusTest();

const FIELDS = '[{ name: id, data_type: Int64, is_primary_key: true }, { name: v, data_type: FloatVector, dim: 2 }]';
const CREATE = (c: string) => `up:\n  - createCollection: { collection_name: ${c}, fields: ${FIELDS} }\n`;

/** Lines the retry loop writes for each transient failure it retries. */
const RETRYING = /retrying in \d+ ms/;
/** Nothing from the SDK's own (coloured, winston) logger, e.g. its warning for an address without a port, and no colour. */
function expectNoSdkOutput(stderr: string): void {
  expect(stderr).not.toMatch(/Milvus-sdk-node|No port specified/);
  expect(stderr).not.toContain('\u001b[');
}

describe.runIf(hasOpenssl)('TLS (needs the openssl CLI to make certificates)', () => {
  let certs: TestCertificates;
  /** One-way TLS, certificate signed by the test CA. */
  let oneWay: TlsListener;
  /** Mutual TLS: a client certificate signed by the test CA is required. */
  let mutual: TlsListener;
  /** One-way TLS with a self-signed certificate. */
  let selfSigned: TlsListener;

  beforeAll(async () => {
    certs = await makeCertificates();
    const server = { target: testAddress(), certFile: certs.serverCertFile, keyFile: certs.serverKeyFile };
    oneWay = await startTlsListener(server);
    mutual = await startTlsListener({ ...server, clientCaFile: certs.caFile });
    selfSigned = await startTlsListener({ target: testAddress(), certFile: certs.selfSignedCertFile, keyFile: certs.selfSignedKeyFile });
  });
  afterAll(async () => {
    await Promise.all([oneWay?.close(), mutual?.close(), selfSigned?.close()]);
    await certs?.cleanup();
  });

  it('a private CA given by tls.caFile (relative to the config file): status and up work over TLS', async () => {
    const c = uniqueName('tls_ca');
    const p = await t.project();
    await p.write('001_create.yaml', CREATE(c));
    const config = `stateCollection: ${p.stateCollection}\ntls:\n  caFile: ${path.relative(p.dir, certs.caFile)}\n`;
    await writeConfig(p.dir, config);
    const env = { MILVUS_ADDRESS: oneWay.address };
    const status = await p.cli(['status', '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json().counts.pending).toBe(1);
    const up = await p.cli(['up'], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(await hasCollection(t.client, c)).toBe(true);
    // Nothing from the SDK's own logger, and no Node warnings: only the tool's output.
    const stderr = status.stderr + up.stderr;
    expect(stderr).not.toMatch(/Milvus-sdk-node|Warning/);
    expect(stderr).not.toContain('\u001b[');
    expect(oneWay.accepted()).toBeGreaterThan(0);
  });

  it('mutual TLS: works with a client certificate and key (MILVUS_TLS_*), exit 5 at once without one', async () => {
    const p = await t.project();
    const tlsEnv = { MILVUS_ADDRESS: mutual.address, MILVUS_TLS_CA_FILE: certs.caFile };
    const withCert = await p.cli(['status'], {
      env: { ...tlsEnv, MILVUS_TLS_CERT_FILE: certs.clientCertFile, MILVUS_TLS_KEY_FILE: certs.clientKeyFile },
    });
    expect(withCert.code, withCert.stderr).toBe(0);

    const refusedBefore = mutual.refused();
    const without = await p.cli(['status', '--json'], { env: tlsEnv });
    expect(without.code, without.stderr).toBe(5);
    expect(without.json().error).toMatchObject({ kind: 'connection' });
    expect(without.json().error.message).toContain('TLS handshake failed (client certificate required or refused)');
    expect(without.json().error.hint).toContain('tls.certFile and tls.keyFile');
    // Tried once, not retried for the retry window.
    expect(without.stderr).not.toMatch(RETRYING);
    expect(mutual.refused() - refusedBefore).toBeLessThanOrEqual(2);
    // The key's path may be shown; its contents never are.
    const key = await readFile(certs.clientKeyFile, 'utf8');
    for (const line of key.split('\n').filter((l) => l && !l.startsWith('-----'))) {
      expect(withCert.stdout + withCert.stderr + without.stdout + without.stderr).not.toContain(line);
    }
  });

  it('the wrong CA, or a self-signed server without its certificate as CA: exit 5 at once, saying the certificate is not trusted', async () => {
    const p = await t.project();
    for (const [listener, env] of [
      [oneWay, { MILVUS_TLS_CA_FILE: certs.otherCaFile }],
      [selfSigned, { MILVUS_TLS_CA_FILE: certs.caFile }],
    ] as const) {
      const refusedBefore = listener.refused();
      const res = await p.cli(['status', '--json'], { env: { MILVUS_ADDRESS: listener.address, ...env } });
      expect(res.code, res.stderr).toBe(5);
      expect(res.json().error.message).toContain(
        `Cannot connect to Milvus at ${listener.address}: TLS handshake failed (untrusted certificate)`,
      );
      expect(res.json().error.hint).toContain('tls.caFile');
      expect(res.stderr).not.toMatch(RETRYING);
      expect(listener.refused() - refusedBefore).toBeLessThanOrEqual(2);
    }
    // ssl: true alone trusts the system's CAs, which do not include the test CA either.
    await writeConfig(p.dir, `stateCollection: ${p.stateCollection}\nssl: true\n`);
    const systemCas = await p.cli(['status', '--json'], { env: { MILVUS_ADDRESS: oneWay.address } });
    expect(systemCas.code, systemCas.stderr).toBe(5);
    expect(systemCas.json().error.message).toContain('untrusted certificate');
  });

  it('tls.serverName: checks the certificate against that name instead of the address host', async () => {
    const p = await t.project();
    const byIp = `127.0.0.1:${oneWay.port}`;
    const config = (name: string) => `stateCollection: ${p.stateCollection}\ntls:\n  caFile: ${certs.caFile}\n  serverName: ${name}\n`;
    await writeConfig(p.dir, config('milvus.test'));
    const good = await p.cli(['status'], { env: { MILVUS_ADDRESS: byIp } });
    expect(good.code, good.stderr).toBe(0);
    await writeConfig(p.dir, config('wrong.test'));
    const wrong = await p.cli(['status', '--json'], { env: { MILVUS_ADDRESS: byIp } });
    expect(wrong.code, wrong.stderr).toBe(5);
    expect(wrong.json().error.message).toContain('TLS handshake failed (host name mismatch)');
    expect(wrong.json().error.message).toContain('Host: wrong.test');
    expect(wrong.json().error.hint).toContain('tls.serverName');
    expect(wrong.stderr).not.toMatch(RETRYING);
  });

  it('tls.skipVerify: connects to a self-signed server, with a warning', async () => {
    const p = await t.project();
    await writeConfig(p.dir, `stateCollection: ${p.stateCollection}\ntls:\n  skipVerify: true\n`);
    const res = await p.cli(['status'], { env: { MILVUS_ADDRESS: selfSigned.address } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`TLS certificate verification is off for ${selfSigned.address} (tls.skipVerify)`);
  });

  it('an https:// URI (MILVUS_URI) to a self-signed server: exit 5 at once without its certificate, works with it as the CA', async () => {
    const p = await t.project();
    const uri = `https://${selfSigned.address}`;
    const env = { MILVUS_ADDRESS: undefined, MILVUS_URI: uri };
    const untrusted = await p.cli(['status', '--json'], { env });
    expect(untrusted.code, untrusted.stderr).toBe(5);
    expect(untrusted.json().error.message).toContain(`Cannot connect to Milvus at ${uri}: TLS handshake failed (untrusted certificate)`);
    expect(untrusted.json().error.hint).toContain('tls.caFile');
    expect(untrusted.stderr).not.toMatch(RETRYING);
    const trusted = await p.cli(['status', '--json'], { env: { ...env, MILVUS_TLS_CA_FILE: certs.selfSignedCertFile } });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.json()).toMatchObject({ address: uri });
    expectNoSdkOutput(untrusted.stderr + trusted.stderr);
  });

  it('TLS towards a plain port: exit 5 at once, saying the server does not speak TLS', async () => {
    const p = await t.project();
    const res = await p.cli(['status', '--json'], { env: { MILVUS_TLS_CA_FILE: certs.caFile } });
    expect(res.code, res.stderr).toBe(5);
    expect(res.json().error.message).toContain('TLS handshake failed (the server does not speak TLS)');
    expect(res.stderr).not.toMatch(RETRYING);
  });
});

describe('a host name that does not resolve', () => {
  it('exit 5 at once, with a hint about the host name; an https:// URI without a port gets no warning from the SDK', async () => {
    const p = await t.project();
    const res = await p.cli(['status', '--json'], { env: { MILVUS_ADDRESS: undefined, MILVUS_URI: 'https://no-such-host.invalid' } });
    expect(res.code, res.stderr).toBe(5);
    expect(res.json().error).toMatchObject({ kind: 'connection' });
    expect(res.json().error.message).toContain('Cannot connect to Milvus at https://no-such-host.invalid: host name not found');
    expect(res.json().error.hint).toContain('does not resolve');
    expect(res.stderr).not.toMatch(RETRYING);
    expectNoSdkOutput(res.stderr);
  });
});

describe('timeout and retryWindow', () => {
  it('a server that accepts and never answers: each call gives up after `timeout`; retryWindow 0 tries once (the SDK retries nothing), 3 retries', async () => {
    // Accepts every connection, reads, never answers: a hung proxy or a server under a stop-the-world pause.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => s.destroy());
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const p = await t.project();
      const run = async (retryWindow: number) => {
        await writeConfig(p.dir, `stateCollection: ${p.stateCollection}\ntimeout: 1\nretryWindow: ${retryWindow}\n`);
        const before = sockets.size;
        const res = await p.cli(['status', '--json'], { env: { MILVUS_ADDRESS: address, MILVUS_TOKEN: undefined } });
        return { res, connections: sockets.size - before };
      };
      const once = await run(0);
      expect(once.res.code, once.res.stderr).toBe(5);
      expect(once.res.json().error.message).toMatch(/Deadline exceeded after [01]\.\d+s/);
      expect(once.res.stderr).not.toMatch(RETRYING);
      expect(once.connections).toBe(1);
      const retried = await run(3);
      expect(retried.res.code, retried.res.stderr).toBe(5);
      expect(retried.res.stderr).toMatch(RETRYING);
      expect(retried.connections).toBeGreaterThan(1);
      expectNoSdkOutput(once.res.stderr + retried.res.stderr);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('proxies', () => {
  it('grpc_proxy: the connection goes through an HTTP CONNECT proxy', async () => {
    const tunnels: string[] = [];
    const sockets = new Set<net.Socket>();
    const proxy = http.createServer();
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(client).add(upstream);
      const drop = () => (client.destroy(), upstream.destroy());
      client.on('error', drop);
      upstream.on('error', drop);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const p = await t.project();
      const port = (proxy.address() as net.AddressInfo).port;
      const res = await p.cli(['status'], {
        env: { grpc_proxy: `http://127.0.0.1:${port}`, no_proxy: undefined, no_grpc_proxy: undefined },
      });
      expect(res.code, res.stderr).toBe(0);
      expect(tunnels.length).toBeGreaterThan(0);
      expect(new Set(tunnels)).toEqual(new Set([testAddress()]));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('a database that does not exist', () => {
  it('status, plan and up exit 2 at connect time, naming it and the databases there; up creates nothing', async () => {
    const db = uniqueName('nodb');
    const c = uniqueName('nodb_c');
    const p = await t.project();
    // Even a pending migration that would create it cannot: the state lives in that database.
    await p.write('001_db.yaml', `up:\n  - createDatabase: { db_name: ${db} }\n`);
    await p.write('002_create.yaml', CREATE(c));
    for (const command of ['status', 'plan', 'up']) {
      const res = await p.cli([command, '--json', '--database', db]);
      expect(res.code, `${command}: ${res.stderr}`).toBe(2);
      const error = res.json().error;
      expect(error.kind).toBe('invalid-input');
      // Other test files create databases on the same server meanwhile: the list is theirs too.
      const match = new RegExp(`^Database ${db} does not exist on Milvus at \\S+ \\(databases there: ([\\w, ]+)\\)$`).exec(error.message);
      expect(match, error.message).not.toBeNull();
      const listed = match![1]!.split(', ');
      expect(listed).toContain('default');
      expect(listed, 'sorted').toEqual([...listed].sort());
      expect(error.hint).toContain('even when a pending migration creates it');
    }
    const { db_names } = await t.client.listDatabases();
    expect(db_names).not.toContain(db);
    expect(await hasCollection(t.client, c)).toBe(false);
  });
});

async function writeConfig(dir: string, text: string): Promise<void> {
  await writeFile(path.join(dir, 'milvus.config.yaml'), `migrations: migrations\n${text}`);
}
