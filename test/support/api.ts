/**
 * The public API against the test Milvus, in-process: a Migrator over a temp migrations folder
 * with its own state collection. Faster than spawning the CLI for step-by-step tests.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Milvus, MilvusStateStore, Migrator, type Logger } from '../../src/index.js';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { RunResult } from '../../src/index.js';
import { sdkClient, testAddress, testToken, uniqueName } from './milvus.js';

export interface ApiProject {
  dir: string;
  milvus: Milvus;
  /** The project's state collection (created by its first run that changes something). */
  stateCollection: string;
  /** Backups go to `<dir>/.backups` unless `backup.dir` says otherwise. */
  migrator(opts?: { allowDestructive?: boolean; logger?: Logger; backup?: { dir?: string; byDefault?: boolean } }): Migrator;
  write(name: string, content: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * `insideRepo` puts the folder under this repository, where `import ... from 'milvus-migrate'`
 * resolves to this package (Node's self-reference), as it does in a user's project.
 */
export async function apiProject(opts: { insideRepo?: boolean; importDir?: string } = {}): Promise<ApiProject> {
  const base = opts.insideRepo ? resolve(import.meta.dirname, '../../.tmp') : tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'mm-api-'));
  const milvus = await Milvus.connect({
    address: testAddress(),
    token: testToken() || undefined,
    ...(opts.importDir ? { importDir: opts.importDir } : {}),
  });
  const state = uniqueName('state');
  return {
    dir,
    milvus,
    stateCollection: state,
    migrator: (opts) =>
      new Migrator({
        milvus,
        store: new MilvusStateStore(milvus, state),
        migrationsDir: dir,
        allowDestructive: opts?.allowDestructive ?? true,
        backup: { dir: join(dir, '.backups'), ...opts?.backup },
        ...(opts?.logger ? { logger: opts.logger } : {}),
      }),
    async write(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    async close() {
      await milvus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A run that must succeed: its error, if any, is thrown. */
export function ok(run: RunResult): RunResult {
  if (run.error) throw run.error;
  return run;
}

/**
 * The frame of an in-process step test file: an SDK client for checking Milvus (connected before
 * the file, closed after it), a fresh {@link ApiProject} per test (its own migrations folder and
 * state collection; `insideRepo` as for {@link apiProject}), and `up`/`down` that throw a run's error.
 */
export function useApiProjects(opts: { insideRepo?: boolean; importDir?: string } = {}) {
  let client: MilvusClient | undefined;
  let api: ApiProject | undefined;
  beforeAll(async () => {
    client = await sdkClient();
  });
  beforeEach(async () => {
    api = await apiProject(opts);
  });
  afterEach(async () => {
    await api?.close();
  });
  afterAll(async () => {
    await client?.closeConnection();
  });
  const current = () => {
    if (!api) throw new Error('the ApiProject is created in beforeEach');
    return api;
  };
  return {
    get client(): MilvusClient {
      if (!client) throw new Error('the SDK client is connected in beforeAll');
      return client;
    },
    get api(): ApiProject {
      return current();
    },
    up: async () => ok(await current().migrator().up()),
    down: async () => ok(await current().migrator().down()),
  };
}
