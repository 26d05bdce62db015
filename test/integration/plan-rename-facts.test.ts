/**
 * `plan` facts follow a rename made earlier in the same plan (issue 19): a step on the new name
 * is shown the rows of the collection that holds them now, under its old name; a step through
 * an alias an earlier step creates says so instead of "does not exist". Real Milvus, through the
 * CLI; Milvus is checked with the SDK to be unchanged by the plan.
 */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml, rowsYaml } from '../support/project.js';

const t = useMilvusTest();

describe('plan facts after a rename or an alias in the same plan', () => {
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

  it('a step through an alias that an earlier step creates says so, for a collection the plan creates and for a live one', async () => {
    const p = await t.project();
    const live = uniqueName('facts_live');
    const planned = uniqueName('facts_planned');
    const [liveAlias, plannedAlias] = [uniqueName('facts_la'), uniqueName('facts_pa')];
    await p.write('001_live.yaml', `up:\n${collectionYaml(live)}`);
    try {
      expect((await p.cli(['up'])).code).toBe(0);
      await p.write(
        '002_aliases.yaml',
        `up:\n${collectionYaml(planned)}  - createAlias: { collection_name: ${planned}, alias: ${plannedAlias} }\n  - createAlias: { collection_name: ${live}, alias: ${liveAlias} }\n`,
      );
      const rebuild = (alias: string) =>
        `  - rebuildCollection: { collection_name: ${alias}, writes: paused, changes: { alter_fields: { title: { max_length: 128 } } } }\n`;
      await p.write('003_rebuild.yaml', `up:\n${rebuild(plannedAlias)}${rebuild(liveAlias)}`);
      const res = await p.cli(['plan', '--json']);
      expect(res.code, res.stderr).toBe(0);
      const facts = (res.json() as { migrations: { name: string; steps: { facts?: string[] }[] }[] }).migrations
        .find((m) => m.name === '003_rebuild')!
        .steps.map((s) => s.facts);
      expect(facts).toEqual([
        ['its collection is created by an earlier step of this plan'],
        [`the alias ${liveAlias} is pointed at ${live} by an earlier step of this plan`],
      ]);
      // A dry run: no alias was made.
      expect((await t.client.listAliases({ collection_name: live })).aliases).toEqual([]);
      expect((await t.client.hasCollection({ collection_name: planned })).value).toBe(false);
      // And the plan runs: both rebuilds cut over through their new aliases.
      const up = await p.cli(['up']);
      expect(up.code, up.stderr).toBe(0);
      expect((await t.client.listAliases({ collection_name: live })).aliases).toEqual([]);
      expect((await t.client.listAliases({ collection_name: planned })).aliases).toEqual([]);
    } finally {
      for (const alias of [liveAlias, plannedAlias]) await t.client.dropAlias({ alias });
      const all = (await t.client.showCollections()).data.map((c) => c.name);
      // The rebuilt collections are named after the aliases they were reached through.
      for (const name of all.filter((n) =>
        [live, planned, liveAlias, plannedAlias, p.stateCollection].some((prefix) => n.startsWith(prefix)),
      ))
        await t.client.dropCollection({ collection_name: name });
    }
  });
});
