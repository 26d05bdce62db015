import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadConfigOptions, ResolvedConfig } from '../../../src/config/index.js';
import { load, loadError, yaml } from './helpers.js';

describe('--env', () => {
  const file = yaml`
    address: localhost:19530
    database: app
    lockTimeout: 30
    environments:
      staging:
        address: staging.internal:19530
        ssl: true
      empty:
  `;

  it('overrides the top level key by key', async () => {
    const config = await load(file, { env: 'staging' });
    expect(config.envName).toBe('staging');
    expect(config.connection).toEqual({ address: 'staging.internal:19530', ssl: true });
    expect(config.database).toBe('app');
    expect(config.lockTimeout).toBe(30);
  });

  it('without --env only the top level applies', async () => {
    const config = await load(file);
    expect(config.envName).toBeUndefined();
    expect(config.connection).toEqual({ address: 'localhost:19530', ssl: false });
  });

  it('an environment with nothing under it changes nothing', async () => {
    expect((await load(file, { env: 'empty' })).connection.address).toBe('localhost:19530');
  });

  it('an unknown name is an error listing the available ones', async () => {
    expect((await loadError(file, { env: 'stagin' })).message).toMatchInlineSnapshot(
      `"Unknown environment "stagin" (available in milvus.config.yaml: staging, empty; did you mean "staging"?)"`,
    );
    expect((await loadError(file, { env: 'prod' })).message).toMatchInlineSnapshot(
      `"Unknown environment "prod" (available in milvus.config.yaml: staging, empty)"`,
    );
  });

  it('--env with a file that defines no environments, or with no file at all, is an error', async () => {
    expect((await loadError('address: x:1\n', { env: 'local' })).message).toMatchInlineSnapshot(
      `"Unknown environment "local": milvus.config.yaml defines no environments"`,
    );
    expect((await loadError('', { env: 'local' })).message).toMatchInlineSnapshot(
      `"Unknown environment "local": milvus.config.yaml defines no environments"`,
    );
    const noFile = await loadError(undefined, { env: 'local' });
    expect(noFile.message).toMatch(
      /^--env local was given, but no config file \(milvus\.config\.yaml or milvus\.config\.yml\) was found in \/.* or its parent directories$/,
    );
  });

  it('environments may share settings through YAML anchors and merge keys', async () => {
    const config = await load(
      yaml`
        environments:
          staging: &remote
            address: \${HOST}
            token: \${TOKEN}
            ssl: true
          production:
            <<: *remote
            database: prod
      `,
      { env: 'production', environ: { HOST: 'prod:443', TOKEN: 'secret-token' } },
    );
    expect(config.connection).toEqual({ address: 'prod:443', token: 'secret-token', ssl: true });
    expect(config.database).toBe('prod');
  });
});

describe('precedence: CLI flags > MILVUS_* > chosen environment > top level > defaults', () => {
  const layers = ['flag', 'variable', 'environment', 'top level', 'default'] as const;
  const fields = [
    { key: 'address', variable: 'MILVUS_ADDRESS', fallback: 'localhost:19530', get: (c: ResolvedConfig) => c.connection.address },
    { key: 'token', variable: 'MILVUS_TOKEN', fallback: undefined, get: (c: ResolvedConfig) => c.connection.token },
    { key: 'username', variable: 'MILVUS_USERNAME', fallback: undefined, get: (c: ResolvedConfig) => c.connection.username },
    { key: 'password', variable: 'MILVUS_PASSWORD', fallback: undefined, get: (c: ResolvedConfig) => c.connection.password },
    { key: 'database', variable: 'MILVUS_DATABASE', fallback: 'default', get: (c: ResolvedConfig) => c.database },
  ] as const;
  const cases = fields.flatMap((field) => layers.map((winner, rank) => ({ ...field, winner, rank })));

  it.each(cases)('$key: $winner wins over every layer below it', async ({ key, variable, fallback, get, rank }) => {
    // Every layer from the winner down sets a value of its own.
    const value = (layer: number) => `${key}_from_layer${layer}`;
    const top = rank <= 3 ? `${key}: ${value(3)}\n` : '';
    const env = rank <= 2 ? `    ${key}: ${value(2)}\n` : '';
    const opts: LoadConfigOptions = {
      env: 'e',
      environ: rank <= 1 ? { [variable]: value(1) } : {},
      overrides: rank === 0 ? { [key]: value(0) } : {},
    };
    const config = await load(`${top}environments:\n  e:\n${env}`, opts);
    expect(get(config)).toBe(rank === 4 ? fallback : value(rank));
  });

  it('empty MILVUS_* variables and empty flags count as unset', async () => {
    const config = await load('address: file:1\ntoken: file-token\n', {
      environ: { MILVUS_ADDRESS: '', MILVUS_TOKEN: '' },
      overrides: { address: '' },
    });
    expect(config.connection).toEqual({ address: 'file:1', token: 'file-token', ssl: false });
    expect(config.addressGiven).toBe(false);
  });

  it('addressGiven says whether the address came from the flag or MILVUS_ADDRESS, not the file', async () => {
    expect((await load('address: file:1\n', { environ: { MILVUS_ADDRESS: 'ci:2' } })).addressGiven).toBe(true);
    expect((await load('address: file:1\n', { overrides: { address: 'flag:3' } })).addressGiven).toBe(true);
    expect((await load('address: file:1\n', {})).addressGiven).toBe(false);
  });

  it.each([
    ['flag beats environment', { allowDestructive: false }, 'true', 'true', false],
    ['environment beats top level', undefined, 'false', 'true', false],
    ['top level applies', undefined, undefined, 'true', true],
    ['default is false', undefined, undefined, undefined, false],
  ] as const)('allowDestructive: %s', async (_, overrides, inEnv, inTop, expected) => {
    const top = inTop ? `allowDestructive: ${inTop}\n` : '';
    const env = inEnv ? `    allowDestructive: ${inEnv}\n` : '';
    const config = await load(`${top}environments:\n  e:\n${env}`, { env: 'e', overrides: overrides ?? {} });
    expect(config.allowDestructive).toBe(expected);
  });

  it('an invalid --database or MILVUS_DATABASE is rejected like one in the file', async () => {
    expect((await loadError('', { overrides: { database: 'my-db' } })).message).toMatchInlineSnapshot(`
      "Invalid database name
        --database: must be a valid Milvus database name: a letter or underscore, then letters, digits or underscores, at most 255 characters"
    `);
    expect((await loadError('', { environ: { MILVUS_DATABASE: '1db' } })).problems[0]?.file).toBe('MILVUS_DATABASE');
  });
});

describe('embedded', () => {
  interface Case {
    name: string;
    file: string;
    opts?: LoadConfigOptions;
    embedded: boolean;
    address: string;
  }
  const cases: Case[] = [
    { name: 'top-level embedded: true', file: 'embedded: true\n', embedded: true, address: '127.0.0.1:19530' },
    { name: 'embedded: false', file: 'embedded: false\naddress: a:1\n', embedded: false, address: 'a:1' },
    {
      name: 'chosen environment embedded: true ignores the top-level address',
      file: 'address: remote:19530\nenvironments:\n  local:\n    embedded: true\n',
      opts: { env: 'local' },
      embedded: true,
      address: '127.0.0.1:19530',
    },
    {
      name: 'embedded: true beats an address in the same layer',
      file: 'environments:\n  local:\n    address: remote:19530\n    embedded: true\n',
      opts: { env: 'local' },
      embedded: true,
      address: '127.0.0.1:19530',
    },
    {
      name: 'an environment that sets address is not embedded by the top level',
      file: 'embedded: true\nenvironments:\n  production:\n    address: prod:19530\n',
      opts: { env: 'production' },
      embedded: false,
      address: 'prod:19530',
    },
    {
      name: 'embedded: false in the environment falls back to the top-level address',
      file: 'address: shared:19530\nembedded: true\nenvironments:\n  ci:\n    embedded: false\n',
      opts: { env: 'ci' },
      embedded: false,
      address: 'shared:19530',
    },
    {
      name: 'an environment that sets neither inherits top-level embedded',
      file: 'embedded: true\nenvironments:\n  dev:\n    database: dev\n',
      opts: { env: 'dev' },
      embedded: true,
      address: '127.0.0.1:19530',
    },
    {
      name: 'MILVUS_ADDRESS turns embedded off',
      file: 'embedded: true\n',
      opts: { environ: { MILVUS_ADDRESS: 'ci-milvus:19530' } },
      embedded: false,
      address: 'ci-milvus:19530',
    },
    {
      name: '--address turns embedded off',
      file: 'environments:\n  local:\n    embedded: true\n',
      opts: { env: 'local', overrides: { address: 'other:19530' } },
      embedded: false,
      address: 'other:19530',
    },
    {
      name: 'an unchosen environment does not start anything',
      file: 'environments:\n  local:\n    embedded: true\n',
      embedded: false,
      address: 'localhost:19530',
    },
    {
      name: 'embedded.port sets the address',
      file: 'embedded:\n  port: 19531\n',
      embedded: true,
      address: '127.0.0.1:19531',
    },
  ];

  it.each(cases)('$name', async ({ file, opts, embedded, address }) => {
    const config = await load(file, opts);
    expect(config.embedded !== undefined).toBe(embedded);
    expect(config.connection.address).toBe(address);
  });

  it('resolves dataDir against the config directory and keeps port and authorization', async () => {
    const config = await load('embedded:\n  dataDir: data/milvus\n  port: "19532"\n  authorization: true\n', { cwd: '.' });
    expect(config.embedded).toEqual({ dataDir: path.join(config.rootDir, 'data', 'milvus'), port: 19532, authorization: true });
    const plain = await load('embedded: true\n');
    expect(plain.embedded).toEqual({ dataDir: path.join(plain.rootDir, '.milvus') });
  });

  it('forces ssl off: the embedded server speaks plain gRPC', async () => {
    const config = await load('ssl: true\nenvironments:\n  local:\n    embedded: true\n', { env: 'local' });
    expect(config.connection.ssl).toBe(false);
  });

  it('keeps credentials, for a server started with authorization', async () => {
    const config = await load('embedded: { authorization: true }\ntoken: root:Milvus\n');
    expect(config.connection).toEqual({ address: '127.0.0.1:19530', token: 'root:Milvus', ssl: false });
  });
});
