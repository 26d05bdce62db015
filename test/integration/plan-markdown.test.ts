/**
 * `plan --format markdown` against real Milvus: a project with two applied migrations (a loaded
 * collection, rows in a partition, an alias) and four pending ones (a drop without and one with a
 * backup, a rebuild by name and one through the alias, a long migration, a code migration). The
 * whole comment is pinned, live facts included (rows at stake, loaded, backups, cut-over, shadow
 * and old names); only the unique names of this run are normalised. Milvus is checked afterwards:
 * the plan changed nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runInProcess } from '../support/cli-help.js';
import { useMilvusTest } from '../support/context.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml, type TestProject } from '../support/project.js';
import { hasCollection, loadStateOf, partitionsOf } from '../support/sdk.js';

const t = useMilvusTest();
const docs = uniqueName('md_docs');
const other = uniqueName('md_other');
const alias = uniqueName('md_live');
let p: TestProject;

const cli = (args: string[]) =>
  runInProcess([
    ...args,
    '--config',
    join(p.dir, 'milvus.config.yaml'),
    '--address',
    testAddress(),
    ...(testToken() ? ['--token', testToken()] : []),
  ]);

/** This run's unique names, and the 8-hex suffixes derived from them, as placeholders. */
function normalise(text: string): string {
  // The default database is shared with other files' rebuilds: the old collections they keep are
  // listed at the end (checked in cleanup.test.ts, in a database of its own), not pinned here.
  return text
    .replace(/\n#### Kept by rebuilds:[^]*$/, '')
    .replaceAll(docs, '<docs>')
    .replaceAll(other, '<other>')
    .replaceAll(alias, '<live>')
    .replace(/__mm_(old_)?[0-9a-f]{8}/g, '__mm_$1<hash>');
}

beforeAll(async () => {
  p = await t.project();
  await p.write(
    '001_create.yaml',
    `up:\n${collectionYaml(docs)}  - createPartition: { collection_name: ${docs}, partition_name: p2026 }\n${collectionYaml(other)}  - createAlias: { alias: ${alias}, collection_name: ${other} }\n`,
  );
  await p.write(
    '002_seed.yaml',
    `up:\n  - insert:\n      collection_name: ${docs}\n      partition_name: p2026\n      data:\n${rowsYaml(1, 3)}\n  - insert:\n      collection_name: ${docs}\n      data:\n${rowsYaml(10, 2)}\n  - insert:\n      collection_name: ${other}\n      data:\n${rowsYaml(20, 4)}\n`,
  );
  const up = await cli(['up']);
  expect(up.code, up.stderr).toBe(0);
  await p.write(
    '003_drop_2026.yaml',
    `description: Drop the 2026 partition | its rows are archived elsewhere\nup:\n  - dropPartition: { collection_name: ${docs}, partition_name: p2026 }\n  - dropPartition: { collection_name: ${docs}, partition_name: p2025, if_exists: true, backup: true }\ndown:\n  - createPartition: { collection_name: ${docs}, partition_name: p2026 }\n`,
  );
  await p.write(
    '004_rebuild.yaml',
    `description: Longer titles\nup:\n  - rebuildCollection: { collection_name: ${docs}, writes: paused, changes: { alter_fields: { title: { max_length: 256 } } } }\n  - rebuildCollection: { collection_name: ${alias}, writes: paused, verify: { sample: 10 }, changes: { alter_fields: { title: { max_length: 128 } } } }\n`,
  );
  const many = Array.from({ length: 9 }, (_, i) => `  - createPartition: { collection_name: ${other}, partition_name: q${i} }\n`).join('');
  await p.write('005_partitions.yaml', `up:\n${many}  - delete: { collection_name: ${other}, filter: "id < 22", backup: true }\n`);
  await p.write('006_code.mjs', `export default { async up({ steps }) {}, async down() {} };\n`);
});

afterAll(async () => {
  for (const c of [docs, other, p.stateCollection]) await t.client.dropCollection({ collection_name: c });
});

describe('plan --format markdown', () => {
  it('renders every pending migration with its live facts, destructive steps marked, and changes nothing', async () => {
    const r = await cli(['plan', '--format', 'markdown']);
    expect(r.code, r.stderr).toBe(0);
    expect(normalise(r.stdout)).toMatchInlineSnapshot(`
      "<!-- milvus-migrate plan -->
      ### milvus-migrate plan: 4 migrations to apply

      **14 steps** in 4 migrations against database \`default\` · 1 code migration (steps known when it runs) · ⚠️ **3 destructive** (run only with \`--allow-destructive\`). Dry run: nothing was changed.

      #### 1. \`003_drop_2026\`

      Drop the 2026 partition \\| its rows are archived elsewhere

      | # | step | what it does | live facts |
      |---:|---|---|---|
      | 1 | ⚠️ \`dropPartition\` **destructive** | drop partition p2026 of <docs> and all its rows | holds 3 rows, deleted for good<br>loaded: will be released first |
      | 2 | ⚠️ \`dropPartition\` **destructive** | drop partition p2025 of <docs> and all its rows (backed up first) | partition does not exist: no-op (if_exists) |

      #### 2. \`004_rebuild\`

      Longer titles

      | # | step | what it does | live facts |
      |---:|---|---|---|
      | 1 | \`rebuildCollection\` | rebuild <docs> into <docs>__mm_<hash>, verify (every row) and cut over | 5 rows (109 bytes) to copy: about 1 s at 6.0 MB/s, the rate of one stream measured on the test server (bench P5), then about half that again to verify<br>strategy: copy in primary-key order, one stream, checkpointed after each batch<br>cut-over by name: <docs> is renamed to <docs>__mm_old_<hash> and <docs>__mm_<hash> to <docs> (readers see a moment without the collection)<br>writes paused: rows written during the copy would not reach the new collection<br>the old collection is kept as <docs>__mm_old_<hash> for rollback (down); drop it later with a dropCollection migration (destructive) |
      | 2 | \`rebuildCollection\` | rebuild <live> into <live>__mm_<hash>, verify (a sample of 10) and cut over | 4 rows (92 bytes) to copy: about 1 s at 6.0 MB/s, the rate of one stream measured on the test server (bench P5), then about half that again to verify<br>strategy: copy in primary-key order, one stream, checkpointed after each batch<br>cut-over through alias <live> (alterAlias: no downtime for readers); <other> stays as it is<br>writes paused: rows written during the copy would not reach the new collection<br>the old collection is kept as <other> for rollback (down); drop it later with a dropCollection migration (destructive) |

      #### 3. \`005_partitions\`

      - ⚠️ step 10 \`delete\`: delete rows of <other> where id &lt; 22 (backed up first)

      <details>
      <summary>10 steps, 1 destructive</summary>

      | # | step | what it does | live facts |
      |---:|---|---|---|
      | 1 | \`createPartition\` | create partition q0 in <other> | — |
      | 2 | \`createPartition\` | create partition q1 in <other> | — |
      | 3 | \`createPartition\` | create partition q2 in <other> | — |
      | 4 | \`createPartition\` | create partition q3 in <other> | — |
      | 5 | \`createPartition\` | create partition q4 in <other> | — |
      | 6 | \`createPartition\` | create partition q5 in <other> | — |
      | 7 | \`createPartition\` | create partition q6 in <other> | — |
      | 8 | \`createPartition\` | create partition q7 in <other> | — |
      | 9 | \`createPartition\` | create partition q8 in <other> | — |
      | 10 | ⚠️ \`delete\` **destructive** | delete rows of <other> where id &lt; 22 (backed up first) | matches 2 rows now |

      </details>

      #### 4. \`006_code\`

      Code migration: its steps are known only when it runs (destructive ones are refused then without \`--allow-destructive\`).
      "
    `);
    // A dry run: Milvus is as the applied migrations left it.
    expect(await partitionsOf(t.client, docs)).toEqual(['_default', 'p2026']);
    expect(await loadStateOf(t.client, docs)).toBe('LoadStateLoaded');
    expect((await t.client.listCollections()).data.map((c) => c.name).filter((n) => n.startsWith(`${docs}__mm_`))).toEqual([]);
    expect(await hasCollection(t.client, docs)).toBe(true);
  });

  it('a plan that cannot be made is a comment too, with the problems, and the exit code of the error', async () => {
    await p.write('007_bad.yaml', `up:\n  - createPartition: { collection_name: ${docs}, partition: x }\n`);
    const r = await cli(['plan', '--format', 'markdown']);
    expect(r.code).toBe(2);
    expect(normalise(r.stdout).replace(/`[^`]*\/migrations\/007_bad\.yaml:/g, '`migrations/007_bad.yaml:')).toMatchInlineSnapshot(`
      "<!-- milvus-migrate plan -->
      ### milvus-migrate plan: no plan

      ❌ **invalid-input** (exit 2): 1 migration file is invalid; nothing was run

      - \`migrations/007_bad.yaml:2\` \`up[0].createPartition.partition_name\`: missing required param partition_name
      - \`migrations/007_bad.yaml:2\` \`up[0].createPartition.partition\`: unknown param of createPartition "partition"; did you mean "partition_name"? (allowed: collection_name, db_name, partition_name)
      "
    `);
    expect(r.stderr).toContain('007_bad.yaml');
  });
});
