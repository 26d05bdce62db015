/**
 * `--json` of every command that talks to Milvus, against real Milvus: stdout holds exactly one
 * document, and it parses with the documented shape (src/cli/json-shapes.ts, docs/json.md). One
 * project goes through plan, up, status, validate, a refused and an allowed down, mark, a failing
 * step and unlock; Milvus is checked with the SDK after the commands that change it. The first
 * `up` runs the built CLI as a process (nothing else may reach its stdout); the others run the
 * same `run(argv)` in this process, which saves a Node start and an SDK import per command.
 * (`init`, `create` and `validate --offline` need no Milvus: test/unit/cli/scaffold.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInProcess } from '../support/cli-help.js';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';
import { hasCollection, partitionsOf, readRows } from '../support/sdk.js';

const t = useMilvusTest();
const collection = uniqueName('json');
let p: TestProject;

/**
 * Runs a command with --json (in this process, or as a process with `spawn`); the whole of stdout
 * must be the one document of `shape`.
 */
async function json<K extends keyof typeof JSON_DOCUMENTS>(shape: K, args: string[], code: number, opts: { spawn?: boolean } = {}) {
  const r = opts.spawn
    ? await p.cli([...args, '--json'])
    : await runInProcess([
        ...args,
        '--json',
        '--config',
        join(p.dir, 'milvus.config.yaml'),
        '--address',
        testAddress(),
        ...(testToken() ? ['--token', testToken()] : []),
      ]);
  expect(r.code, r.stderr).toBe(code);
  return { doc: JSON_DOCUMENTS[shape].parse(JSON.parse(r.stdout)) as import('zod').infer<(typeof JSON_DOCUMENTS)[K]>, stderr: r.stderr };
}

const partitions = () => partitionsOf(t.client, collection);

beforeAll(async () => {
  p = await t.project();
  await p.write(
    '001_create.yaml',
    `description: a collection\nup:\n  - createCollection:\n      collection_name: ${collection}\n      fields:\n        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n`,
  );
  await p.write('002_partition.yaml', `up:\n  - createPartition: { collection_name: ${collection}, partition_name: p1 }\n`);
});

afterAll(async () => {
  for (const c of [collection, p.stateCollection]) await t.client.dropCollection({ collection_name: c });
});

describe('--json against Milvus', () => {
  it('plan, up, status and validate print their documents', async () => {
    const plan = (await json('plan', ['plan'], 0)).doc;
    expect(plan).toMatchObject({ command: 'plan', ok: true, dryRun: true, direction: 'up', error: null });
    expect(plan.migrations.map((m) => [m.name, m.status, m.steps.map((s) => s.status)])).toEqual([
      ['001_create', 'not-executed', ['planned']],
      ['002_partition', 'not-executed', ['planned']],
    ]);
    expect(await hasCollection(t.client, collection)).toBe(false);

    const { doc: up, stderr } = await json('up', ['up'], 0, { spawn: true });
    expect(up.migrations.map((m) => [m.name, m.status, m.error, m.steps.map((s) => `${s.index} ${s.step} ${s.status}`)])).toEqual([
      ['001_create', 'success', null, ['0 createCollection done']],
      ['002_partition', 'success', null, ['0 createPartition done']],
    ]);
    expect(up.migrations.every((m) => typeof m.durationMs === 'number')).toBe(true);
    expect(stderr).not.toContain('"command"');
    expect(await partitions()).toEqual(['_default', 'p1']);

    const status = (await json('status', ['status'], 0)).doc;
    expect(status.counts).toEqual({ applied: 2, pending: 0, failed: 0, changed: 0, missing: 0 });
    expect(status.migrations[0]).toMatchObject({
      name: '001_create',
      status: 'applied',
      description: 'a collection',
      stepsDone: 1,
      lastError: null,
      marked: false,
    });

    const validate = (await json('validate', ['validate'], 0)).doc;
    expect(validate).toMatchObject({
      offline: false,
      migrations: [
        { name: '001_create', format: 'yaml' },
        { name: '002_partition', format: 'yaml' },
      ],
    });
  });

  it('a refused destructive down prints the failure document and changes nothing; allowed, it reverts', async () => {
    const refused = (await json('failure', ['down'], 4)).doc;
    expect(refused).toMatchObject({ command: 'down', ok: false, exitCode: 4, error: { kind: 'destructive-refused' } });
    expect(refused.error.message).toContain('dropPartition');
    expect(await partitions()).toEqual(['_default', 'p1']);

    const down = (await json('down', ['down', '--allow-destructive'], 0)).doc;
    expect(down).toMatchObject({
      command: 'down',
      direction: 'down',
      migrations: [{ name: '002_partition', status: 'success', steps: [{ step: 'dropPartition', status: 'done' }] }],
    });
    expect(await partitions()).toEqual(['_default']);
  });

  it('mark records a migration without running it', async () => {
    const mark = (await json('mark', ['mark', '002_partition', '--applied'], 0)).doc;
    expect(mark).toEqual({ command: 'mark', ok: true, exitCode: 0, name: '002_partition', status: 'applied' });
    const rows = await readRows(t.client, p.stateCollection, { filter: 'name == "002_partition"', fields: ['status'] });
    expect(rows.map((r) => r.status)).toEqual(['applied']);
    expect(await partitions()).toEqual(['_default']);
  });

  it('a failed step is reported with its index, in the migration and in the run', async () => {
    await p.write(
      '003_fail.yaml',
      `up:\n  - createPartition: { collection_name: ${collection}, partition_name: p2 }\n  - exec: { command: ['${process.execPath}', '-e', 'process.exit(3)'] }\n`,
    );
    const up = (await json('up', ['up'], 1)).doc;
    expect(up).toMatchObject({ ok: false, exitCode: 1, error: { kind: 'migration-failed' } });
    expect(up.migrations).toHaveLength(1);
    const [m] = up.migrations;
    expect(m).toMatchObject({ name: '003_fail', status: 'error', error: { stepIndex: 1, step: 'exec' } });
    expect(m!.steps.map((s) => s.status)).toEqual(['done', 'failed']);
    expect(up.error?.message).toContain('Migration 003_fail (up) step 2 exec failed');
    expect(await partitions()).toEqual(['_default', 'p2']);
  });

  it('unlock reports that the lock was free', async () => {
    expect((await json('unlock', ['unlock'], 0)).doc).toEqual({ command: 'unlock', ok: true, exitCode: 0, released: null });
  });

  // The rules (NO_COLOR, TTY, TERM) are unit-tested in test/unit/cli/progress.test.ts; this is the wiring.
  it('colours: FORCE_COLOR turns them on without a TTY; --no-color beats it', async () => {
    const validate = (env: Record<string, string | undefined>, extra: string[] = []) => p.cli(['validate', '--offline', ...extra], { env });
    const ESC = '\x1b[';
    const forced = await validate({ NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(ESC);
    const off = await validate({ NO_COLOR: undefined, FORCE_COLOR: '1' }, ['--no-color']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/^✔ 3 migration files valid/);
    expect(off.stdout + off.stderr).not.toContain(ESC);
  });

  it('a process dying of an unobserved rejection (the SDK can raise one) still prints its one document, classified as any SDK failure', async () => {
    // Raised on the first retry warning, when the CLI's handler is surely installed.
    await writeFile(
      join(p.dir, 'crash.mjs'),
      `const write = process.stderr.write.bind(process.stderr);\nlet fired = false;\nprocess.stderr.write = (chunk, ...rest) => {\n  if (!fired && String(chunk).includes('retrying')) { fired = true; Promise.reject(Object.assign(new Error(process.env.CRASH_MESSAGE), { code: Number(process.env.CRASH_CODE) })); }\n  return write(chunk, ...rest);\n};\n`,
    );
    const hint =
      'Check that Milvus is running and the address is right (--address, MILVUS_ADDRESS/MILVUS_URI, or address in milvus.config.yaml); ' +
      'for a server that speaks TLS, use https:// or ssl: true.';
    // UNAVAILABLE (14), and DEADLINE_EXCEEDED (4), which every other path also counts as a connection failure.
    for (const [code, message] of [
      [14, 'background connect failed'],
      [4, '4 DEADLINE_EXCEEDED: Deadline exceeded'],
    ] as const) {
      const r = await p.cli(['status', '--json'], {
        env: { MILVUS_ADDRESS: '127.0.0.1:1', NODE_OPTIONS: '--import=./crash.mjs', CRASH_CODE: String(code), CRASH_MESSAGE: message },
      });
      expect(r.code, r.stderr).toBe(5);
      expect(JSON_DOCUMENTS.failure.parse(r.json())).toEqual({
        command: 'status',
        ok: false,
        exitCode: 5,
        error: { kind: 'connection', message: `Cannot connect to Milvus at 127.0.0.1:1: ${message}`, hint },
      });
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('invalid input: the failure document lists each problem with file and line', async () => {
    await p.write('004_bad.yaml', `up:\n  - dropPartiton: { collection_name: ${collection}, partition_name: p2 }\n`);
    const bad = (await json('failure', ['plan'], 2)).doc;
    expect(bad).toMatchObject({ command: 'plan', exitCode: 2, error: { kind: 'invalid-input', problems: [{ line: 2 }] } });
    expect(bad.error.problems?.[0]?.file).toContain('004_bad.yaml');
    expect(bad.error.problems?.[0]?.message).toContain('dropPartition');
  });
});
