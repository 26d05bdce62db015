import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { matchesTargetPattern } from '../../../src/config/targets.js';
import { parseTargetsFlag, resolveTargets } from '../../../src/fanout/targets.js';
import { load, loadError, yaml } from '../config/helpers.js';

describe('targets: in milvus.config.yaml', () => {
  it('database names, patterns and environments', async () => {
    const config = await load(yaml`
      targets:
        - tenant_*
        - analytics
        - env: eu
      environments:
        eu:
          address: eu.internal:19530
    `);
    expect(config.targets).toEqual([
      { kind: 'pattern', pattern: 'tenant_*' },
      { kind: 'database', database: 'analytics' },
      { kind: 'environment', env: 'eu' },
    ]);
  });

  it('one string is a list of one', async () => {
    expect((await load('targets: tenant_*\n')).targets).toEqual([{ kind: 'pattern', pattern: 'tenant_*' }]);
  });

  it('bad entries and unknown environments are errors with their line', async () => {
    const err = await loadError(yaml`
      targets:
        - tenant-a
        - env: staging
        - { env: eu, database: x }
      environments:
        eu: {}
    `);
    expect(err.message).toMatchInlineSnapshot(`
      "Invalid config milvus.config.yaml
        milvus.config.yaml:2:5: targets.0: must be a database name, or a pattern of name characters with * (any run) and ? (one character) (a letter or underscore, then letters, digits or underscores, at most 255 characters)
        milvus.config.yaml:3:5: targets.1.env: names no environment of this file (defined: eu)
        milvus.config.yaml:4:5: targets.2: must be a database name, a pattern such as tenant_*, or { env: NAME }"
    `);
  });
});

describe('--targets', () => {
  const configured = [{ kind: 'pattern', pattern: 'tenant_*' }] as const;
  it('all, lists, patterns and env:NAME', () => {
    expect(parseTargetsFlag('all', configured)).toEqual(configured);
    expect(parseTargetsFlag('a, b_*,env:eu', undefined)).toEqual([
      { kind: 'database', database: 'a' },
      { kind: 'pattern', pattern: 'b_*' },
      { kind: 'environment', env: 'eu' },
    ]);
  });
  it('all without targets: in the config, and bad names, are invalid input', () => {
    expect(() => parseTargetsFlag('all', undefined)).toThrow('--targets all: the config has no `targets:` list');
    expect(() => parseTargetsFlag('a,b-c', undefined)).toThrow('--targets: not a database name, pattern or env:NAME: "b-c"');
  });
  it('patterns match whole names', () => {
    expect(matchesTargetPattern('tenant_*', 'tenant_01')).toBe(true);
    expect(matchesTargetPattern('tenant_*', 'my_tenant_01')).toBe(false);
    expect(matchesTargetPattern('t?', 't1')).toBe(true);
    expect(matchesTargetPattern('t?', 't12')).toBe(false);
  });
});

describe('resolveTargets', () => {
  const base = { database: 'default', embedded: undefined, connection: { address: 'h:19530', ssl: false } } as unknown as ResolvedConfig;
  const deps = (databases: string[], envs: Record<string, ResolvedConfig> = {}) => ({
    databasesOf: async (c: ResolvedConfig) => (c.connection.address === 'h:19530' ? databases : ['default', 'app']),
    loadEnvironment: async (name: string) => envs[name]!,
  });

  it('patterns sorted by name, each database once, in the order given; a missing one has a problem naming it', async () => {
    const items = await resolveTargets(
      base,
      [
        { kind: 'database', database: 'b' },
        { kind: 'pattern', pattern: 't_*' },
        { kind: 'database', database: 't_1' },
        { kind: 'database', database: 'gone' },
      ],
      deps(['default', 'b', 't_2', 't_1', 'x']),
    );
    expect(items.map((i) => [i.target.name, i.target.config.database, i.problem?.message ?? null])).toEqual([
      ['b', 'b', null],
      ['t_1', 't_1', null],
      ['t_2', 't_2', null],
      ['gone', 'gone', 'Target gone: database gone at h:19530 does not exist'],
    ]);
  });

  it('a pattern matching nothing is invalid input for the whole command', async () => {
    await expect(resolveTargets(base, [{ kind: 'pattern', pattern: 'z*' }], deps(['default', 'a']))).rejects.toThrow(
      'Targets z*: no database matches on h:19530',
    );
  });

  it('an environment runs with its own settings and database', async () => {
    const eu = { ...base, database: 'app', connection: { address: 'eu:19530', ssl: true } } as unknown as ResolvedConfig;
    const items = await resolveTargets(base, [{ kind: 'environment', env: 'eu' }], deps([], { eu }));
    expect(items).toEqual([{ target: { name: 'env:eu', kind: 'environment', config: eu } }]);
  });
});
