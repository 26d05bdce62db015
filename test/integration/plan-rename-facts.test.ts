/**
 * `plan` facts follow a rename made earlier in the same plan (issue 19): a step on the new name
 * is shown the rows of the collection that holds them now, under its old name. Real Milvus,
 * through the CLI; Milvus is checked with the SDK to be unchanged.
 */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml } from '../support/project.js';

const t = useMilvusTest();

describe('plan facts after a rename in the same plan', () => {
  it('reads the rows at stake of a partition dropped under the new name from the collection under its old name', async () => {
    const p = await t.project();
    const c = uniqueName('facts_old');
    const renamed = uniqueName('facts_new');
    await p.write(
      '001_create.yaml',
      `up:\n${collectionYaml(c)}  - createPartition: { collection_name: ${c}, partition_name: p1 }\n  - insert:\n      collection_name: ${c}\n      partition_name: p1\n      data:\n${rowsYaml(1, 7)}\n`,
    );
    try {
      expect((await p.cli(['up'])).code).toBe(0);
      await p.write('002_rename.yaml', `up:\n  - renameCollection: { collection_name: ${c}, new_collection_name: ${renamed} }\n`);
      await p.write('003_drop.yaml', `up:\n  - dropPartition: { collection_name: ${renamed}, partition_name: p1 }\n`);
      const res = await p.cli(['plan', '--json']);
      expect(res.code, res.stderr).toBe(0);
      const steps = (res.json() as { migrations: { name: string; steps: { step: string; facts?: string[] }[] }[] }).migrations.map((m) => [
        m.name,
        m.steps.map((s) => `${s.step}: ${(s.facts ?? []).join('; ')}`),
      ]);
      expect(steps).toEqual([
        ['002_rename', ['renameCollection: ']],
        [
          '003_drop',
          [
            `dropPartition: read from ${c}, which an earlier step of this plan renames to ${renamed}; holds 7 rows, deleted for good; loaded: will be released first`,
          ],
        ],
      ]);
      // A dry run: the collection keeps its name and its partition.
      expect((await t.client.hasCollection({ collection_name: c })).value).toBe(true);
      expect((await t.client.showPartitions({ collection_name: c })).partition_names).toContain('p1');
    } finally {
      await t.client.dropCollection({ collection_name: c });
      await t.client.dropCollection({ collection_name: p.stateCollection });
    }
  });
});
