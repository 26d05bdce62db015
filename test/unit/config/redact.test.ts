import { describe, expect, it } from 'vitest';
import { redact } from '../../../src/config/index.js';
import { load } from './helpers.js';

describe('redact', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redact('token abc123 and again abc123; pw hunter22', ['abc123', 'hunter22'])).toBe('token *** and again ***; pw ***');
  });

  it('scrubs the password part of a user:password token (4 characters or more), not the user name', () => {
    expect(redact('auth failed for alice with s3cret (alice:s3cret)', ['alice:s3cret'])).toBe('auth failed for alice with *** (***)');
    // The public default password is not scrubbed on its own: it would blank out the product name.
    expect(redact('Cannot connect to Milvus as root:Milvus', ['root:Milvus'])).toBe('Cannot connect to Milvus as ***');
    // "bob" is too short to scrub on its own: it would eat ordinary words.
    expect(redact('bob used s3cret, bobcat', ['bob:s3cret'])).toBe('bob used ***, bobcat');
    // Passwords may contain colons: split at the first one only.
    expect(redact('pass a:b:cd', ['user:a:b:cd'])).toBe('pass ***');
  });

  it('replaces longer secrets first, so a part never splits a whole secret', () => {
    expect(redact('x=root:Milvus2', ['Milv', 'root:Milvus2'])).toBe('x=***');
  });

  it('ignores empty secrets and leaves text without secrets alone', () => {
    expect(redact('nothing to hide', ['', 'absent'])).toBe('nothing to hide');
    expect(redact('', ['x'])).toBe('');
  });

  it('is exact: case-sensitive, no regex interpretation', () => {
    expect(redact('a.b*c A.B*C', ['a.b*c'])).toBe('*** A.B*C');
  });
});

describe('ResolvedConfig.secrets', () => {
  it('lists every token and password from the layers in use, even overridden ones', async () => {
    const config = await load('token: file-token\npassword: file-pass\nenvironments:\n  e:\n    token: env-token\n', {
      env: 'e',
      environ: { MILVUS_TOKEN: 'var-token', MILVUS_PASSWORD: '' },
      overrides: { token: 'flag-token', password: 'flag-pass' },
    });
    expect(config.connection).toMatchObject({ token: 'flag-token', password: 'flag-pass' });
    expect(config.secrets.sort()).toEqual(['env-token', 'file-pass', 'file-token', 'flag-pass', 'flag-token', 'var-token']);
  });

  it('is empty without secrets, and never lists usernames', async () => {
    expect((await load('username: root\n')).secrets).toEqual([]);
  });

  it('redacting with it scrubs an interpolated token', async () => {
    const config = await load('token: ${T}\n', { environ: { T: 'db_admin:Pa55word' } });
    expect(redact(`connect ${config.connection.address} as ${config.connection.token}; user db_admin`, config.secrets)).toBe(
      'connect localhost:19530 as ***; user db_admin',
    );
  });
});
