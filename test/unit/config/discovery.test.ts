import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ADDRESS,
  DEFAULT_DATABASE,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_STATE_COLLECTION,
  findConfigFile,
  loadConfig,
} from '../../../src/config/index.js';
import { InvalidInputError } from '../../../src/errors.js';
import { load, loadError, project } from './helpers.js';

describe('discovery', () => {
  it('finds milvus.config.yaml in cwd; paths are relative to it', async () => {
    const dir = await project({ 'milvus.config.yaml': 'migrations: db/migrations\n' });
    const config = await loadConfig({ cwd: dir, environ: {} });
    expect(config.configPath).toBe(path.join(dir, 'milvus.config.yaml'));
    expect(config.rootDir).toBe(dir);
    expect(config.migrationsDir).toBe(path.join(dir, 'db', 'migrations'));
  });

  it('finds milvus.config.yml too', async () => {
    const dir = await project({ 'milvus.config.yml': 'database: analytics\n' });
    const config = await loadConfig({ cwd: dir, environ: {} });
    expect(config.configPath).toBe(path.join(dir, 'milvus.config.yml'));
    expect(config.database).toBe('analytics');
  });

  it('prefers .yaml over .yml in the same directory', async () => {
    const dir = await project({ 'milvus.config.yaml': 'database: a\n', 'milvus.config.yml': 'database: b\n' });
    expect((await loadConfig({ cwd: dir, environ: {} })).database).toBe('a');
  });

  it('walks up from a subdirectory; migrations stay relative to the config file', async () => {
    const dir = await project({ 'milvus.config.yaml': 'migrations: m\n', 'src/deep/': '' });
    const config = await loadConfig({ cwd: path.join(dir, 'src', 'deep'), environ: {} });
    expect(config.configPath).toBe(path.join(dir, 'milvus.config.yaml'));
    expect(config.rootDir).toBe(dir);
    expect(config.migrationsDir).toBe(path.join(dir, 'm'));
  });

  it('the nearest config wins', async () => {
    const dir = await project({ 'milvus.config.yaml': 'database: outer\n', 'pkg/milvus.config.yaml': 'database: inner\n' });
    expect((await loadConfig({ cwd: path.join(dir, 'pkg'), environ: {} })).database).toBe('inner');
  });

  it('stops at the directory holding .git (a config above the repository is not used)', async () => {
    const dir = await project({ 'milvus.config.yaml': 'database: outside\n', 'repo/.git/': '', 'repo/sub/': '' }, { git: false });
    const cwd = path.join(dir, 'repo', 'sub');
    expect(await findConfigFile(cwd)).toBeUndefined();
    const config = await loadConfig({ cwd, environ: {} });
    expect(config.configPath).toBeUndefined();
    expect(config.database).toBe(DEFAULT_DATABASE);
  });

  it('still reads a config in the .git directory itself', async () => {
    const dir = await project({ 'milvus.config.yaml': 'database: here\n', 'a/b/': '' });
    expect(await findConfigFile(path.join(dir, 'a', 'b'))).toBe(path.join(dir, 'milvus.config.yaml'));
  });

  it('a .git file (worktree, submodule) also stops the search', async () => {
    const dir = await project({ 'milvus.config.yaml': '', 'wt/.git': 'gitdir: elsewhere\n' }, { git: false });
    expect(await findConfigFile(path.join(dir, 'wt'))).toBeUndefined();
  });

  it('no config file: defaults, rootDir = cwd (init needs this)', async () => {
    const dir = await project({});
    expect(await loadConfig({ cwd: dir, environ: {} })).toEqual({
      configPath: undefined,
      rootDir: dir,
      migrationsDir: path.join(dir, DEFAULT_MIGRATIONS_DIR),
      stateCollection: DEFAULT_STATE_COLLECTION,
      database: DEFAULT_DATABASE,
      envName: undefined,
      connection: { address: DEFAULT_ADDRESS, ssl: false },
      addressGiven: false,
      embedded: undefined,
      allowDestructive: false,
      lockTimeout: undefined,
      lockStaleAfter: undefined,
      backup: false,
      backupDir: path.join(dir, '.milvus-migrate', 'backups'),
      secrets: [],
    });
  });

  it('an empty file, or one with only comments, means defaults', async () => {
    for (const text of ['', '# nothing yet\n', '---\n']) {
      const config = await load(text);
      expect(config.configPath).toBeDefined();
      expect(config.connection).toEqual({ address: DEFAULT_ADDRESS, ssl: false });
      expect(config.stateCollection).toBe(DEFAULT_STATE_COLLECTION);
    }
  });

  it('defaults process.cwd() and process.env when not given', async () => {
    const config = await loadConfig({ configPath: path.join(await project({ 'c.yaml': 'database: x\n' }), 'c.yaml') });
    expect(config.database).toBe(process.env.MILVUS_DATABASE || 'x');
  });
});

describe('--config', () => {
  it('reads that file, relative to cwd, without discovery; rootDir is its directory', async () => {
    const dir = await project({
      'milvus.config.yaml': 'database: discovered\n',
      'conf/other.yaml': 'database: chosen\nmigrations: ../mig\n',
    });
    const config = await loadConfig({ cwd: dir, configPath: 'conf/other.yaml', environ: {} });
    expect(config.configPath).toBe(path.join(dir, 'conf', 'other.yaml'));
    expect(config.rootDir).toBe(path.join(dir, 'conf'));
    expect(config.database).toBe('chosen');
    expect(config.migrationsDir).toBe(path.join(dir, 'mig'));
  });

  it('accepts an absolute path', async () => {
    const dir = await project({ 'x.yml': 'database: abs\n' });
    const config = await loadConfig({ cwd: '/', configPath: path.join(dir, 'x.yml'), environ: {} });
    expect(config.database).toBe('abs');
  });

  it('a missing file is an error, not a silent fallback to defaults', async () => {
    const err = await loadError(undefined, { configPath: 'nope.yaml' });
    expect(err.message).toMatchInlineSnapshot(`"Config file not found: nope.yaml"`);
    expect(err.kind).toBe('invalid-input');
  });

  it('a directory is an error', async () => {
    const dir = await project({ 'conf/': '' });
    await expect(loadConfig({ cwd: dir, configPath: 'conf', environ: {} })).rejects.toThrow(
      new InvalidInputError('Config path is not a file: conf'),
    );
  });
});

describe('migrations folder', () => {
  it('defaults to <config dir>/migrations, and an absolute path is kept', async () => {
    const dir = await project({ 'milvus.config.yaml': '', 'sub/': '' });
    expect((await loadConfig({ cwd: path.join(dir, 'sub'), environ: {} })).migrationsDir).toBe(path.join(dir, 'migrations'));
    await writeFile(path.join(dir, 'milvus.config.yaml'), `migrations: ${path.join(dir, 'elsewhere')}\n`);
    expect((await loadConfig({ cwd: dir, environ: {} })).migrationsDir).toBe(path.join(dir, 'elsewhere'));
  });

  it('an environment may use its own folder and state collection', async () => {
    const dir = await project({
      'milvus.config.yaml': 'environments:\n  test:\n    migrations: test/migrations\n    stateCollection: test_migrations\n',
    });
    await mkdir(path.join(dir, 'test'));
    const config = await loadConfig({ cwd: dir, env: 'test', environ: {} });
    expect(config.migrationsDir).toBe(path.join(dir, 'test', 'migrations'));
    expect(config.stateCollection).toBe('test_migrations');
  });
});
