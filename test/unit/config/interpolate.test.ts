import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../../src/config/index.js';
import { load, loadError, yaml } from './helpers.js';

describe('interpolateString', () => {
  const environ = { HOST: 'db.internal', EMPTY: '', PORT: '19530' };

  it.each([
    ['plain text', 'plain text'],
    ['${HOST}:${PORT}', 'db.internal:19530'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'], // `:-` also covers set-but-empty, as in the shell
    ['${EMPTY}', ''], // set to '' is set
    ['${HOST:-unused}', 'db.internal'],
    ['${MISSING:-}', ''],
    ['${MISSING:-a:b-c d}', 'a:b-c d'],
    ['$${HOST}', '${HOST}'], // the escape
    ['pa$$word$x', 'pa$$word$x'], // other dollars are literal
    ['$', '$'],
  ])('%s → %s', (input, output) => {
    expect(interpolateString(input, environ)).toEqual({ value: output, missing: [], malformed: [] });
  });

  it('reports each unset variable once', () => {
    expect(interpolateString('${A}-${B}-${A}', {})).toEqual({ value: '--', missing: ['A', 'B'], malformed: [] });
  });

  it.each(['${', '${HOST', '${}', '${1X}', '${A B}', '${A-default}', '${A:-${B}}', '${A:?msg}'])('malformed: %s', (input) => {
    expect(interpolateString(input, { A: 'a', B: 'b', HOST: 'h' }).malformed).toHaveLength(1);
  });
});

describe('interpolation in the config file', () => {
  it('reads ${VAR} and ${VAR:-default} from environ, top level and chosen environment', async () => {
    const config = await load(
      yaml`
        address: \${HOST}:\${PORT:-19530}
        database: \${DB:-default}
        environments:
          ci:
            token: \${CI_TOKEN}
            stateCollection: \${PREFIX}_migrations
      `,
      { env: 'ci', environ: { HOST: 'milvus', CI_TOKEN: 'root:secret', PREFIX: 'ci' } },
    );
    expect(config.connection).toEqual({ address: 'milvus:19530', token: 'root:secret', ssl: false });
    expect(config.database).toBe('default');
    expect(config.stateCollection).toBe('ci_migrations');
  });

  it('an unset ${VAR} is an error naming the variable, the key and file:line:column', async () => {
    const err = await loadError(
      yaml`
        address: localhost:19530
        token: \${MILVUS_TOKN}
      `,
    );
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:2:8: token: environment variable MILVUS_TOKN is not set (set it, or write \${MILVUS_TOKN:-default})"
    `);
    expect(err.problems).toEqual([
      {
        file: 'milvus.config.yaml',
        line: 2,
        column: 8,
        path: 'token',
        message: 'environment variable MILVUS_TOKN is not set (set it, or write ${MILVUS_TOKN:-default})',
      },
    ]);
  });

  it('reports every unset variable, in the chosen environment too', async () => {
    const err = await loadError(
      yaml`
        address: \${A}
        environments:
          production:
            token: \${B}
            embedded:
              dataDir: \${C}
      `,
      { env: 'production' },
    );
    expect(err.problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message.split(' is ')[0]}`)).toEqual([
      '1:10 address environment variable A',
      '4:12 environments.production.token environment variable B',
      '6:16 environments.production.embedded.dataDir environment variable C',
    ]);
  });

  it('does not interpolate environments that are not chosen (their variables may be unset here)', async () => {
    const file = yaml`
      environments:
        local:
          embedded: true
        production:
          address: \${MILVUS_ADDRESS}
          token: \${MILVUS_TOKEN}
          embedded:
            port: \${PORT}
          ssl: \${SSL}
    `;
    const local = await load(file, { env: 'local' });
    expect(local.embedded).toBeDefined();
    // No --env at all: only the top level is used.
    expect((await load(file)).connection.address).toBe('localhost:19530');
  });

  it('but still rejects malformed references and unknown keys in other environments', async () => {
    const err = await loadError(
      yaml`
        environments:
          local: {}
          production:
            address: \${MILVUS ADDRESS}
            adress: \${X}
      `,
      { env: 'local' },
    );
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:4:14: environments.production.address: malformed variable reference (expected \${NAME} or \${NAME:-default}; write $\${ for a literal \${)
        milvus.config.yaml:5:5: environments.production: unknown key "adress" (allowed: migrations, stateCollection, address, uri, token, username, password, database, ssl, tls, timeout, retryWindow, embedded, allowDestructive, lockTimeout, lockStaleAfter, backup, backupDir, importDir, targetVersion; did you mean "address"?)"
    `);
  });

  it('other environments are type-checked where their values are literal', async () => {
    const err = await loadError('environments:\n  local: {}\n  staging:\n    ssl: maybe\n    port: 1\n', { env: 'local' });
    expect(err.problems.map((p) => `${p.line}:${p.column} ${p.path ?? ''} ${p.message.split(' (')[0]}`)).toEqual([
      '4:10 environments.staging.ssl must be true or false',
      '5:5 environments.staging unknown key "port"',
    ]);
  });

  it('$${ is a literal ${, and is not interpolated twice through an alias', async () => {
    const config = await load(
      yaml`
        username: &u user$\${HOME}
        environments:
          e:
            password: *u
      `,
      { env: 'e', environ: { HOME: '/root' } },
    );
    expect(config.connection.username).toBe('user${HOME}');
    expect(config.connection.password).toBe('user${HOME}');
  });

  it('interpolates on parsed values: a variable cannot inject YAML', async () => {
    const config = await load('username: ${U}\n', { environ: { U: 'a\nssl: true' } });
    expect(config.connection.username).toBe('a\nssl: true');
    expect(config.connection.ssl).toBe(false);
  });

  it('coerces numeric strings for number keys and true/false for boolean keys', async () => {
    const config = await load(
      yaml`
        ssl: \${SSL}
        allowDestructive: "true"
        lockTimeout: \${LOCK_TIMEOUT}
        environments:
          local:
            embedded:
              port: \${PORT:-19531}
              authorization: \${AUTH:-false}
      `,
      { env: 'local', environ: { SSL: 'true', LOCK_TIMEOUT: '2.5' } },
    );
    expect(config.lockTimeout).toBe(2.5);
    expect(config.allowDestructive).toBe(true);
    expect(config.embedded).toMatchObject({ port: 19531, authorization: false });
    expect((await load('ssl: ${SSL}\n', { environ: { SSL: 'false' } })).connection.ssl).toBe(false);
    expect((await load('embedded: ${E}\n', { environ: { E: 'true' } })).embedded).toBeDefined();
  });

  it('a non-numeric value for a number key is a type error after interpolation', async () => {
    const err = await loadError('embedded:\n  port: ${PORT}\n', { environ: { PORT: 'http' } });
    expect(err.problems).toMatchObject([{ line: 2, column: 9, path: 'embedded.port', message: 'must be a port number (1-65535)' }]);
  });

  it('does not touch keys or non-string values', async () => {
    const config = await load('lockTimeout: 30\nssl: false\n', { environ: {} });
    expect(config.lockTimeout).toBe(30);
  });
});

describe('interpolation problems under unknown keys', () => {
  it('are left out: the unknown key is the problem to fix', async () => {
    const err = await loadError('tokn: ${MILVUS_TOKEN}\nembedded:\n  prot: ${PORT}\n');
    expect(err.problems.map((p) => p.message.split(' (')[0])).toEqual(['unknown key "tokn"', 'unknown key "prot"']);
  });
});
