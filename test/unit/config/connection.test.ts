import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, loadError, yaml } from './helpers.js';

describe('uri, the synonym of address', () => {
  it('uri in the file is the address', async () => {
    const config = await load('uri: https://in03-abc.serverless.gcp-us-west1.cloud.zilliz.com:443\n');
    expect(config.connection.address).toBe('https://in03-abc.serverless.gcp-us-west1.cloud.zilliz.com:443');
  });

  it("an environment's uri overrides the top level's address, and the reverse", async () => {
    const file = yaml`
      address: localhost:19530
      environments:
        cloud:
          uri: https://cloud:443
    `;
    expect((await load(file, { env: 'cloud' })).connection.address).toBe('https://cloud:443');
    const reverse = yaml`
      uri: localhost:19530
      environments:
        staging:
          address: staging:19530
    `;
    expect((await load(reverse, { env: 'staging' })).connection.address).toBe('staging:19530');
  });

  it('uri and address in one layer is an error naming the line', async () => {
    const err = await loadError(yaml`
      address: a:19530
      uri: b:19530
    `);
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:2:1: has both uri and address: they are the same setting, keep one"
    `);
  });

  it('precedence: --address > MILVUS_ADDRESS > MILVUS_URI > the file', async () => {
    const file = 'address: file:19530\n';
    const environ = { MILVUS_ADDRESS: 'variable:19530', MILVUS_URI: 'uri-variable:19530' };
    expect((await load(file, { environ, overrides: { address: 'flag:19530' } })).connection.address).toBe('flag:19530');
    expect((await load(file, { environ })).connection.address).toBe('variable:19530');
    const uriOnly = await load(file, { environ: { MILVUS_URI: 'uri-variable:19530' } });
    expect(uriOnly.connection.address).toBe('uri-variable:19530');
    expect(uriOnly.addressGiven).toBe(true);
    expect((await load(file, { environ: { MILVUS_URI: '' } })).connection.address).toBe('file:19530');
  });

  it('MILVUS_URI, like MILVUS_ADDRESS, turns embedded off', async () => {
    const config = await load('embedded: true\n', { environ: { MILVUS_URI: 'https://cloud:443' } });
    expect(config.embedded).toBeUndefined();
    expect(config.connection.address).toBe('https://cloud:443');
  });
});

describe('timeout and retryWindow', () => {
  it('are seconds in the file and milliseconds in the connection; absent when not set', async () => {
    const config = await load('timeout: 30\nretryWindow: 2.5\n');
    expect(config.connection).toMatchObject({ timeoutMs: 30_000, retryWindowMs: 2_500 });
    const plain = await load('address: x:19530\n');
    expect(plain.connection).not.toHaveProperty('timeoutMs');
    expect(plain.connection).not.toHaveProperty('retryWindowMs');
  });

  it('an environment may set its own, and ${VAR} works', async () => {
    const file = yaml`
      timeout: 10
      environments:
        production:
          timeout: \${TIMEOUT}
          retryWindow: 0
    `;
    const config = await load(file, { env: 'production', environ: { TIMEOUT: '60' } });
    expect(config.connection).toMatchObject({ timeoutMs: 60_000, retryWindowMs: 0 });
  });

  it('timeout must be more than 0; retryWindow may be 0 (no retries)', async () => {
    const err = await loadError('timeout: 0\nretryWindow: -1\n');
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:1:10: timeout: must be a number of seconds (more than 0)
        milvus.config.yaml:2:14: retryWindow: must be a number of seconds (0 or more)"
    `);
  });
});

describe('tls', () => {
  it('paths are relative to the config file; any key turns ssl on', async () => {
    const config = await load(
      yaml`
        address: milvus.internal:19530
        tls:
          caFile: certs/ca.pem
          certFile: certs/client.pem
          keyFile: /etc/milvus/client.key
          serverName: milvus.example.com
      `,
      { cwd: '.' },
    );
    const root = path.dirname(config.configPath!);
    expect(config.connection).toEqual({
      address: 'milvus.internal:19530',
      ssl: true,
      tls: {
        caFile: path.join(root, 'certs/ca.pem'),
        certFile: path.join(root, 'certs/client.pem'),
        keyFile: '/etc/milvus/client.key',
        serverName: 'milvus.example.com',
      },
    });
  });

  it("an environment's tls replaces the top level's as a whole (skipVerify does not leak)", async () => {
    const file = yaml`
      tls:
        skipVerify: true
        serverName: local.test
      environments:
        production:
          tls:
            caFile: /ca.pem
    `;
    expect((await load(file, { env: 'production' })).connection.tls).toEqual({ caFile: '/ca.pem' });
    expect((await load(file)).connection.tls).toEqual({ serverName: 'local.test', skipVerify: true });
  });

  it('MILVUS_TLS_* override the file key by key; their paths are relative to the working directory', async () => {
    const file = 'tls:\n  caFile: ca.pem\n  serverName: from-file\n';
    const config = await load(file, {
      cwd: 'sub/',
      environ: {
        MILVUS_TLS_CA_FILE: 'env-ca.pem',
        MILVUS_TLS_CERT_FILE: '/c.pem',
        MILVUS_TLS_KEY_FILE: '/c.key',
        MILVUS_TLS_SKIP_VERIFY: '1',
      },
    });
    const cwd = path.join(config.rootDir, 'sub');
    expect(config.connection.tls).toEqual({
      caFile: path.join(cwd, 'env-ca.pem'),
      certFile: '/c.pem',
      keyFile: '/c.key',
      serverName: 'from-file',
      skipVerify: true,
    });
  });

  it('MILVUS_TLS_SKIP_VERIFY=false alone does not turn TLS on; another value is an error', async () => {
    const config = await load('address: x:19530\n', { environ: { MILVUS_TLS_SKIP_VERIFY: 'false' } });
    expect(config.connection).toEqual({ address: 'x:19530', ssl: false });
    const err = await loadError('', { environ: { MILVUS_TLS_SKIP_VERIFY: 'yes' } });
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid TLS setting
        MILVUS_TLS_SKIP_VERIFY: must be true, false, 1 or 0"
    `);
  });

  it('certFile without keyFile (or the reverse) is an error, in the file and through variables', async () => {
    const err = await loadError('tls:\n  certFile: c.pem\n');
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:2:3: tls: certFile and keyFile go together: give both for a client certificate, or neither"
    `);
    const viaEnv = await loadError('', { environ: { MILVUS_TLS_KEY_FILE: 'k.pem' } });
    expect(viaEnv.message).toMatchInlineSnapshot(`
      "Invalid TLS setting
        tls: certFile and keyFile go together (a client certificate and its key): give both, or neither"
    `);
  });

  it('unknown keys under tls list the allowed ones', async () => {
    const err = await loadError('tls:\n  caFle: ca.pem\n');
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:2:3: tls: unknown key "caFle" (allowed: caFile, certFile, keyFile, serverName, skipVerify; did you mean "caFile"?)"
    `);
  });

  it('embedded ignores tls: the embedded server speaks plain gRPC', async () => {
    const config = await load('embedded: true\ntls:\n  caFile: ca.pem\n');
    expect(config.connection).toEqual({ address: '127.0.0.1:19530', ssl: false });
  });
});
