/**
 * The public API against the test Milvus, in-process: a Migrator over a temp migrations folder
 * with its own state collection. Faster than spawning the CLI for step-by-step tests.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Milvus, MilvusStateStore, Migrator, type Logger } from '../../src/index.js';
import { testAddress, testToken, uniqueName } from './milvus.js';

export interface ApiProject {
  dir: string;
  milvus: Milvus;
  /** Backups go to `<dir>/.backups` unless `backup.dir` says otherwise. */
  migrator(opts?: { allowDestructive?: boolean; logger?: Logger; backup?: { dir?: string; byDefault?: boolean } }): Migrator;
  write(name: string, content: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * `insideRepo` puts the folder under this repository, where `import ... from 'milvus-migrate'`
 * resolves to this package (Node's self-reference), as it does in a user's project.
 */
export async function apiProject(opts: { insideRepo?: boolean } = {}): Promise<ApiProject> {
  const base = opts.insideRepo ? resolve(import.meta.dirname, '../../.tmp') : tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'mm-api-'));
  const milvus = await Milvus.connect({ address: testAddress(), token: testToken() || undefined });
  const state = uniqueName('state');
  return {
    dir,
    milvus,
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
