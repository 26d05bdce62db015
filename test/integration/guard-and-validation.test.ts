/**
 * Nothing changes in Milvus when a run is refused: destructive steps without
 * --allow-destructive (exit 4), or any invalid migration file (exit 2), even with other
 * migrations pending.
 */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml } from '../support/project.js';
import { hasCollection, partitionsOf } from '../support/sdk.js';

const t = useMilvusTest();
const has = (name: string) => hasCollection(t.client, name);

describe('destructive guard', () => {
  it('refuses the whole run with exit 4, listing each destructive step, and changes nothing', async () => {
    const p = await t.project();
    const collection = uniqueName('guard');
    const other = uniqueName('guard_other');
    await p.write(
      '001_create.yaml',
      `up:\n${collectionYaml(collection)}  - createPartition: { collection_name: ${collection}, partition_name: p1 }\n`,
    );
    expect((await p.cli(['up'])).code).toBe(0);
    await p.write('002_unrelated.yaml', `up:\n${collectionYaml(other)}`);
    await p.write(
      '003_drop.yaml',
      `up:\n  - dropPartition: { collection_name: ${collection}, partition_name: p1 }\n  - dropCollection: { collection_name: ${collection} }\n`,
    );

    const res = await p.cli(['up']);
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('Refusing to run: 2 destructive steps would delete data:');
    expect(res.stderr).toContain(`003_drop (up) step 1 dropPartition: drop partition p1 of ${collection} and all its rows`);
    expect(res.stderr).toContain(`003_drop (up) step 2 dropCollection: drop collection ${collection} and all its data`);
    expect(res.stderr).toContain('--allow-destructive');
    // Not even the harmless migration before it ran.
    expect(await has(other)).toBe(false);
    expect(await partitionsOf(t.client, collection)).toContain('p1');
    const status = (await p.cli(['status', '--json'])).json();
    expect(status.counts).toMatchObject({ applied: 1, pending: 2 });

    const json = await p.cli(['up', '--json']);
    expect(json.code).toBe(4);
    expect(json.json().error.kind).toBe('destructive-refused');

    const ok = await p.cli(['up', '--allow-destructive']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await has(collection)).toBe(false);
    expect(await has(other)).toBe(true);
  });
});

describe('invalid migration files', () => {
  const cases: [string, (c: string) => string, string[]][] = [
    ['bad YAML', () => 'up:\n  - dropPartition: { collection_name: a\n', ['YAML syntax error']],
    [
      'unknown step',
      (c) => `up:\n  - dropPartiton: { collection_name: ${c}, partition_name: p }\n`,
      [':2:5: up[0]: unknown step "dropPartiton"; did you mean "dropPartition"?'],
    ],
    [
      'missing param',
      (c) => `up:\n  - dropPartition:\n      collection_name: ${c}\n`,
      [':3:7: up[0].dropPartition.partition_name: missing required param partition_name'],
    ],
    [
      'unknown param',
      (c) => `up:\n  - createPartition:\n      collection_name: ${c}\n      partiton_name: p\n`,
      [':4:22: up[0].createPartition.partiton_name: unknown param of createPartition "partiton_name"; did you mean "partition_name"?'],
    ],
    [
      'invalid name',
      (c) => `up:\n  - createPartition:\n      collection_name: ${c}\n      partition_name: 2bad-name\n`,
      [':4:23: up[0].createPartition.partition_name: invalid Milvus name "2bad-name"'],
    ],
    [
      'wrong type',
      (c) => `up:\n  - dropPartition:\n      collection_name: ${c}\n      partition_name: p\n      if_exists: "yes"\n`,
      [':5:18: up[0].dropPartition.if_exists: must be true or false, got string "yes"'],
    ],
  ];
  it.each(cases)('%s: exit 2 with file and line, nothing runs although another migration is pending', async (_label, body, expected) => {
    const p = await t.project();
    const collection = uniqueName('valid');
    await p.write('001_create.yaml', `up:\n${collectionYaml(collection)}`);
    const file = await p.write('002_bad.yaml', body(collection));
    const res = await p.cli(['up', '--allow-destructive']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('1 migration file is invalid; nothing was run');
    for (const e of expected) expect(res.stderr).toContain(e.startsWith(':') ? `${file}${e}` : e);
    expect(await has(collection)).toBe(false);
    // No state collection was created either.
    expect(await has(p.stateCollection)).toBe(false);
  });
});
