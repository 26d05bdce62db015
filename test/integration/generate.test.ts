/**
 * `generate` (issue 15) against real Milvus: schema.yaml is edited as a user would, the generated
 * migration is applied with `up`, and Milvus is checked with the SDK and with `diff --against`.
 * Edits are grouped into two migrations (in place; rebuilds) to keep the run short.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';
import { collectionYaml, rowsYaml } from '../support/project.js';

const t = useMilvusTest();
const db = uniqueName('gen_db');
let p: TestProject;
let schemaFile: string;

const CREATE = `up:
${collectionYaml('docs')}  - createPartition: { collection_name: docs, partition_name: p2025 }
  - insert:
      collection_name: docs
      data:
${rowsYaml(1, 3)}
${collectionYaml('old')}  - createCollection:
      collection_name: keyed
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: category, data_type: VarChar, max_length: 16 }
        - { name: v, data_type: FloatVector, dim: 4 }
      index_params:
        - { field_name: v, index_type: FLAT, metric_type: L2 }
  - insert:
      collection_name: keyed
      data:
        - { id: 1, category: a, v: [1, 2, 3, 4] }
        - { id: 2, category: b, v: [2, 3, 4, 5] }
  - createAlias: { collection_name: docs, alias: docs_live }
  - createAlias: { collection_name: old, alias: legacy }
`;

type Schema = { collections: Record<string, any>; aliases: Record<string, string> };
async function editSchema(edit: (s: Schema) => void): Promise<void> {
  const s = parse(await readFile(schemaFile, 'utf8')) as Schema;
  edit(s);
  await writeFile(schemaFile, stringify(s));
}
const at = ['--database', db];
async function generate(name: string) {
  const res = await p.cli(['generate', name, '--json', ...at]);
  expect(res.code, res.stderr).toBe(0);
  return JSON_DOCUMENTS.generate.parse(res.json());
}
async function noDrift(): Promise<void> {
  const diff = await p.cli(['diff', '--against', 'schema.yaml', '--json', ...at]);
  expect(JSON_DOCUMENTS.diff.parse(diff.json()).differences).toEqual([]);
  expect(diff.code).toBe(0);
  const again = await p.cli(['generate', 'again', ...at]);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr + again.stdout).toContain('Nothing to change');
}
async function count(collection: string): Promise<number> {
  const res = await t.client.query({
    db_name: db,
    collection_name: collection,
    filter: 'id > 0',
    output_fields: ['count(*)'],
    consistency_level: 'Strong',
  } as never);
  return Number(res.data[0]!['count(*)']);
}

beforeAll(async () => {
  await t.client.createDatabase({ db_name: db });
  p = await t.project();
  schemaFile = join(p.dir, 'schema.yaml');
  await p.write('001_create.yaml', CREATE);
  const up = await p.cli(['up', ...at]);
  expect(up.code, up.stderr).toBe(0);
  expect((await p.cli(['snapshot', ...at])).code).toBe(0);
});

afterAll(async () => {
  for (const alias of ['docs_live', 'legacy', 'docs_read']) await t.client.dropAlias({ db_name: db, alias } as never);
  for (const c of (await t.client.showCollections({ db_name: db })).data)
    await t.client.dropCollection({ db_name: db, collection_name: c.name });
  await t.client.dropDatabase({ db_name: db });
});

describe('generate', () => {
  it('in place: partitions, TTL, a replaced index, a new and a dropped collection, aliases added, moved and dropped', async () => {
    await editSchema((s) => {
      const docs = s.collections.docs;
      docs.partitions = ['_default', 'p2026'];
      docs.properties = { 'collection.ttl.seconds': 3600 };
      docs.indexes = { embedding: { field_name: 'embedding', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 8 } } };
      s.collections.notes = {
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'body', data_type: 'VarChar', max_length: 64 },
          { name: 'v', data_type: 'FloatVector', dim: 4 },
        ],
        indexes: { v: { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' } },
      };
      delete s.collections.old;
      s.aliases = { docs_live: 'notes', docs_read: 'docs' };
    });
    const doc = await generate('in place');
    expect(doc.steps.map((s) => [s.step, s.destructive])).toEqual([
      ['dropAlias', false],
      ['createCollection', false],
      ['createPartition', false],
      ['releaseCollection', false],
      ['dropIndex', false],
      ['createIndex', false],
      ['alterCollectionProperties', false],
      ['dropPartition', true],
      ['loadCollection', false],
      ['alterAlias', false],
      ['createAlias', false],
      ['dropCollection', true],
    ]);
    expect(doc.todos).toEqual([]);
    const text = await readFile(doc.migration!.path, 'utf8');
    expect(text).toContain('# DESTRUCTIVE: deletes data');
    expect(text).toContain('# alias docs_live moves from docs to notes');

    // The destructive guard applies, then the run goes through.
    expect((await p.cli(['up', ...at])).code).toBe(4);
    const up = await p.cli(['up', '--allow-destructive', ...at]);
    expect(up.code, up.stderr).toBe(0);

    const partitions = await t.client.showPartitions({ db_name: db, collection_name: 'docs' });
    expect([...partitions.partition_names].sort()).toEqual(['_default', 'p2026']);
    const desc = await t.client.describeCollection({ db_name: db, collection_name: 'docs' });
    expect(desc.properties).toContainEqual({ key: 'collection.ttl.seconds', value: '3600' });
    const index = await t.client.describeIndex({ db_name: db, collection_name: 'docs' } as never);
    expect(index.index_descriptions[0]!.params).toContainEqual({ key: 'index_type', value: 'IVF_FLAT' });
    expect(String((await t.client.getLoadState({ db_name: db, collection_name: 'docs' })).state)).toBe('LoadStateLoaded');
    expect((await t.client.hasCollection({ db_name: db, collection_name: 'old' })).value).toBe(false);
    expect((await t.client.describeCollection({ db_name: db, collection_name: 'notes' })).aliases).toEqual(['docs_live']);
    expect(desc.aliases).toEqual(['docs_read']);
    expect(await count('docs')).toBe(3);
    await noDrift();
  });

  it('rebuilds: a longer max_length, a new field (fill in), a new dim (transform template), a partition key, a renamed field', async () => {
    await editSchema((s) => {
      const docs = s.collections.docs;
      docs.fields[1].max_length = 256;
      docs.fields[2].dim = 8;
      docs.fields.push({ name: 'lang', data_type: 'VarChar', max_length: 8 });
      s.collections.keyed.fields[1].is_partition_key = true;
      delete s.collections.keyed.partitions;
      s.collections.notes.fields[1] = { name: 'text', renamed_from: 'body', data_type: 'VarChar', max_length: 64 };
    });
    const doc = await generate('rebuilds');
    expect(doc.steps.map((s) => s.step)).toEqual(['rebuildCollection', 'rebuildCollection', 'rebuildCollection']);
    expect(doc.templates).toEqual([join(p.migrationsDir, 'transforms', `${doc.migration!.name}.docs.ts`)]);
    expect(doc.todos).toHaveLength(2);

    // Not valid until filled in: the TODO param is refused with its line.
    const refused = await p.cli(['validate', '--offline', '--json', ...at]);
    expect(refused.code).toBe(2);
    const problems = JSON_DOCUMENTS.failure.parse(refused.json()).error.problems!;
    expect(problems.map((x) => x.path)).toEqual(['up[0].rebuildCollection.TODO']);
    expect(problems[0]!.line).toBeGreaterThan(0);

    // Filled in as a user would: a fill value, the transform, the TODO line removed.
    const file = doc.migration!.path;
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^\s+TODO: .*\n/m, '').replace('fill: null', 'fill: en'));
    await writeFile(doc.templates[0]!, 'export default (row: any) => ({ ...row, embedding: [...row.embedding, ...row.embedding] });\n');
    const up = await p.cli(['up', ...at]);
    expect(up.code, up.stderr).toBe(0);

    const docs = await t.client.describeCollection({ db_name: db, collection_name: 'docs' });
    const fields = Object.fromEntries(docs.schema.fields.map((f) => [f.name, f]));
    expect(fields.title!.max_length ?? fields.title!.type_params).toBeDefined();
    expect(JSON.stringify(fields.title)).toContain('256');
    expect(JSON.stringify(fields.embedding)).toContain('"8"');
    expect(Object.keys(fields)).toContain('lang');
    const rows = await t.client.query({
      db_name: db,
      collection_name: 'docs',
      filter: 'id > 0',
      output_fields: ['id', 'lang', 'embedding'],
      consistency_level: 'Strong',
    } as never);
    expect(rows.data.map((r) => [r.id, r.lang, (r.embedding as number[]).length]).sort()).toEqual([
      ['1', 'en', 8],
      ['2', 'en', 8],
      ['3', 'en', 8],
    ]);
    const keyed = await t.client.describeCollection({ db_name: db, collection_name: 'keyed' });
    expect(keyed.schema.fields.find((f) => f.name === 'category')!.is_partition_key).toBe(true);
    expect(await count('keyed')).toBe(2);
    const notes = await t.client.describeCollection({ db_name: db, collection_name: 'notes' });
    expect(notes.schema.fields.map((f) => f.name)).toEqual(['id', 'text', 'v']);
    expect(notes.aliases).toEqual(['docs_live']);
    await noDrift();
    // The old collections are kept aside by the rebuilds.
    const kept = (await t.client.showCollections({ db_name: db })).data.map((c) => c.name).filter((n) => n.includes('__mm_old_'));
    expect(kept).toHaveLength(3);
    expect(await readdir(p.migrationsDir)).toHaveLength(4);
  });
});
