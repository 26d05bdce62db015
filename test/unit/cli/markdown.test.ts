import { describe, expect, it } from 'vitest';
import { InvalidInputError, MigrateError } from '../../../src/errors.js';
import { planFailureMarkdown, planMarkdown } from '../../../src/cli/markdown.js';
import type { MigrationResult, RunResult } from '../../../src/runner/results.js';

const migration = (over: Partial<MigrationResult>): MigrationResult => ({
  name: '001_x',
  direction: 'up',
  status: 'not-executed',
  format: 'yaml',
  steps: [],
  resumeFrom: 0,
  ...over,
});
const run = (results: MigrationResult[]): RunResult => ({ direction: 'up', dryRun: true, results });

describe('plan as Markdown', () => {
  it('nothing to do up to a --to target', () => {
    expect(planMarkdown(run([]), { database: 'default', to: '002_b' })).toContain(
      '✅ Nothing to do: every migration up to 002_b is applied in database `default`.',
    );
  });

  it('nothing to do', () => {
    expect(planMarkdown(run([]), { database: 'default', env: 'production' })).toMatchInlineSnapshot(`
      "<!-- milvus-migrate plan -->
      ### milvus-migrate plan

      ✅ Nothing to do: every migration is applied in database \`default\` (environment \`production\`).
      "
    `);
  });

  it('a resumed migration: done steps say so; pipes, angle brackets and line breaks cannot break the table', () => {
    const r = migration({
      resumeFrom: 1,
      description: 'a | b',
      steps: [
        { index: 0, step: 'createPartition', summary: 'create partition p in c', destructive: false, status: 'skipped' },
        {
          index: 1,
          step: 'delete',
          summary: 'delete rows of c where id < 5 | x',
          destructive: true,
          status: 'planned',
          facts: ['matches 3 rows now\nsecond line'],
          note: 'rows are not restored',
        },
      ],
    });
    expect(planMarkdown(run([r]), { database: 'db1' })).toMatchInlineSnapshot(`
      "<!-- milvus-migrate plan -->
      ### milvus-migrate plan: 1 migration to apply

      **1 step** in 1 migration against database \`db1\` · ⚠️ **1 destructive** (run only with \`--allow-destructive\`). Dry run: nothing was changed.

      #### 1. \`001_x\`

      a \\| b

      Resumes at step 2: the steps before it were done by the previous run.

      | # | step | what it does | live facts |
      |---:|---|---|---|
      | 1 | \`createPartition\` | create partition p in c | done by the previous run: skipped |
      | 2 | ⚠️ \`delete\` **destructive** | delete rows of c where id &lt; 5 \\| x | matches 3 rows now<br>second line<br>_rows are not restored_ |
      "
    `);
  });

  it('a failure: kind, exit code, hint, and problems relative to the folder it runs in', () => {
    const err = new InvalidInputError('1 migration file is invalid', [
      { file: '/repo/migrations/001_x.yaml', line: 3, path: 'up[0]', message: 'unknown step "dropPartiton"' },
    ]);
    expect(planFailureMarkdown(err, '/repo')).toMatchInlineSnapshot(`
      "<!-- milvus-migrate plan -->
      ### milvus-migrate plan: no plan

      ❌ **invalid-input** (exit 2): 1 migration file is invalid

      - \`migrations/001_x.yaml:3\` \`up[0]\`: unknown step "dropPartiton"
      "
    `);
    expect(planFailureMarkdown(new MigrateError('connection', 'cannot reach localhost:1', { hint: 'check MILVUS_ADDRESS' }))).toContain(
      '❌ **connection** (exit 5): cannot reach localhost:1\n\n_check MILVUS_ADDRESS_',
    );
  });
});
