/**
 * The GitHub Action (action.yml → scripts/action.mjs) run the way the runner runs it: a process
 * with the inputs as INPUT_* variables, GITHUB_WORKSPACE, GITHUB_ACTION_PATH (this repository,
 * built), and GITHUB_STEP_SUMMARY / GITHUB_OUTPUT pointing at files. Checked: what it writes
 * there, its workflow commands, and its exit code. lint runs offline; plan against real Milvus.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml, runCli } from '../support/project.js';
import { partitionsOf } from '../support/sdk.js';

const REPO = resolve(import.meta.dirname, '../..');
const t = useMilvusTest();
const collection = uniqueName('action');
const state = uniqueName('action_state');
let workspace: string;

interface ActionRun {
  code: number;
  stdout: string;
  summary: string;
  outputs: Record<string, string>;
}

/** Runs the action's script as the runner would, in a fresh runner temp folder. */
async function action(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  const runner = await mkdtemp(join(tmpdir(), 'mm-runner-'));
  const summaryFile = join(runner, 'summary.md');
  const outputFile = join(runner, 'output.txt');
  await writeFile(summaryFile, '');
  await writeFile(outputFile, '');
  const vars: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: undefined,
    NO_COLOR: '1',
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: REPO,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: runner,
    MILVUS_ADDRESS: undefined,
    MILVUS_TOKEN: undefined,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...env,
  };
  for (const k of Object.keys(vars)) if (vars[k] === undefined) delete vars[k];
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((done, fail) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts/action.mjs')], { cwd: workspace, env: vars as NodeJS.ProcessEnv });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    child.on('error', fail);
    child.on('close', (c) => done({ code: c ?? -1, stdout: out }));
  });
  const outputs = Object.fromEntries(
    (await readFile(outputFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, stdout, summary: await readFile(summaryFile, 'utf8'), outputs };
}

/** The workflow commands (`::error ...`) the script printed. */
const commands = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::'));

beforeAll(async () => {
  // The repository checked out by actions/checkout, with the migrations project in db/.
  workspace = await mkdtemp(join(tmpdir(), 'mm-workspace-'));
  await mkdir(join(workspace, 'db', 'migrations'), { recursive: true });
  await writeFile(join(workspace, 'db', 'milvus.config.yaml'), `migrations: migrations\nstateCollection: ${state}\n`);
  await writeFile(
    join(workspace, 'db', 'migrations', '001_create.yaml'),
    `up:\n${collectionYaml(collection)}  - createPartition: { collection_name: ${collection}, partition_name: old }\n  - insert:\n      collection_name: ${collection}\n      partition_name: old\n      data:\n${rowsYaml(1, 4)}\n`,
  );
});

afterAll(async () => {
  for (const c of [collection, state]) await t.client.dropCollection({ collection_name: c });
  await rm(workspace, { recursive: true, force: true });
});

describe('the GitHub Action', () => {
  it('lint (offline): findings in the job summary, the SARIF file with repository paths as an output, the job failed by --fail-on', async () => {
    await writeFile(
      join(workspace, 'db', 'migrations', '002_drop_old.yaml'),
      `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: old }\n`,
    );
    const warningsOnly = await action({ command: 'lint', 'working-directory': 'db' });
    expect(warningsOnly.code).toBe(0); // --fail-on is error by default
    const r = await action({ command: 'lint', args: "--fail-on 'warning'", 'working-directory': 'db' });
    expect(r.code).toBe(1);
    expect(r.summary.replaceAll(collection, '<c>')).toMatchInlineSnapshot(`
      "### milvus-migrate lint

      ❌ 0 errors, 2 warnings.

      | severity | rule | where | message |
      |---|---|---|---|
      | warning | [MM101](https://github.com/milvus-migrate/milvus-migrate/blob/main/docs/lint.md#mm101) | \`db/migrations/002_drop_old.yaml:2\` | dropPartition deletes data and takes no backup (add backup: true, so its down can restore it) |
      | warning | [MM102](https://github.com/milvus-migrate/milvus-migrate/blob/main/docs/lint.md#mm102) | \`db/migrations/002_drop_old.yaml:2\` | migration has no down and dropPartition deletes data without a backup to restore it from: down will refuse it (write a down:) |

      "
    `);
    expect(commands(r.stdout)).toEqual(['::error title=milvus-migrate lint::exit 1: a finding at or above --fail-on']);
    expect(Object.keys(r.outputs)).toEqual(['exit-code', 'sarif-file']);
    expect(r.outputs['exit-code']).toBe('1');
    const sarif = JSON.parse(await readFile(r.outputs['sarif-file']!, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri)).toEqual([
      'db/migrations/002_drop_old.yaml',
      'db/migrations/002_drop_old.yaml',
    ]);
  });

  it('plan (real Milvus): the Markdown plan with live facts in the summary and as plan-file; exit 0', async () => {
    const env = { MILVUS_ADDRESS: testAddress(), ...(testToken() ? { MILVUS_TOKEN: testToken() } : {}) };
    const up = await runCli(['up', '--to', '001_create'], { cwd: join(workspace, 'db'), env });
    expect(up.code, up.stderr).toBe(0);
    const r = await action({ command: 'plan', 'working-directory': 'db' }, env);
    expect(r.code).toBe(0);
    expect(commands(r.stdout)).toEqual([]);
    expect(r.outputs['exit-code']).toBe('0');
    const plan = await readFile(r.outputs['plan-file']!, 'utf8');
    expect(r.summary.trimEnd()).toBe(plan.trimEnd());
    // The default database is shared with other files' rebuilds: the old collections they keep are
    // listed at the end of a plan (checked in cleanup.test.ts, in a database of its own), not pinned here.
    const ours = plan.replace(/\n#### Kept by rebuilds:[^]*$/, '');
    expect(ours.replaceAll(collection, '<c>')).toMatchInlineSnapshot(`
      "<!-- milvus-migrate plan -->
      ### milvus-migrate plan: 1 migration to apply

      **1 step** in 1 migration against database \`default\` · ⚠️ **1 destructive** (run only with \`--allow-destructive\`). Dry run: nothing was changed.

      #### 1. \`002_drop_old\`

      | # | step | what it does | live facts |
      |---:|---|---|---|
      | 1 | ⚠️ \`dropPartition\` **destructive** | drop partition old of <c> and all its rows | holds 4 rows, deleted for good<br>loaded: will be released first |
      "
    `);
    expect(await partitionsOf(t.client, collection)).toEqual(['_default', 'old']);
  });

  it('a command that fails: what its exit code means in the summary and as an error annotation', async () => {
    await writeFile(join(workspace, 'db', 'migrations', '003_bad.yaml'), 'up:\n  - dropPartiton: { collection_name: c }\n');
    const r = await action({ command: 'validate', args: '--offline', 'working-directory': 'db' });
    expect(r.code).toBe(2);
    expect(r.outputs).toEqual({ 'exit-code': '2' });
    expect(r.summary).toContain('### milvus-migrate validate\n\n❌ exit 2: invalid input');
    // The log's last lines, with the problem and its line.
    expect(r.summary).toMatch(/<details>\n<summary>log<\/summary>\n\n```text\n[^]*003_bad\.yaml:2[^]*dropPartiton[^]*```\n\n<\/details>/);
    expect(commands(r.stdout)).toEqual([
      '::error title=milvus-migrate validate::exit 2: invalid input (usage, config, a migration file, an edited applied migration, an irreversible down)',
    ]);
    await rm(join(workspace, 'db', 'migrations', '003_bad.yaml'));
  });

  it('no command: an error annotation and exit 2, before anything runs', async () => {
    const r = await action({ command: '' });
    expect(r.code).toBe(2);
    expect(commands(r.stdout)).toEqual([
      '::error title=milvus-migrate::the command input is required (e.g. lint, plan, validate, verify, up)',
    ]);
  });
});
