import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// ajv 6 is in node_modules as ESLint's (and @microsoft/jest-sarif's) dependency.
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../../src/cli/json-shapes.js';
import { RULES } from '../../../src/lint/index.js';
import { runInProcess } from '../../support/cli-help.js';

/**
 * The SARIF 2.1.0 JSON Schema (OASIS, as SchemaStore publishes it: 2.1.0-rtm.5), from the
 * devDependency @microsoft/jest-sarif, which ships it; undefined while node_modules lacks it.
 */
function sarifSchemaPath(): string | undefined {
  try {
    return join(
      dirname(createRequire(import.meta.url).resolve('@microsoft/jest-sarif/package.json')),
      'lib/schemas/sarif-2.1.0-rtm.5.json',
    );
  } catch {
    return undefined;
  }
}
const SARIF_SCHEMA = sarifSchemaPath();

const PARTITION = 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n';
const DROP =
  'up:\n  # a comment\n  - dropPartition: { collection_name: c, partition_name: old }\ndown:\n  - createPartition: { collection_name: c, partition_name: old }\n';

describe('lint (the command)', () => {
  let dir: string;
  let config: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mm-lint-'));
    config = join(dir, 'milvus.config.yaml');
    await writeFile(config, 'migrations: migrations\n');
    await mkdir(join(dir, 'migrations'));
    await writeFile(join(dir, 'migrations', '20261201000000_a.yaml'), PARTITION);
    await writeFile(join(dir, 'migrations', '20261203000000_b.yaml'), PARTITION);
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
    // On the branch: a new migration named before the base's newest, and an edit of a base file.
    await writeFile(join(dir, 'migrations', '20261202000000_drop.yaml'), DROP);
    await writeFile(join(dir, 'migrations', '20261201000000_a.yaml'), `${PARTITION}# edited\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--json: the findings, pinned; exit 0 below --fail-on error', async () => {
    const r = await runInProcess(['lint', '--json', '--config', config]);
    expect(r.code).toBe(0);
    const doc = JSON_DOCUMENTS.lint.parse(JSON.parse(r.stdout));
    expect(doc).toMatchObject({ ok: true, exitCode: 0, base: null, failOn: 'error', counts: { error: 0, warning: 1 } });
    expect(doc.findings.map((f) => [f.code, f.migration, f.line, f.docs.split('#')[1]])).toEqual([
      ['MM101', '20261202000000_drop', 3, 'mm101'],
    ]);
  });

  it('--fail-on warning: exit 1', async () => {
    expect((await runInProcess(['lint', '--fail-on', 'warning', '--config', config])).code).toBe(1);
  });

  it('--base: the history rules against the git ref', async () => {
    const r = await runInProcess(['lint', '--json', '--base', 'HEAD', '--config', config]);
    expect(r.code).toBe(1);
    const doc = JSON_DOCUMENTS.lint.parse(JSON.parse(r.stdout));
    expect(doc.findings.map((f) => `${f.code} ${f.migration}:${f.line ?? '-'}`)).toEqual([
      'MM402 20261201000000_a:-',
      'MM401 20261202000000_drop:-',
      'MM101 20261202000000_drop:3',
    ]);
  });

  it('--base that is no commit: exit 2', async () => {
    const r = await runInProcess(['lint', '--json', '--base', 'no-such-branch', '--config', config]);
    expect(r.code).toBe(2);
    expect(JSON_DOCUMENTS.failure.parse(JSON.parse(r.stdout)).error.message).toContain('--base no-such-branch: not a commit');
  });

  it('--base outside a git repository: exit 2, saying so', async () => {
    const alone = await mkdtemp(join(tmpdir(), 'mm-lint-nogit-'));
    try {
      await writeFile(join(alone, 'milvus.config.yaml'), 'migrations: .\n');
      const r = await runInProcess(['lint', '--json', '--base', 'main', '--config', join(alone, 'milvus.config.yaml')]);
      expect(r.code).toBe(2);
      expect(JSON_DOCUMENTS.failure.parse(JSON.parse(r.stdout)).error.message).toBe(`--base main: ${alone} is not in a git repository`);
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  });

  it('text: file:line severity code message', async () => {
    const r = await runInProcess(['lint', '--no-color', '--config', config]);
    expect(r.stdout.split('\n')[0]).toMatch(/^\S*20261202000000_drop\.yaml:3 warning MM101 dropPartition deletes data/);
  });

  it.runIf(SARIF_SCHEMA)(
    '--format sarif validates against the SARIF 2.1.0 JSON Schema (needs npm ci: @microsoft/jest-sarif ships it)',
    async () => {
      const ajv = new Ajv({ allErrors: true, schemaId: 'auto' });
      const draft04 = createRequire(import.meta.url).resolve('ajv/lib/refs/json-schema-draft-04.json');
      ajv.addMetaSchema(JSON.parse(await readFile(draft04, 'utf8')) as object);
      const validate = ajv.compile(JSON.parse(await readFile(SARIF_SCHEMA!, 'utf8')));
      const r = await runInProcess(['lint', '--format', 'sarif', '--base', 'HEAD', '--config', config]);
      const log = JSON.parse(r.stdout) as { runs: { results: unknown[] }[] };
      expect(log.runs[0]!.results.length).toBe(3);
      expect(validate(log), ajv.errorsText(validate.errors)).toBe(true);
      // The schema is not a rubber stamp: a driver without its name is refused.
      expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    },
  );

  /** What GitHub code scanning requires beyond the schema's shape, field by field. */
  it('--format sarif: a SARIF 2.1.0 log with the fields code scanning requires', async () => {
    const r = await runInProcess(['lint', '--format', 'sarif', '--base', 'HEAD', '--config', config]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string } }[] } };
        results: Record<string, unknown>[];
      }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('milvus-migrate');
    expect(run.tool.driver.rules.map((x) => x.id)).toEqual(RULES.map((x) => x.code));
    for (const rule of run.tool.driver.rules) expect(rule.shortDescription.text).toMatch(/\w/);
    expect(run.results).toHaveLength(3);
    for (const res of run.results) {
      expect(res).toMatchObject({
        ruleId: expect.stringMatching(/^MM\d{3}$/),
        level: expect.stringMatching(/^(error|warning)$/),
        message: { text: expect.any(String) },
      });
      const loc = (res.locations as { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[])[0]!;
      expect(loc.physicalLocation.artifactLocation.uri).toMatch(/^migrations\/\d{14}_\w+\.yaml$/);
      expect(Number.isInteger(loc.physicalLocation.region.startLine) && loc.physicalLocation.region.startLine >= 1).toBe(true);
      expect(run.tool.driver.rules[res.ruleIndex as number]!.id).toBe(res.ruleId);
    }
  });
});
