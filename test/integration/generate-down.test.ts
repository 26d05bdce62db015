/**
 * What the derived `down` of a generated migration gives back (issue 15), against real Milvus: a
 * collection with a TTL is dropped by a generated migration (backup: true), then `down` restores
 * it. Its backup keeps the collection's properties, so the generator marks nothing and the
 * snapshot after up + down is the one before, TTL included.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import type { TestProject } from '../support/project.js';
import { collectionYaml, rowsYaml } from '../support/project.js';

const t = useMilvusTest();
const db = uniqueName('gen_down_db');
const at = ['--database', db];
let p: TestProject;

beforeAll(async () => {
  await t.client.createDatabase({ db_name: db });
  p = await t.project();
  await p.write(
    '001_create.yaml',
    `up:
${collectionYaml('docs')}  - insert:
      collection_name: docs
      data:
${rowsYaml(1, 3)}
  - alterCollectionProperties: { collection_name: docs, properties: { collection.ttl.seconds: 3600 } }
  - createCollection:
      collection_name: keep
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: v, data_type: FloatVector, dim: 4 }
`,
  );
  const up = await p.cli(['up', ...at]);
  expect(up.code, up.stderr).toBe(0);
});

afterAll(async () => {
  for (const c of (await t.client.showCollections({ db_name: db })).data)
    await t.client.dropCollection({ db_name: db, collection_name: c.name });
  await t.client.dropDatabase({ db_name: db });
});

describe('generate: what down gives back', () => {
  it('a dropped collection with a TTL: up then down gives back the snapshot before, TTL included, and nothing is marked', async () => {
    expect((await p.cli(['snapshot', '--out', 'before.yaml', ...at])).code).toBe(0);
    const before = await readFile(join(p.dir, 'before.yaml'), 'utf8');
    const wanted = parse(before) as { collections: Record<string, unknown> };
    delete wanted.collections.docs;
    await writeFile(join(p.dir, 'schema.yaml'), JSON.stringify(wanted));

    const res = await p.cli(['generate', 'drop docs', '--json', ...at]);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON_DOCUMENTS.generate.parse(res.json());
    expect(doc.steps.map((s) => s.step)).toEqual(['dropCollection']);
    expect(doc.notes).toEqual([]);
    expect(await readFile(doc.migration!.path, 'utf8')).not.toContain('NOT ALL RESTORED BY DOWN');

    const up = await p.cli(['up', '--allow-destructive', ...at]);
    expect(up.code, up.stderr).toBe(0);
    expect((await t.client.hasCollection({ db_name: db, collection_name: 'docs' })).value).toBe(false);
    const down = await p.cli(['down', ...at]);
    expect(down.code, down.stderr).toBe(0);

    expect((await p.cli(['snapshot', '--out', 'after.yaml', ...at])).code).toBe(0);
    const after = parse(await readFile(join(p.dir, 'after.yaml'), 'utf8')) as { collections: Record<string, any> };
    const expected = parse(before) as { collections: Record<string, any> };
    expect(expected.collections.docs.properties).toEqual({ 'collection.ttl.seconds': '3600' });
    expect(after).toEqual(expected);
  });
});
