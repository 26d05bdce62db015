/**
 * rebuildCollection against real Milvus, through the public API, checked afterwards with the SDK:
 * changes made by copying into a shadow and cutting over (through an alias, and by name), the
 * verification that stops a cut-over, down, and bad input refused before anything changes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MilvusStateStore, Migrator, type StateRow } from '../../src/index.js';
import { ok, useApiProjects } from '../support/api.js';
import { DyingStore } from '../support/dying-store.js';
import { statusJson, statusText } from '../../src/cli/render.js';
import { Output } from '../../src/cli/output.js';
import { statusDocument } from '../../src/cli/json-shapes.js';
import { uniqueName } from '../support/milvus.js';
import { readRows } from '../support/sdk.js';

const t = useApiProjects();
let n = 0;
const name = (what: string) => `${String(++n).padStart(3, '0')}_${what}`;

const vec = (i: number) => [i / 64, (i % 7) / 8, 0.5, 1];

/** `id` Int64, `title` VarChar(16), `legacy` Int32, `embedding` 4-dim with a FLAT index, loaded, 300 rows (two partitions). */
async function createDocs(c: string, opts: { partitions?: boolean; empty?: boolean } = {}): Promise<void> {
  const res = await t.client.createCollection({
    collection_name: c,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'title', data_type: 'VarChar', max_length: 16 },
      { name: 'legacy', data_type: 'Int32' },
      { name: 'embedding', data_type: 'FloatVector', dim: 4 },
    ],
  } as never);
  if (res.error_code !== 'Success') throw new Error(res.reason);
  await t.client.createIndex({ collection_name: c, field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' });
  if (opts.partitions !== false) await t.client.createPartition({ collection_name: c, partition_name: 'p2' });
  if (opts.empty) return void (await t.client.loadCollectionSync({ collection_name: c }));
  const rows = Array.from({ length: 300 }, (_, i) => ({
    id: i + 1,
    title: `row${i + 1}`,
    legacy: i,
    embedding: vec(i + 1),
    ...(i % 5 === 0 ? { tag: `t${i}` } : {}),
  }));
  const ins1 = await t.client.insert({ collection_name: c, data: rows.slice(0, 200) });
  if (ins1.status.error_code !== 'Success') throw new Error(ins1.status.reason);
  if (opts.partitions !== false) await t.client.insert({ collection_name: c, partition_name: 'p2', data: rows.slice(200) });
  else await t.client.insert({ collection_name: c, data: rows.slice(200) });
  await t.client.loadCollectionSync({ collection_name: c });
}

const all = (c: string, partition?: string) => readRows(t.client, c, partition ? { partition } : {});
const aliasTarget = async (alias: string) => (await t.client.describeAlias({ alias, collection_name: alias } as never)).collection;
const fieldsOf = async (c: string) => (await t.client.describeCollection({ collection_name: c })).schema.fields;
const exists = async (c: string) => Boolean((await t.client.hasCollection({ collection_name: c })).value);

describe('rebuildCollection', () => {
  it('through an alias: widens max_length, drops, renames and adds a field; readers of the alias never see an error or an empty result; down puts them back', async () => {
    const c = uniqueName('rb_alias');
    const alias = uniqueName('rb_docs');
    await createDocs(c);
    await t.client.createAlias({ collection_name: c, alias });
    const before = await all(c);
    await t.api.write(
      `${name('rebuild')}.yaml`,
      `up:
  - rebuildCollection:
      collection_name: ${alias}
      writes: paused
      batch_size: 70
      changes:
        alter_fields: { title: { max_length: 512 } }
        drop_fields: [legacy]
        rename_fields: { title: headline }
        add_fields:
          - { name: lang, data_type: VarChar, max_length: 8, fill: en }
`,
    );
    const plan = ok(await t.api.migrator().up({ dryRun: true }));
    expect(plan.results[0]!.steps[0]!.facts).toEqual([
      expect.stringMatching(
        /^300 rows \(\d+(\.\d)? KB\) to copy: about 1 s at 6\.0 MB\/s, the rate of one stream measured on the test server \(bench P5\), then about half that again to verify$/,
      ),
      'strategy: copy in primary-key order, one stream, checkpointed after each batch',
      `cut-over through alias ${alias} (alterAlias: no downtime for readers); ${c} stays as it is`,
      'writes paused: rows written during the copy would not reach the new collection',
      `the old collection is kept as ${c} for rollback (down); drop it later with a dropCollection migration (destructive)`,
    ]);
    expect(plan.results[0]!.steps[0]!.summary).toMatch(
      new RegExp(`^rebuild ${alias} into ${alias}__mm_[0-9a-f]{8}, verify \\(every row\\) and cut over$`),
    );

    // A reader loop through the alias during the whole run.
    let reading = true;
    const problems: string[] = [];
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const res = await t.client.query({
          collection_name: alias,
          filter: 'id > 0',
          output_fields: ['id'],
          limit: 10,
          consistency_level: 'Strong',
        } as never);
        reads++;
        if (res.status.error_code !== 'Success') problems.push(res.status.reason);
        else if (!res.data.length) problems.push('empty result');
      }
    })();
    const run = await t.api.migrator().up();
    reading = false;
    await reader;
    ok(run);
    expect(problems).toEqual([]);
    expect(reads).toBeGreaterThan(0);

    const shadow = await aliasTarget(alias);
    expect(shadow).toMatch(new RegExp(`^${alias}__mm_[0-9a-f]{8}$`));
    const after = await all(alias);
    expect(after).toHaveLength(300);
    for (const [i, r] of after.entries()) {
      const b = before[i]!;
      expect(r).toEqual({ id: b.id, headline: b.title, lang: 'en', embedding: b.embedding, $meta: b.$meta });
    }
    expect((await all(shadow, 'p2')).map((r) => Number(r.id))).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
    const fields = await fieldsOf(shadow);
    expect(fields.map((f) => f.name)).toEqual(['id', 'headline', 'embedding', 'lang']);
    expect(fields.find((f) => f.name === 'headline')!.type_params.find((p) => p.key === 'max_length')!.value).toBe('512');
    const long = await t.client.insert({
      collection_name: alias,
      data: [{ id: 9999, headline: 'x'.repeat(300), lang: 'fr', embedding: [0, 0, 0, 1] }],
    });
    expect(long.status.error_code).toBe('Success');
    // The old collection is kept, untouched.
    expect(await all(c)).toEqual(before);
    // The proof is kept with the migration's state row, and `status --json` shows it.
    const status = statusDocument.parse(
      statusJson(await t.api.migrator().status(), { migrationsDir: t.api.dir, state: 's', address: 'a' }),
    );
    const [v] = status.migrations[0]!.verifications!;
    expect(v).toMatchObject({
      step: 0,
      // The rows read back from the new collection hash to what the copy wrote: no second read of the old one.
      report: {
        ok: true,
        mode: 'full',
        rows: { source: 300, target: 300, left_out: 0 },
        content: { compared: 300, differing: 0, by: 'digest' },
        settings: [],
        differences: [],
      },
    });
    const keys = v!.report.keys as { expected: { count: number; sum: string }; target: { count: number; sum: string } };
    expect(keys.target).toEqual(keys.expected);
    expect(keys.target.count).toBe(300);
    expect(v!.report.partitions).toEqual({
      _default: { source: 200, target: 200, left_out: 0 },
      p2: { source: 100, target: 100, left_out: 0 },
    });

    ok(await t.api.migrator().down());
    expect(await aliasTarget(alias)).toBe(c);
    expect(await all(alias)).toEqual(before);
    expect(await exists(shadow)).toBe(false);
  });

  it('by name: a dim change re-embedded by a transform, a type change cast by it, a partition key added; the old collection is renamed aside and kept', async () => {
    const c = uniqueName('rb_name');
    await createDocs(c, { partitions: false });
    const before = await all(c);
    // Beside the migrations, in a folder of their own: a .ts file in the migrations folder is a migration.
    await mkdir(join(t.api.dir, 'transforms'), { recursive: true });
    await t.api.write(
      'transforms/reembed.ts',
      `export default function transform(row: Record<string, any>) {
  if (Number(row.id) % 10 === 0) return null;
  return { ...row, legacy: \`L\${row.legacy}\`, embedding: [...row.embedding, row.embedding[0] * 2, 0.25, 0.125, 1] };
}
`,
    );
    await t.api.write(
      `${name('rebuild_name')}.yaml`,
      `up:
  - rebuildCollection:
      collection_name: ${c}
      writes: paused
      transform: transforms/reembed.ts
      verify: { sample: 50 }
      changes:
        alter_fields:
          embedding: { dim: 8 }
          legacy: { data_type: VarChar, max_length: 16, is_partition_key: true }
`,
    );
    const log: string[] = [];
    const migrator = new Migrator({
      milvus: t.api.milvus,
      store: new MilvusStateStore(t.api.milvus, uniqueName('state')),
      migrationsDir: t.api.dir,
      logger: { debug() {}, info: (m) => log.push(m), warn: (m) => log.push(m) },
    });
    const run = ok(await migrator.up());
    expect(run.results[0]!.status).toBe('success');
    const after = await all(c);
    const kept = before.filter((r) => Number(r.id) % 10 !== 0);
    expect(after.map((r) => r.id)).toEqual(kept.map((r) => r.id));
    for (const [i, r] of after.entries()) {
      const b = kept[i]!;
      expect(r.legacy).toBe(`L${b.legacy}`);
      expect(r.embedding.slice(0, 4)).toEqual(b.embedding);
      expect(r.embedding).toHaveLength(8);
      expect(r.title).toBe(b.title);
    }
    const fields = await fieldsOf(c);
    expect(fields.find((f) => f.name === 'legacy')).toMatchObject({ data_type: 'VarChar', is_partition_key: true });
    // A sample of about 50 rows: every 6th of the 300 read, of those the transform kept.
    expect(log.find((l) => l.startsWith('verified '))).toMatch(
      /^verified .*: 270 rows \(30 left out by the transform\), key digest [0-9a-f]{16}, 45 rows compared, settings carried over$/,
    );
    const old = (await t.client.showCollections()).data.map((x) => x.name).find((x) => x.startsWith(`${c}__mm_old_`));
    expect(old).toBeDefined();
    expect(await all(old!)).toEqual(before);
  });

  it("a verification failure (a row removed from the shadow behind the tool's back) stops before the cut-over, names the row, keeps the shadow", async () => {
    const c = uniqueName('rb_fail');
    const alias = uniqueName('rb_fail_alias');
    await createDocs(c);
    await t.client.createAlias({ collection_name: c, alias });
    await t.api.write(
      `${name('rebuild_fail')}.yaml`,
      `up:
  - rebuildCollection:
      collection_name: ${alias}
      writes: paused
      changes:
        drop_fields: [legacy]
        index_params: [{ field_name: embedding, index_type: IVF_FLAT, metric_type: L2, params: { nlist: 16 } }]
      verify: { recall: { min: 1, probes: 300, top_k: 5 } }
`,
    );
    const state = uniqueName('state');
    // The run stops once the shadow is built and loaded (the state dies at that checkpoint).
    const first = await new Migrator({
      milvus: t.api.milvus,
      store: new DyingStore(new MilvusStateStore(t.api.milvus, state), atPhase('loaded')),
      migrationsDir: t.api.dir,
    }).up();
    expect(first.error?.message).toMatch(/state store died/);
    const shadow = (await t.client.showCollections()).data.map((x) => x.name).find((x) => x.startsWith(`${alias}__mm_`))!;
    const del = await t.client.delete({ collection_name: shadow, filter: 'id == 42' } as never);
    expect(del.status.error_code).toBe('Success');

    const resume = () =>
      new Migrator({ milvus: t.api.milvus, store: new MilvusStateStore(t.api.milvus, state), migrationsDir: t.api.dir }).up();
    const second = await resume();
    expect(second.error?.kind).toBe('migration-failed');
    expect(second.error?.message).toContain(`verification of ${shadow} against ${c} failed`);
    expect(second.error?.message).toContain('the row with id 42 is missing');
    expect(second.error?.message).toContain(`holds 199 rows, partition _default of ${c} 200 rows`);
    // Every row is a probe: row 42 is among the 5 nearest of some (of row 49, for one), so the new index cannot match the old.
    expect(second.error?.message).toMatch(
      /recall of the new index on embedding is 0\.\d+, below the minimum 1 \(FLAT → IVF_FLAT, 300 probes, top 5; lowest probe 0\.\d+;/,
    );
    expect(await aliasTarget(alias)).toBe(c);
    expect(await all(alias)).toHaveLength(300);
    expect(await exists(shadow)).toBe(true);

    // Counts made equal again, one title changed: only the rows' digest can see it, and the comparison then names the row.
    const two = await readRows(t.client, c, { filter: 'id in [42, 43]', fields: ['id', 'title', 'embedding'] });
    const byId = (id: number) => two.find((r) => Number(r.id) === id)!;
    for (const data of [byId(42), { ...byId(43), title: 'edited' }])
      expect((await t.client.upsert({ collection_name: shadow, data: [data] } as never)).status.error_code).toBe('Success');
    const third = await resume();
    expect(third.error?.message).toContain('the row with id 43: title differs: expected "row43", found "edited"');
    expect(third.error?.message).not.toContain('is missing');
    expect(await aliasTarget(alias)).toBe(c);
  });

  it('an index-only change (FLAT to IVF_FLAT): the plan announces the recall check, the report carries the figure, status shows it', async () => {
    const c = uniqueName('rb_index');
    await createDocs(c);
    await t.api.write(
      `${name('rebuild_index')}.yaml`,
      `up:
  - rebuildCollection:
      collection_name: ${c}
      writes: paused
      changes:
        index_params: [{ field_name: embedding, index_type: IVF_FLAT, metric_type: L2, params: { nlist: 16 } }]
`,
    );
    const plan = ok(await t.api.migrator().up({ dryRun: true }));
    expect(plan.results[0]!.steps[0]!.facts).toContain(
      'recall check on embedding: the index changes (FLAT → IVF_FLAT); 50 probe rows searched in both, top 10 compared (search params none / { nprobe: 16 }); below 0.9 the rebuild stops before the cut-over',
    );
    const log: string[] = [];
    const state = uniqueName('state');
    const migrator = new Migrator({
      milvus: t.api.milvus,
      store: new MilvusStateStore(t.api.milvus, state),
      migrationsDir: t.api.dir,
      logger: { debug() {}, info: (m) => log.push(m), warn: (m) => log.push(m) },
    });
    ok(await migrator.up());
    const index = await t.client.describeIndex({ collection_name: c, field_name: 'embedding' });
    expect(index.index_descriptions[0]!.params.find((x) => x.key === 'index_type')?.value).toBe('IVF_FLAT');
    const statuses = await migrator.status();
    const [v] = statusDocument.parse(statusJson(statuses, { migrationsDir: t.api.dir, state, address: 'a' })).migrations[0]!.verifications!;
    // nprobe 16 of nlist 16 searches every list: the new index finds exactly what FLAT found.
    expect(v!.report).toMatchObject({
      ok: true,
      recall: [
        {
          field: 'embedding',
          ok: true,
          probes: 50,
          top_k: 10,
          recall: 1,
          lowest: 1,
          min: 0.9,
          old_index: 'FLAT',
          new_index: 'IVF_FLAT',
          old_search_params: {},
          new_search_params: { nprobe: 16 },
        },
      ],
    });
    const line = 'recall of the new index on embedding 1 (FLAT → IVF_FLAT, 50 probes, top 10; min 0.9)';
    expect(log.find((l) => l.startsWith('verified '))).toContain(`settings carried over; ${line}`);
    expect(statusText(new Output(false, false, false), statuses, { migrationsDir: t.api.dir, state, address: 'a' })).toContain(
      `step 1: ${line}`,
    );
    expect(await all(c)).toHaveLength(300);
  });

  it.each(['created', 'copying', 'copied', 'loaded', 'verified', 'cut'])(
    'killed when it reaches %s, then up again: every row exactly once, verified, cut over by name',
    async (phase) => {
      const c = uniqueName(`rb_kill_${phase}`);
      await createDocs(c);
      const before = await all(c);
      await t.api.write(
        `${name('rebuild_kill')}.yaml`,
        `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, batch_size: 64, changes: { alter_fields: { title: { max_length: 64 } } } }\n`,
      );
      const state = uniqueName('state');
      const first = await new Migrator({
        milvus: t.api.milvus,
        store: new DyingStore(new MilvusStateStore(t.api.milvus, state), atPhase(phase)),
        migrationsDir: t.api.dir,
      }).up();
      expect(first.error?.message).toMatch(/state store died/);
      ok(await new Migrator({ milvus: t.api.milvus, store: new MilvusStateStore(t.api.milvus, state), migrationsDir: t.api.dir }).up());
      const after = await all(c);
      expect(after).toEqual(before);
      const fields = await fieldsOf(c);
      expect(fields.find((f) => f.name === 'title')!.type_params.find((p) => p.key === 'max_length')!.value).toBe('64');
      const [row] = await new MilvusStateStore(t.api.milvus, state).readAll();
      expect(row).toMatchObject({
        status: 'applied',
        // A copy resumed after a kill still wrote every row once into its digest: the digests agree.
        details: {
          records: { '0': { phase: 'cut', verification: { ok: true, rows: { source: 300, target: 300 }, content: { by: 'digest' } } } },
        },
      });
    },
  );

  it('copyRows with verify: true proves the copy and records the report', async () => {
    const src = uniqueName('rb_copy_src');
    const dst = uniqueName('rb_copy_dst');
    await createDocs(src);
    await createDocs(dst, { partitions: false, empty: true });
    await t.api.write(
      `${name('copy_verify')}.yaml`,
      `up:\n  - copyRows: { collection_name: ${src}, partition_name: p2, target_collection_name: ${dst}, target_partition_name: _default, verify: true, batch_size: 40 }\n`,
    );
    const state = uniqueName('state');
    ok(await new Migrator({ milvus: t.api.milvus, store: new MilvusStateStore(t.api.milvus, state), migrationsDir: t.api.dir }).up());
    const [row] = await new MilvusStateStore(t.api.milvus, state).readAll();
    expect(row!.details.records!['0']).toMatchObject({
      copied: 100,
      verification: { ok: true, rows: { source: 100, target: 100 }, content: { compared: 100, differing: 0, by: 'rows' } },
    });
  });

  it('bad input is refused before anything changes: an unknown field, a missing transform, an autoID key; a throwing transform fails naming the row, nothing cut over', async () => {
    const c = uniqueName('rb_bad');
    await createDocs(c);
    const file = `${name('bad')}.yaml`;
    const count = async () => (await t.client.showCollections()).data.filter((x) => x.name.startsWith(c)).length;
    await t.api.write(
      file,
      `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, changes: { rename_fields: { nope: x } } }\n`,
    );
    const unknown = await t.api.migrator().up();
    expect(unknown.error?.kind).toBe('invalid-input');
    expect(unknown.error?.message).toContain(
      'changes.rename_fields.nope: no field named nope in the collection (it has id, title, legacy, embedding)',
    );
    await t.api.write(
      file,
      `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, transform: missing.ts, changes: { drop_fields: [legacy] } }\n`,
    );
    const missing = await t.api.migrator().up();
    expect(missing.error?.kind).toBe('invalid-input');
    expect(missing.error?.message).toContain('transform missing.ts not found');
    await t.api.write(file, `up:\n  - rebuildCollection: { collection_name: ${c}, changes: { drop_fields: [legacy] } }\n`);
    const unpaused = await t.api.migrator().up();
    expect(unpaused.error?.kind).toBe('invalid-input');
    expect(unpaused.error?.message).toContain('writes: is required and must be "paused"');
    expect(await count()).toBe(1);
    const auto = uniqueName('rb_auto');
    await t.client.createCollection({
      collection_name: auto,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true, autoID: true },
        { name: 'v', data_type: 'FloatVector', dim: 2 },
      ],
    } as never);
    await t.api.write(
      file,
      `up:\n  - rebuildCollection: { collection_name: ${auto}, writes: paused, changes: { properties: { collection.ttl.seconds: 60 } } }\n`,
    );
    const renumbered = await t.api.migrator().up();
    expect(renumbered.error?.kind).toBe('invalid-input');
    expect(renumbered.error?.message).toContain(`${auto} makes its own primary keys (autoID)`);
    expect(renumbered.error?.message).toContain('renumber_autoid: true');

    await mkdir(join(t.api.dir, 'transforms'), { recursive: true });
    await t.api.write(
      'transforms/throws.mjs',
      `export default (row) => { if (Number(row.id) === 77) throw new Error('no model for this one'); return row; };\n`,
    );
    await t.api.write(
      file,
      `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, transform: transforms/throws.mjs, changes: { drop_fields: [legacy] } }\n`,
    );
    const thrown = await t.api.migrator().up();
    expect(thrown.error?.kind).toBe('migration-failed');
    expect(thrown.error?.message).toContain(
      'transform transforms/throws.mjs failed on the row with id 77: no model for this one; nothing was cut over',
    );
    // A transform returning a row of the wrong shape (a 2-dim vector for a 4-dim field): the row is named, nothing cut over.
    await t.api.write('transforms/shape.mjs', `export default (row) => (Number(row.id) === 123 ? { ...row, embedding: [1, 2] } : row);\n`);
    await t.api.write(
      file,
      `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, transform: transforms/shape.mjs, changes: { drop_fields: [legacy] } }\n`,
    );
    const shape = await t.api.migrator().up();
    expect(shape.error?.kind).toBe('migration-failed');
    expect(shape.error?.message).toMatch(
      /transform transforms\/shape\.mjs returned a row that does not fit .* for the row with id 123: field "embedding" \(FloatVector, dim 4\) needs 4 numbers, got 2; nothing was cut over/,
    );
    expect(await exists(c)).toBe(true);
    expect(await all(c)).toHaveLength(300);
  });

  it('nullable and default values need Milvus 2.4: refused before anything runs on 2.3', async () => {
    const version = (await t.client.getVersion()).version;
    const c = uniqueName('rb_null');
    await createDocs(c);
    await t.api.write(
      `${name('nullable')}.yaml`,
      `up:\n  - rebuildCollection: { collection_name: ${c}, writes: paused, changes: { alter_fields: { title: { nullable: true } } } }\n`,
    );
    const run = await t.api.migrator().up();
    if (/^v?2\.3\./.test(version)) {
      expect(run.error?.kind).toBe('invalid-input');
      expect(run.error?.message).toContain('2.4.0');
      expect((await t.client.showCollections()).data.filter((x) => x.name.startsWith(c))).toHaveLength(1);
    } else {
      ok(run);
      expect((await fieldsOf(c)).find((f) => f.name === 'title')).toMatchObject({ nullable: true });
    }
  });
});

/** Dies at the checkpoint whose record of the rebuild reaches `phase`. */
function atPhase(phase: string): (row: StateRow) => boolean {
  return (row) => (row.details.records?.['0'] as { phase?: string } | undefined)?.phase === phase;
}
