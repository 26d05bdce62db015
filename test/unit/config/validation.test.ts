import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { InvalidInputError } from '../../../src/errors.js';
import { load, loadError, project, yaml } from './helpers.js';

describe('validation errors name the file, line, key and what is allowed', () => {
  it('unknown keys, with a suggestion', async () => {
    const err = await loadError(
      yaml`
        migrations: migrations
        adress: localhost:19530
        StateCollection: x
        environments:
          local:
            embeded: true
            embedded:
              dataDirectory: .data
      `,
      { env: 'local' },
    );
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:2:1: unknown key "adress" (allowed: migrations, stateCollection, address, uri, token, username, password, database, ssl, tls, timeout, retryWindow, embedded, allowDestructive, lockTimeout, lockStaleAfter, backup, backupDir, importDir, targetVersion, environments, targets; did you mean "address"?)
        milvus.config.yaml:3:1: unknown key "StateCollection" (allowed: migrations, stateCollection, address, uri, token, username, password, database, ssl, tls, timeout, retryWindow, embedded, allowDestructive, lockTimeout, lockStaleAfter, backup, backupDir, importDir, targetVersion, environments, targets; did you mean "stateCollection"?)
        milvus.config.yaml:6:5: environments.local: unknown key "embeded" (allowed: migrations, stateCollection, address, uri, token, username, password, database, ssl, tls, timeout, retryWindow, embedded, allowDestructive, lockTimeout, lockStaleAfter, backup, backupDir, importDir, targetVersion; did you mean "embedded"?)
        milvus.config.yaml:8:7: environments.local.embedded: unknown key "dataDirectory" (allowed: dataDir, port, authorization)"
    `);
    expect(err.kind).toBe('invalid-input');
  });

  it('wrong types and invalid names', async () => {
    const err = await loadError(
      yaml`
        migrations: 42
        stateCollection: my-migrations
        database: "2024"
        ssl: yes
        address:
        lockTimeout: -1
        embedded: sometimes
        environments:
          local:
            embedded:
              port: 70000
              authorization: on
          broken: [a, b]
      `,
    );
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:1:13: migrations: must be a folder path, relative to the config file
        milvus.config.yaml:2:18: stateCollection: must be a valid Milvus collection name: a letter or underscore, then letters, digits or underscores, at most 255 characters
        milvus.config.yaml:3:11: database: must be a valid Milvus database name: a letter or underscore, then letters, digits or underscores, at most 255 characters
        milvus.config.yaml:4:6: ssl: must be true or false
        milvus.config.yaml:5:1: address: is empty (expected a Milvus address, e.g. localhost:19530 or https://host:443)
        milvus.config.yaml:6:14: lockTimeout: must be a number of seconds (0 or more)
        milvus.config.yaml:7:11: embedded: must be true, false or a map with dataDir, port, authorization
        milvus.config.yaml:11:13: environments.local.embedded.port: must be a port number (1-65535)
        milvus.config.yaml:12:22: environments.local.embedded.authorization: must be true or false
        milvus.config.yaml:13:11: environments.broken: must be a map of settings (allowed keys: migrations, stateCollection, address, uri, token, username, password, database, ssl, tls, timeout, retryWindow, embedded, allowDestructive, lockTimeout, lockStaleAfter, backup, backupDir, importDir, targetVersion)"
    `);
  });

  it('a stateCollection longer than 255 characters is invalid', async () => {
    const err = await loadError(`stateCollection: ${'a'.repeat(256)}\n`);
    expect(err.problems).toMatchObject([{ line: 1, column: 18, path: 'stateCollection' }]);
    expect((await load(`stateCollection: _${'a'.repeat(254)}\n`)).stateCollection).toHaveLength(255);
  });

  it('environments must be a map', async () => {
    const err = await loadError('environments: [local]\n');
    expect(err.problems).toEqual([
      { file: 'milvus.config.yaml', line: 1, column: 15, path: 'environments', message: 'must be a map of environment names to settings' },
    ]);
  });

  it('the file must be a map', async () => {
    expect((await loadError('- address: x\n')).message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:1:1: must be a map of settings (allowed keys: migrations, stateCollection, address, uri, token, username, password, database, ssl, tls, timeout, retryWindow, embedded, allowDestructive, lockTimeout, lockStaleAfter, backup, backupDir, importDir, targetVersion, environments, targets)"
    `);
  });

  it('YAML syntax errors carry line and column', async () => {
    expect((await loadError('address: localhost:19530\n  database: x\ntoken: "unterminated\n')).message).toMatchInlineSnapshot(`
      "Invalid YAML in config milvus.config.yaml
        milvus.config.yaml:1:10: Nested mappings are not allowed in compact mappings
        milvus.config.yaml:1:10: Implicit keys need to be on a single line
        milvus.config.yaml:4:1: Missing closing "quote"
    `);
    const dup = await loadError('address: a:1\naddress: b:2\n');
    expect(dup.problems).toMatchObject([{ line: 2, column: 1, message: 'Map keys must be unique' }]);
  });

  it('paths in messages are relative to cwd (here: a parent directory)', async () => {
    const dir = await project({ 'milvus.config.yaml': 'adress: x\n', 'sub/': '' });
    const err = await loadConfig({ cwd: path.join(dir, 'sub'), environ: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).problems[0]).toMatchObject({ file: path.join('..', 'milvus.config.yaml'), line: 1, column: 1 });
  });
});

describe('secrets never appear in error messages', () => {
  const SECRET = 'S3cr3t-Value';
  const messages = async (text: string, env?: string) => {
    const err = await loadError(text, env ? { env } : {});
    return [err.message, ...err.problems.map((p) => JSON.stringify(p)), String(err.hint)].join('\n');
  };

  it.each([
    ['token of the wrong type', `token: [${SECRET}]\n`],
    ['password as a map', `password:\n  ${SECRET}: 1\n`],
    ['password as a number', `password: 12345678\n`],
    ['token in an environment', `environments:\n  p:\n    token: { ${SECRET}: x }\n`, 'p'],
    ['malformed reference inside a token', `token: "ab\${${SECRET}"\n`],
    ['bad escape in a double-quoted token', `token: "${SECRET}\\q${SECRET}"\n`],
    ['extra characters after a block scalar header', `token: | ${SECRET}\n  x\n`],
    ['unterminated quoted token', `token: "${SECRET}\n`],
  ])('%s', async (_, text, env?: string) => {
    const all = await messages(text, env);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('12345678');
    expect(all).not.toContain('S3cr');
  });

  it('a secret from the environment is not echoed by a type error either', async () => {
    const err = await loadError('embedded:\n  port: ${P}\ntoken: ${T}\n', { environ: { P: SECRET, T: 'x' } });
    expect(err.message).not.toContain(SECRET);
  });
});
