/** TypeScript and JavaScript migrations: `steps` and `client`, the destructive guard at run time. */
import { describe, expect, it } from 'vitest';
import { useApiProjects } from '../support/api.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml } from '../support/project.js';
import { partitionsOf, readRows } from '../support/sdk.js';

/** Each test has its own project, inside this repository so that `import 'milvus-migrate'` resolves. */
const t = useApiProjects({ insideRepo: true });
const partitions = (c: string) => partitionsOf(t.client, c);

describe('code migrations', () => {
  it('a .ts migration using defineMigration, steps and client runs up and down', async () => {
    const c = uniqueName('code_ts');
    await t.api.write('001_create.yaml', `up:\n${collectionYaml(c)}`);
    await t.api.write(
      '002_partitions.ts',
      `import { defineMigration } from 'milvus-migrate';
const collection: string = ${JSON.stringify(c)};
export default defineMigration({
  description: 'two partitions and a row through the raw client',
  async up({ steps, client, log }) {
    for (const year of [2026, 2027]) await steps.createPartition({ collection_name: collection, partition_name: \`p\${year}\` });
    const res = await client.insert({ collection_name: collection, partition_name: 'p2027', data: [{ id: 7, title: 'raw', embedding: [1, 2, 3, 4] }] });
    log(\`inserted \${res.insert_cnt}\`);
  },
  async down({ steps }) {
    await steps.dropPartition({ collection_name: collection, partition_name: 'p2027' });
    await steps.dropPartition({ collection_name: collection, partition_name: 'p2026' });
  },
});
`,
    );
    const run = await t.api.migrator().up();
    expect(run.error).toBeUndefined();
    expect(run.results[1]!.steps.map((s) => [s.step, s.status])).toEqual([
      ['createPartition', 'done'],
      ['createPartition', 'done'],
    ]);
    expect(await partitions(c)).toEqual(['_default', 'p2026', 'p2027']);
    const count = await readRows(t.client, c, { filter: 'id == 7', fields: ['id'] });
    expect(count).toHaveLength(1);

    const down = await t.api.migrator().down();
    expect(down.error).toBeUndefined();
    expect(await partitions(c)).toEqual(['_default']);
  });

  it('a .mjs migration runs; a destructive step from code is refused at run time without --allow-destructive', async () => {
    const c = uniqueName('code_js');
    await t.api.write(
      '001_create.yaml',
      `up:\n${collectionYaml(c)}  - createPartition: { collection_name: ${c}, partition_name: doomed }\n`,
    );
    await t.api.write(
      '002_drop.mjs',
      `export default {
  async up({ steps }) {
    await steps.createPartition({ collection_name: ${JSON.stringify(c)}, partition_name: kept });
    await steps.dropPartition({ collection_name: ${JSON.stringify(c)}, partition_name: 'doomed' });
  },
};
const kept = 'kept';
`,
    );
    const refused = await t.api.migrator({ allowDestructive: false }).up();
    expect(refused.error?.kind).toBe('destructive-refused');
    expect(refused.error?.message).toContain(
      '002_drop (up) step 2 dropPartition failed: Refusing to run: 1 destructive step would delete data',
    );
    expect(refused.error?.message).toContain("a code migration's steps are only known when its code runs");
    expect(await partitions(c)).toEqual(['_default', 'doomed', 'kept']);

    // The next run resumes after the step that was done.
    const ok = await t.api.migrator({ allowDestructive: true }).up();
    expect(ok.error).toBeUndefined();
    expect(ok.results[0]!.steps.map((s) => [s.step, s.status])).toEqual([
      ['createPartition', 'skipped'],
      ['dropPartition', 'done'],
    ]);
    expect(await partitions(c)).toEqual(['_default', 'kept']);
  });

  it('invalid params from code fail the step with the same messages as YAML', async () => {
    await t.api.write(
      '001_bad.mjs',
      `export default { async up({ steps }) { await steps.createPartition({ collection_name: 'x', partiton_name: 'p' }); } };\n`,
    );
    const run = await t.api.migrator().up();
    expect(run.error?.kind).toBe('invalid-input');
    expect(run.error?.message).toBe(
      'Migration 001_bad (up) step 1 createPartition failed: invalid params: partition_name: missing required param partition_name; ' +
        'partiton_name: unknown param of createPartition "partiton_name"; did you mean "partition_name"? (allowed: collection_name, db_name, partition_name)',
    );
  });
});
