/**
 * TLS for tests: certificates made on the spot with the openssl CLI, and a TLS listener in front
 * of the test Milvus that forwards the decrypted bytes to its plain port. gRPC over TLS is HTTP/2
 * negotiated by ALPN, so a `tls.Server` offering `h2` that pipes to the plain port carries it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** Whether the openssl CLI is on PATH (tests that need it are skipped, by name, without it). */
export const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Paths of PEM files in a temp folder. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly caFile: string;
  /** Server certificate for localhost, milvus.test and 127.0.0.1, and its key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate signed by the CA, and its key. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** Another CA, which signed nothing here: trusting it is "the wrong CA". */
  readonly otherCaFile: string;
  /** A self-signed server certificate (no CA) and its key. */
  readonly selfSignedCertFile: string;
  readonly selfSignedKeyFile: string;
  cleanup(): Promise<void>;
}

/** Makes the certificates (EC P-256 keys: fast to make). */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mm-certs-'));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const selfSigned = (name: string, cn: string, ...extra: string[]) =>
    openssl('req', '-x509', ...newKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`, ...extra);
  const signed = async (name: string, cn: string, ext: string) => {
    openssl('req', ...newKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    await writeFile(f(`${name}.ext`), ext);
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    );
  };
  selfSigned('ca', 'milvus-migrate test CA');
  selfSigned('other-ca', 'another CA');
  selfSigned('self-signed', 'localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  await signed('server', 'localhost', 'subjectAltName=DNS:localhost,DNS:milvus.test,IP:127.0.0.1\n');
  await signed('client', 'migrations-client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client.key'),
    otherCaFile: f('other-ca.pem'),
    selfSignedCertFile: f('self-signed.pem'),
    selfSignedKeyFile: f('self-signed.key'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface TlsListener {
  /** `localhost:<port>`. */
  readonly address: string;
  readonly port: number;
  /** TLS connections whose handshake completed; failed handshakes are in {@link TlsListener.refused}. */
  readonly accepted: () => number;
  /** Handshakes that failed (a client that does not trust the certificate, or sent none when one is required). */
  readonly refused: () => number;
  close(): Promise<void>;
}

/**
 * A TLS listener on 127.0.0.1 forwarding to `target` (`host:port`, plain gRPC). With
 * `clientCaFile` it asks for a client certificate signed by that CA and refuses connections
 * without one, as Milvus does with `tlsMode: 2`.
 */
export async function startTlsListener(opts: {
  target: string;
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}): Promise<TlsListener> {
  const [host, port] = splitHostPort(opts.target);
  let accepted = 0;
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: await readFile(opts.certFile),
      key: await readFile(opts.keyFile),
      ALPNProtocols: ['h2'],
      ...(opts.clientCaFile ? { requestCert: true, rejectUnauthorized: true, ca: await readFile(opts.clientCaFile) } : {}),
    },
    (socket) => {
      accepted++;
      const upstream = net.connect(port, host);
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    },
  );
  server.on('tlsClientError', () => refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listenPort = (server.address() as net.AddressInfo).port;
  return {
    address: `localhost:${listenPort}`,
    port: listenPort,
    accepted: () => accepted,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
