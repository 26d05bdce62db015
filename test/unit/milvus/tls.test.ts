import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { Milvus } from '../../../src/milvus/client.js';
import { sdkTlsOptions } from '../../../src/milvus/tls.js';
import { hasOpenssl, makeCertificates, type TestCertificates } from '../../support/tls.js';

let certs: TestCertificates;
let CA: Buffer;
let CERT: Buffer;
let KEY: Buffer;
beforeAll(async () => {
  if (!hasOpenssl) return;
  certs = await makeCertificates();
  [CA, CERT, KEY] = await Promise.all([readFile(certs.caFile), readFile(certs.clientCertFile), readFile(certs.clientKeyFile)]);
});
afterAll(() => certs?.cleanup());

/** The base64 lines of a PEM file (what must never be shown). */
const pemLines = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

describe.runIf(hasOpenssl)("the SDK's tls options (needs the openssl CLI to make certificates)", () => {
  it('a CA and a server name: one-way TLS with that CA', async () => {
    const options = await sdkTlsOptions({ caFile: certs.caFile, serverName: 'milvus.internal' });
    expect(options).toEqual({ rootCert: CA, serverName: 'milvus.internal' });
  });

  it('a client certificate and key: mutual TLS', async () => {
    const options = await sdkTlsOptions({ caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });
    expect(options).toEqual({ rootCert: CA, certChain: CERT, privateKey: KEY });
  });

  it("skipVerify alone is the SDK's skipCertCheck; with a client certificate it keeps the certificate", async () => {
    expect(await sdkTlsOptions({ skipVerify: true })).toEqual({ skipCertCheck: true });
    const mutual = await sdkTlsOptions({ skipVerify: true, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });
    expect(mutual).not.toHaveProperty('skipCertCheck');
    expect(mutual.privateKey).toEqual(KEY);
    expect(mutual.verifyOptions).toMatchObject({ rejectUnauthorized: false });
    expect(mutual.verifyOptions!.checkServerIdentity('any', {})).toBeUndefined();
  });

  it('a file that cannot be read is invalid input naming the setting and the path, before any connection', async () => {
    const missing = path.join(certs.dir, 'nope.pem');
    const err = await Milvus.connect({ address: '127.0.0.1:1', tls: { caFile: missing }, retryWindowMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toBe(
      `Cannot read tls.caFile (MILVUS_TLS_CA_FILE) ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    );
  });

  it("a key that is not the certificate's is invalid input naming both paths, never the key itself", async () => {
    const err = await Milvus.connect({
      address: '127.0.0.1:1',
      tls: { certFile: certs.clientCertFile, keyFile: certs.serverKeyFile },
      retryWindowMs: 0,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    const text = `${(err as InvalidInputError).message} ${(err as InvalidInputError).hint}`;
    expect(text).toContain(`Cannot use the client certificate ${certs.clientCertFile} with key ${certs.serverKeyFile}`);
    for (const line of pemLines(await readFile(certs.serverKeyFile, 'utf8'))) expect(text).not.toContain(line);
  });

  it('a file that is not PEM is invalid input saying what it should be, without quoting it', async () => {
    const notPem = path.join(certs.dir, 'not-a-key.pem');
    await writeFile(notPem, 'secret-looking-bytes');
    const asCa = await sdkTlsOptions({ caFile: notPem }).catch((e: unknown) => e);
    expect(asCa).toBeInstanceOf(InvalidInputError);
    expect((asCa as Error).message).toMatch(new RegExp(`^tls\\.caFile \\(MILVUS_TLS_CA_FILE\\) ${notPem} is not a PEM certificate: `));
    const asKey = await sdkTlsOptions({ certFile: certs.clientCertFile, keyFile: notPem }).catch((e: unknown) => e);
    expect((asKey as Error).message).toMatch(/is not an unencrypted PEM private key/);
    for (const e of [asCa, asKey]) expect((e as Error).message).not.toContain('secret-looking-bytes');
  });
});
