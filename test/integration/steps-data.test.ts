/**
 * The data steps against real Milvus, through the public API: insert / upsert (inline and from
 * JSON and JSONL files), copyRows (partition, filter, schema changes, interruption and resume)
 * and exec. Milvus is checked afterwards with the SDK directly.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Milvus, MilvusStateStore, Migrator } from '../../src/index.js';
import { apiProject, ok, useApiProjects } from '../support/api.js';
import { atCheckpoint, DyingStore } from '../support/dying-store.js';
import { recordingLogger } from '../support/fixtures.js';
import { testAddress, testToken, uniqueName } from '../support/milvus.js';
import { createCollectionWithSdk, hasCollection, loadStateOf, readRows } from '../support/sdk.js';

/** Each test has its own migrations folder and state collection. */
const t = useApiProjects();
const { up, down } = t;
let n = 0;
const name = (what: string) => `${String(++n).padStart(3, '0')}_${what}`;

/** Every row of a collection (or partition), read with Strong consistency, sorted by id. */
const allRows = (c: string, opts: { partition?: string; fields?: string[] } = {}) => readRows(t.client, c, opts);
const ids = async (c: string, partition?: string) => (await allRows(c, { partition, fields: ['id'] })).map((r) => Number(r.id));

/** `id` Int64, `title` VarChar(64), `embedding` 4-dim with a FLAT index, loaded. */
async function createDocs(c: string, opts: { dynamic?: boolean; extra?: object[] } = {}): Promise<void> {
  await createCollectionWithSdk(t.client, c, {
    enable_dynamic_field: opts.dynamic ?? false,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'title', data_type: 'VarChar', max_length: 64 },
      ...(opts.extra ?? []),
      { name: 'embedding', data_type: 'FloatVector', dim: 4 },
    ],
    index_params: [{ field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' }],
  });
}

const vec = (i: number) => [i / 8, (i % 7) / 8, 0.5, 1];
const row = (i: number, title = `row${i}`) => ({ id: i, title, embedding: vec(i) });
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function writeData(file: string, content: string): Promise<void> {
  await mkdir(join(t.api.dir, file, '..'), { recursive: true });
  await writeFile(join(t.api.dir, file), content);
}

async function insertRows(c: string, rows: object[], partition?: string): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await t.client.insert({
      collection_name: c,
      data: rows.slice(i, i + 1000) as never,
      ...(partition ? { partition_name: partition } : {}),
    });
    if (res.status.error_code !== 'Success') throw new Error(res.status.reason);
  }
}

describe('insert and upsert', () => {
  it('insert from inline data, a JSON file and a JSONL file (in batches); down deletes exactly those rows', async () => {
    const c = uniqueName('ins');
    await createDocs(c);
    await insertRows(c, [row(1_000_000, 'by hand')]);
    await writeData('seed/few.json', JSON.stringify([row(10), row(11)], null, 2));
    await writeData('seed/many.jsonl', jsonl(Array.from({ length: 2_500 }, (_, i) => row(100 + i))));
    await t.api.write(
      `${name('seed')}.yaml`,
      `up:
  - insert: { collection_name: ${c}, data: [{ id: 1, title: inline, embedding: [0.1, 0.2, 0.3, 0.4] }] }
  - insert: { collection_name: ${c}, data_file: seed/few.json }
  - insert: { collection_name: ${c}, data_file: seed/many.jsonl, batch_size: 1000 }
`,
    );
    await up();
    const rows = await allRows(c);
    expect(rows).toHaveLength(1 + 2 + 2_500 + 1);
    expect(rows.find((r) => r.id === '1')).toMatchObject({ title: 'inline' });
    expect(rows.find((r) => r.id === '2599')).toMatchObject({ title: 'row2599', embedding: vec(2599).map((x) => expect.closeTo(x, 5)) });

    await down();
    expect(await ids(c)).toEqual([1_000_000]);
  });

  it('an insert from JSONL interrupted after its 2nd batch resumes after the last checkpoint; down still deletes every inserted row', async () => {
    const c = uniqueName('ins_resume');
    await createDocs(c);
    await insertRows(c, [row(1, 'by hand')]);
    // Keys in runs and scattered, so the record holds ranges and single keys.
    const keys = [...Array.from({ length: 2_000 }, (_, i) => 10 + i), ...Array.from({ length: 500 }, (_, i) => 100_000 + i * 7)];
    await writeData('seed/rows.jsonl', jsonl(keys.map((k) => row(k))));
    await t.api.write(
      `${name('seed_resume')}.yaml`,
      `up:\n  - insert: { collection_name: ${c}, data_file: seed/rows.jsonl, batch_size: 500 }\n`,
    );
    const state = uniqueName('state');
    const first = await new Migrator({
      milvus: t.api.milvus,
      store: new DyingStore(new MilvusStateStore(t.api.milvus, state), atCheckpoint(2)),
      migrationsDir: t.api.dir,
    }).up();
    expect(first.error?.message).toMatch(/step 1 insert failed: .*state store died/);
    expect(await ids(c)).toHaveLength(1 + 1_000);

    const log = recordingLogger();
    const migrator = new Migrator({
      milvus: t.api.milvus,
      store: new MilvusStateStore(t.api.milvus, state),
      migrationsDir: t.api.dir,
      logger: log,
      allowDestructive: true,
    });
    ok(await migrator.up());
    expect(log.lines).toContain('resuming: 500 rows of seed/rows.jsonl were written by the interrupted run');
    expect(await ids(c)).toEqual([1, ...keys]);
    ok(await migrator.down());
    expect(await ids(c)).toEqual([1]);
  });

  it('upsert replaces rows with the same keys and adds the others, inline and from JSONL; it is irreversible', async () => {
    const c = uniqueName('ups');
    await createDocs(c);
    await insertRows(c, [row(1, 'old one'), row(2, 'old two'), row(3, 'old three')]);
    await writeData('fix.jsonl', jsonl([row(2, 'new two'), row(4, 'new four')]));
    await t.api.write(
      `${name('upsert')}.yaml`,
      `up:
  - upsert: { collection_name: ${c}, data: [{ id: 1, title: new one, embedding: [1, 1, 1, 1] }] }
  - upsert: { collection_name: ${c}, data_file: fix.jsonl }
`,
    );
    await up();
    expect((await allRows(c)).map((r) => [Number(r.id), r.title])).toEqual([
      [1, 'new one'],
      [2, 'new two'],
      [3, 'old three'],
      [4, 'new four'],
    ]);
    await expect(t.api.migrator().down().then(ok)).rejects.toThrow(
      /is irreversible: step 2 upsert: upsert replaces rows in place and the previous values are not kept/,
    );
  });

  it('a malformed or missing data file, or rows that do not fit, are refused before anything runs; rows that do not fit a collection made at run time fail the step before any row is written', async () => {
    const c = uniqueName('badfile');
    await createDocs(c);
    await writeData('seed/bad.jsonl', `${JSON.stringify(row(1))}\n${JSON.stringify(row(2))}\n{"id": 3, "title": "x",\n`);
    const file = await t.api.write(`${name('bad')}.yaml`, `up:\n  - insert: { collection_name: ${c}, data_file: seed/bad.jsonl }\n`);
    await expect(t.api.migrator().up().then(ok)).rejects.toThrow(`${file}:2: up[0].insert: seed/bad.jsonl:3: not valid JSON`);
    expect(await ids(c)).toEqual([]);

    await writeData('seed/bad.jsonl', jsonl([row(1), { id: 2, title: 'no vector' }, { ...row(3), colour: 'red' }]));
    const run = await t.api.migrator().up();
    expect(run.error?.kind).toBe('invalid-input');
    expect(run.error?.message).toContain(`The plan cannot run on this Milvus; nothing was changed
  ${file}:2: up[0].insert: seed/bad.jsonl line 2: missing field "embedding" (FloatVector)
  ${file}:2: up[0].insert: seed/bad.jsonl line 3: unknown field "colour": ${c} has id, title, embedding (and no dynamic field)`);
    expect(run.results.map((r) => r.status)).toEqual(['not-executed']);
    expect(await ids(c)).toEqual([]);
    expect(await hasCollection(t.client, t.api.stateCollection)).toBe(false);

    // Into a collection a code migration creates (the check cannot see its schema), the step
    // itself checks the rows when it runs, before writing any.
    const made = uniqueName('badfile_code');
    const other = await apiProject();
    try {
      await mkdir(join(other.dir, 'seed'), { recursive: true });
      await writeFile(join(other.dir, 'seed/bad.jsonl'), jsonl([row(1), { id: 2, title: 'no vector' }, { ...row(3), colour: 'red' }]));
      const create = {
        collection_name: made,
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'title', data_type: 'VarChar', max_length: 64 },
          { name: 'embedding', data_type: 'FloatVector', dim: 4 },
        ],
        index_params: [{ field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' }],
      };
      await other.write(
        `${name('make_target')}.mjs`,
        `export default { async up({ steps }) { await steps.createCollection(${JSON.stringify(create)}); } };\n`,
      );
      await other.write(`${name('bad_later')}.yaml`, `up:\n  - insert: { collection_name: ${made}, data_file: seed/bad.jsonl }\n`);
      const late = await other.migrator().up();
      expect(late.results.map((r) => r.status)).toEqual(['success', 'error']);
      expect(late.error?.message).toContain(`2 rows of seed/bad.jsonl cannot be written to ${made}; nothing was written:
  seed/bad.jsonl line 2: missing field "embedding" (FloatVector)
  seed/bad.jsonl line 3: unknown field "colour": ${made} has id, title, embedding (and no dynamic field)`);
      expect(await ids(made)).toEqual([]);
    } finally {
      await other.close();
    }

    await writeData('seed/bad.jsonl', jsonl([row(1)]));
    await t.api.write(`${name('missing')}.yaml`, `up:\n  - insert: { collection_name: ${c}, data_file: seed/nope.json }\n`);
    await expect(t.api.migrator().up().then(ok)).rejects.toThrow(
      `seed/nope.json: data file not found (looked for ${join(t.api.dir, 'seed/nope.json')})`,
    );
    // Refused as a whole: not even the now valid migration before it ran.
    expect(await ids(c)).toEqual([]);
  });

  it('data and data_file together, or neither, or an unknown extension: rejected before anything runs, with the line', async () => {
    const c = uniqueName('invalid');
    await t.api.write(
      `${name('invalid')}.yaml`,
      `up:
  - insert: { collection_name: ${c}, data: [{ id: 1 }], data_file: a.jsonl }
  - upsert: { collection_name: ${c} }
  - insert: { collection_name: ${c}, data_file: rows.csv }
`,
    );
    const run = await t.api.migrator().up();
    const err = run.error;
    expect(err?.kind).toBe('invalid-input');
    expect(err?.message).toContain(':2:');
    expect(err?.message).toContain('up[0].insert.data_file: give either data (rows inline) or data_file, not both');
    expect(err?.message).toContain('up[1].upsert.data: missing: give data (rows inline) or data_file');
    expect(err?.message).toContain('up[2].insert.data_file: must end in .json, .jsonl, .ndjson');
    expect(run.results).toEqual([]);
    expect(await hasCollection(t.client, c)).toBe(false);
    expect(await hasCollection(t.client, t.api.stateCollection)).toBe(false);
  });
});

describe('copyRows', () => {
  it('copies one partition, filtered, into a target partition; vectors, JSON, arrays and dynamic fields round-trip; fields the target lacks are left out', async () => {
    const src = uniqueName('copy_src');
    const dst = uniqueName('copy_dst');
    await createDocs(src, {
      dynamic: true,
      extra: [
        { name: 'year', data_type: 'Int32' },
        { name: 'meta', data_type: 'JSON' },
        { name: 'tags', data_type: 'Array', element_type: 'VarChar', max_capacity: 4, max_length: 16 },
        { name: 'legacy', data_type: 'Double' },
      ],
    });
    await t.client.createPartition({ collection_name: src, partition_name: 'p1' });
    await t.client.createPartition({ collection_name: src, partition_name: 'p2' });
    const full = (i: number) => ({
      ...row(i),
      year: 2015 + (i % 10),
      meta: { n: i, nested: { ok: true } },
      tags: [`t${i}`],
      legacy: i / 2,
      lang: i % 2 ? 'en' : 'fr',
      extra: { i },
    });
    await insertRows(
      src,
      Array.from({ length: 200 }, (_, i) => full(i)),
      'p1',
    );
    await insertRows(
      src,
      Array.from({ length: 50 }, (_, i) => full(1000 + i)),
      'p2',
    );
    // The target promotes the dynamic key `lang` to a field and has no `legacy`.
    await createDocs(dst, {
      dynamic: true,
      extra: [
        { name: 'year', data_type: 'Int32' },
        { name: 'meta', data_type: 'JSON' },
        { name: 'tags', data_type: 'Array', element_type: 'VarChar', max_capacity: 4, max_length: 16 },
        { name: 'lang', data_type: 'VarChar', max_length: 8 },
      ],
    });
    await t.client.createPartition({ collection_name: dst, partition_name: 'copied' });

    const log = recordingLogger();
    const migrator = new Migrator({
      milvus: t.api.milvus,
      store: new MilvusStateStore(t.api.milvus, uniqueName('state')),
      migrationsDir: t.api.dir,
      logger: log,
    });
    await t.api.write(
      `${name('copy')}.yaml`,
      `up:
  - copyRows:
      collection_name: ${src}
      partition_name: p1
      filter: year >= 2020
      target_collection_name: ${dst}
      target_partition_name: copied
      batch_size: 30
`,
    );
    const plan = ok(await migrator.up({ dryRun: true }));
    expect(plan.results[0]!.steps[0]).toMatchObject({
      summary: `copy rows of ${src} partition p1 where year >= 2020 into ${dst} partition copied`,
      facts: ['100 rows to copy'],
    });
    ok(await migrator.up());

    const expected = Array.from({ length: 200 }, (_, i) => i).filter((i) => 2015 + (i % 10) >= 2020);
    expect(await ids(dst, 'copied')).toEqual(expected);
    expect(await ids(dst, '_default')).toEqual([]);
    const copied = await allRows(dst);
    const r7 = copied.find((r) => r.id === '7')!;
    expect(r7).toMatchObject({
      title: 'row7',
      year: 2022,
      meta: { n: 7, nested: { ok: true } },
      tags: ['t7'],
      lang: 'en',
      $meta: { extra: { i: 7 } },
    });
    expect(r7.embedding).toEqual((await allRows(src)).find((r) => r.id === '7')!.embedding);
    expect(r7).not.toHaveProperty('legacy');
    expect(log.lines).toContain(`fields of ${src} that ${dst} lacks are not copied: legacy`);
    // The time taken is added when the copy took longer than a progress interval (a busy server).
    expect(log.lines.filter((l) => new RegExp(`^copied 100 rows from ${src} to ${dst}( in [\\d.]+ s)?$`).test(l))).toHaveLength(1);

    // Its inverse leaves the rows where they are (dropping the target is the way to remove them).
    ok(await migrator.down());
    expect(await ids(dst, 'copied')).toEqual(expected);
  });

  it('loads a source that is not loaded, and releases it again; VarChar keys page in Milvus order', async () => {
    const src = uniqueName('copy_vsrc');
    const dst = uniqueName('copy_vdst');
    for (const c of [src, dst]) {
      await createCollectionWithSdk(t.client, c, {
        fields: [
          { name: 'key', data_type: 'VarChar', max_length: 32, is_primary_key: true },
          { name: 'v', data_type: 'FloatVector', dim: 2 },
        ],
      });
      await t.client.createIndex({ collection_name: c, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' });
    }
    const keys = ['a', 'b', 'B', 'z"q', 'é', '😀', '～', 'back\\slash', 'k10', 'k9', 'k1'];
    await t.client.insert({ collection_name: src, data: keys.map((key, i) => ({ key, v: [i, 1] })) });
    await t.api.write(
      `${name('copy_varchar')}.yaml`,
      `up:\n  - copyRows: { collection_name: ${src}, target_collection_name: ${dst}, batch_size: 2 }\n`,
    );
    await up();
    expect(await loadStateOf(t.client, src)).toBe('LoadStateNotLoad');
    await t.client.loadCollectionSync({ collection_name: dst });
    const copied = await readRows(t.client, dst, { fields: ['key', 'v'] });
    expect(copied.map((r) => r.key).sort()).toEqual([...keys].sort());
    expect(copied.find((r) => r.key === '😀')!.v).toEqual([5, 1]);
  });

  it('a copy of 3,000 rows interrupted after its 3rd batch resumes after the last checkpoint: every row exactly once', async () => {
    const src = uniqueName('copy_big');
    const dst = uniqueName('copy_big_dst');
    await createDocs(src, { dynamic: true });
    await createDocs(dst, { dynamic: true });
    // Keys out of insertion order and across several segments (flushes), as in real collections.
    const keys = Array.from({ length: 3_000 }, (_, i) => i * 3 + 7).sort((a, b) => ((a * 7919) % 3001) - ((b * 7919) % 3001));
    for (let i = 0; i < 3; i++) {
      await insertRows(
        src,
        keys.slice(i * 1000, (i + 1) * 1000).map((k) => ({ ...row(k), tag: `t${k}` })),
      );
      await t.client.flushSync({ collection_names: [src] });
    }
    await t.api.write(
      `${name('copy_big')}.yaml`,
      `up:\n  - copyRows: { collection_name: ${src}, target_collection_name: ${dst}, batch_size: 500 }\n`,
    );

    const state = uniqueName('state');
    // The state store dies at the 3rd checkpoint: after the 3rd batch was written, before its
    // progress was saved, as when the process is killed at the worst moment.
    const dying = new DyingStore(new MilvusStateStore(t.api.milvus, state), atCheckpoint(3));
    const first = await new Migrator({ milvus: t.api.milvus, store: dying, migrationsDir: t.api.dir }).up();
    expect(first.error?.message).toMatch(/step 1 copyRows failed: .*state store died/);
    expect((await ids(dst)).length).toBe(1_500);
    const [saved] = await new MilvusStateStore(t.api.milvus, state).readAll();
    expect(saved).toMatchObject({ status: 'failed', steps_done: 0, details: { records: { '0': { copied: 1_000 } } } });

    const log = recordingLogger();
    ok(
      await new Migrator({
        milvus: t.api.milvus,
        store: new MilvusStateStore(t.api.milvus, state),
        migrationsDir: t.api.dir,
        logger: log,
      }).up(),
    );
    const copied = await ids(dst);
    expect(copied).toHaveLength(3_000);
    expect(copied).toEqual([...keys].sort((a, b) => a - b));
    expect(
      log.lines.some((l) => /copying 2,000 rows from .* \(resuming after id \d+: 1,000 rows copied by the interrupted run\)/.test(l)),
    ).toBe(true);
    expect((await allRows(dst)).find((r) => r.id === '10')).toMatchObject({ title: 'row10', $meta: { tag: 't10' } });
    const [applied] = await new MilvusStateStore(t.api.milvus, state).readAll();
    expect(applied).toMatchObject({ status: 'applied', details: { records: { '0': { copied: 3_000 } } } });
  });

  it('refuses before copying a target field the source cannot fill, and a missing source', async () => {
    const src = uniqueName('copy_strict');
    const dst = uniqueName('copy_strict_dst');
    await createDocs(src);
    await createDocs(dst, { extra: [{ name: 'lang', data_type: 'VarChar', max_length: 8 }] });
    await insertRows(src, [row(1)]);
    await t.api.write(`${name('copy_strict')}.yaml`, `up:\n  - copyRows: { collection_name: ${src}, target_collection_name: ${dst} }\n`);
    const run = await t.api.migrator().up();
    expect(run.error?.message).toContain(`step 1 copyRows failed: ${dst} needs lang (VarChar), which ${src} does not have`);
    expect(await ids(dst)).toEqual([]);

    await t.api.write(
      `${name('copy_strict')}.yaml`,
      `up:\n  - copyRows: { collection_name: ${uniqueName('nope')}, target_collection_name: ${dst} }\n`,
    );
    await expect(t.api.migrator().up().then(ok)).rejects.toThrow(/source collection nope_\w+ does not exist/);
  });
});

describe('exec', () => {
  const script = `import { writeFileSync } from 'node:fs';
const pick = (k) => process.env[k] ?? null;
writeFileSync(process.argv[2], JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(3), env: Object.fromEntries(['MILVUS_ADDRESS', 'MILVUS_DATABASE', 'MILVUS_TOKEN', 'MILVUS_PASSWORD', 'MILVUS_MIGRATE_MIGRATION', 'MILVUS_MIGRATE_RESUMED'].map((k) => [k, pick(k)])) }));
console.log('first line');
console.log('token: ' + pick('MILVUS_TOKEN'));
`;
  const saved = { token: process.env.MILVUS_TOKEN, password: process.env.MILVUS_PASSWORD };
  afterEach(() => {
    for (const [k, v] of [
      ['MILVUS_TOKEN', saved.token],
      ['MILVUS_PASSWORD', saved.password],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('runs in the migration folder with the connection in its environment; credentials only with pass_token; output goes to the log, secrets scrubbed', async () => {
    await mkdir(join(t.api.dir, 'scripts'));
    await writeFile(join(t.api.dir, 'scripts/env.mjs'), script);
    // Credentials in the environment of the tool are not inherited by the command.
    process.env.MILVUS_TOKEN = 'inherited:from-the-shell';
    process.env.MILVUS_PASSWORD = 'shell-password';
    const migration = name('exec');
    await t.api.write(
      `${migration}.yaml`,
      `up:
  - exec: { command: [${JSON.stringify(process.execPath)}, scripts/env.mjs, plain.json, --batch, 100] }
  - exec: { command: [${JSON.stringify(process.execPath)}, scripts/env.mjs, with-token.json], pass_token: true }
`,
    );
    // A server without authentication ignores the token; give it one all the same.
    const token = testToken() || 'root:Milvus';
    const milvus = await Milvus.connect({ address: testAddress(), token });
    const log = recordingLogger();
    const migrator = new Migrator({
      milvus,
      store: new MilvusStateStore(milvus, uniqueName('state')),
      migrationsDir: t.api.dir,
      logger: log,
    });
    try {
      ok(await migrator.up());
      await expect(migrator.down().then(ok)).rejects.toThrow(
        /is irreversible: step 2 exec: exec cannot be undone automatically; give the migration a down:/,
      );
    } finally {
      await milvus.close();
    }
    const plain = JSON.parse(await readText(join(t.api.dir, 'plain.json')));
    expect(plain).toEqual({
      cwd: t.api.dir,
      args: ['--batch', '100'],
      env: {
        MILVUS_ADDRESS: testAddress(),
        MILVUS_DATABASE: 'default',
        MILVUS_TOKEN: null,
        MILVUS_PASSWORD: null,
        MILVUS_MIGRATE_MIGRATION: migration,
        MILVUS_MIGRATE_RESUMED: '0',
      },
    });
    const withToken = JSON.parse(await readText(join(t.api.dir, 'with-token.json')));
    expect(withToken.env).toMatchObject({ MILVUS_ADDRESS: testAddress(), MILVUS_TOKEN: token, MILVUS_PASSWORD: null });
    expect(log.lines).toContain('    first line');
    expect(log.lines).toContain('    token: null');
    expect(log.lines).toContain('    token: ***');
    expect(log.lines.join('\n')).not.toContain(token);
  });

  it('a non-zero exit fails the step with the exit code and the last lines of stderr', async () => {
    await t.api.write(
      `${name('exec_fail')}.yaml`,
      `up:\n  - exec: { command: [sh, -c, "echo working; echo 'first problem' >&2; echo 'it broke' >&2; exit 3"] }\n`,
    );
    const log = recordingLogger();
    const run = await new Migrator({
      milvus: t.api.milvus,
      store: new MilvusStateStore(t.api.milvus, uniqueName('state')),
      migrationsDir: t.api.dir,
      logger: log,
    }).up();
    expect(run.error?.message)
      .toContain(`step 1 exec failed: sh -c 'echo working; echo '\\''first problem'\\'' >&2; echo '\\''it broke'\\'' >&2; exit 3' exited with code 3; last lines of stderr:
  first problem
  it broke`);
    expect(log.lines).toEqual(expect.arrayContaining(['    working', '    first problem', '    it broke']));
  });

  it('a command that outlives timeout_seconds is killed and fails the step', async () => {
    await t.api.write(`${name('exec_slow')}.yaml`, `up:\n  - exec: { command: [sleep, 30], timeout_seconds: 0.5 }\n`);
    const started = Date.now();
    const run = await t.api.migrator().up();
    expect(run.error?.message).toContain('step 1 exec failed: sleep 30 did not finish within 0.5 s and was killed');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a program that does not exist fails the step and says where it ran', async () => {
    await t.api.write(`${name('exec_missing')}.yaml`, `up:\n  - exec: { command: [no-such-program-here] }\n`);
    const run = await t.api.migrator().up();
    expect(run.error?.message).toContain('step 1 exec failed: cannot run no-such-program-here: no-such-program-here not found');
  });
});

async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}
