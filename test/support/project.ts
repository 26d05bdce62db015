/**
 * A throwaway user project for integration tests: a temp folder with milvus.config.yaml (a
 * unique state collection) and migration files, and a way to run the real CLI in it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testAddress, testToken, uniqueName } from './milvus.js';

const BIN = resolve(import.meta.dirname, '../../bin/milvus-migrate.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = any>(): T;
}

export interface TestProject {
  dir: string;
  migrationsDir: string;
  stateCollection: string;
  /** Writes `migrations/<name>` (name with extension). */
  write(name: string, content: string): Promise<string>;
  /** Runs `milvus-migrate ...args` in the project against the test Milvus. */
  cli(args: string[], opts?: { env?: Record<string, string | undefined>; onStderr?: (text: string) => void }): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export async function createProject(opts: { config?: string } = {}): Promise<TestProject> {
  const dir = await mkdtemp(join(tmpdir(), 'mm-project-'));
  const migrationsDir = join(dir, 'migrations');
  await mkdir(migrationsDir);
  const stateCollection = uniqueName('state');
  await writeFile(join(dir, 'milvus.config.yaml'), opts.config ?? `migrations: migrations\nstateCollection: ${stateCollection}\n`);
  return {
    dir,
    migrationsDir,
    stateCollection,
    async write(name, content) {
      const path = join(migrationsDir, name);
      await writeFile(path, content);
      return path;
    },
    cli: (args, o) =>
      runCli(args, {
        cwd: dir,
        env: { MILVUS_ADDRESS: testAddress(), MILVUS_TOKEN: testToken() || undefined, ...o?.env },
        onStderr: o?.onStderr,
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs the built CLI (`bin/milvus-migrate.js`) as a user would, in a child process, capturing
 * output and exit code; `onStderr` sees its stderr so far each time more arrives. `prefix` runs it
 * through another command, e.g. `nsenter -t PID -n` to run it in another network namespace.
 */
export function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; onStderr?: (text: string) => void; prefix?: readonly string[] },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    // NODE_ENV=test (set by vitest) would turn on the SDK's debug logging; a user has no such variable.
    const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: undefined, NO_COLOR: '1', ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const [cmd, ...cmdArgs] = [...(opts.prefix ?? []), process.execPath, BIN, ...args];
    const child = spawn(cmd!, cmdArgs, {
      cwd: opts.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        code: code ?? -1,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not JSON:\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      }),
    );
  });
}

/** YAML of a collection with an Int64 `id`, a VarChar `title`, a 4-dim `embedding` with a FLAT index (loaded). */
export function collectionYaml(name: string, extra = ''): string {
  return `  - createCollection:
      collection_name: ${name}
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: title, data_type: VarChar, max_length: 64 }
        - { name: embedding, data_type: FloatVector, dim: 4 }
      index_params:
        - { field_name: embedding, index_type: FLAT, metric_type: L2 }
${extra}`;
}

/** `n` rows with ids from `start`. */
export function rowsYaml(start: number, n: number): string {
  return Array.from(
    { length: n },
    (_, i) =>
      `        - { id: ${start + i}, title: row${start + i}, embedding: [${[1, 2, 3, 4].map((x) => (x * (start + i)) / 100).join(', ')}] }`,
  ).join('\n');
}
