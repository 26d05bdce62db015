import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupLeaf, backupPathProblem, canonicalLine, MANIFEST_FILE, ROWS_FILE } from '../../../src/backup/format.js';
import { hashRowsFile, listBackups, readManifest, verifyBackup } from '../../../src/backup/manifest.js';
import { parseYamlMigration } from '../../../src/migrations/yaml.js';
import { resolveBody } from '../../../src/runner/plan.js';
import { stateRow, yamlMigration } from '../../support/fixtures.js';
import { writeBackup } from '../../support/backup.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempRoot(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mm-backup-'));
  dirs.push(d);
  return d;
}

describe('backup format', () => {
  it('writes a row as one canonical line: keys sorted at every depth, float32 values exact through JSON', () => {
    const v = [0.1, -1 / 3, 3.4e38, 1e-45].map(Math.fround);
    const line = canonicalLine({ v, id: '9007199254740993', meta: { z: 1, a: { y: [2, { d: 1, c: 0 }], b: 'é' } } });
    expect(line).toBe(`{"id":"9007199254740993","meta":{"a":{"b":"é","y":[2,{"c":0,"d":1}]},"z":1},"v":${JSON.stringify(v)}}\n`);
    expect(canonicalLine({ b: 1, a: 2 })).toBe(canonicalLine({ a: 2, b: 1 }));
    const back = (JSON.parse(line) as { v: number[] }).v;
    expect(back.map(Math.fround)).toEqual(v);
    expect(new Float32Array(back)).toEqual(new Float32Array(v));
  });

  it('names backup folders by step, kind, target and UTC time; recorded paths must stay inside the backup dir', () => {
    expect(
      backupLeaf({ step: 2, kind: 'partition', collection: 'docs', partition: 'p2020', at: new Date('2026-11-29T01:02:03.456Z') }),
    ).toBe('step3-partition-docs-p2020-20261129T010203Z');
    expect(backupLeaf({ step: 0, kind: 'collection', collection: 'docs', at: new Date('2026-11-29T01:02:03Z') })).toBe(
      'step1-collection-docs-20261129T010203Z',
    );
    expect(backupPathProblem('m/step1-partition-docs-x')).toBeUndefined();
    expect(backupPathProblem('../elsewhere')).toMatch(/inside the backup dir/);
    expect(backupPathProblem('m/../../etc')).toMatch(/inside the backup dir/);
    expect(backupPathProblem('/etc/passwd')).toMatch(/inside the backup dir/);
    expect(backupPathProblem('m/step1.partial')).toMatch(/unfinished/);
  });
});

describe('verifyBackup and listBackups', () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: String(i), v: [i / 3, -i].map(Math.fround) }));

  it('a backup as written verifies; its hashes and row count are what the manifest says', async () => {
    const root = await tempRoot();
    const { dir, manifest } = await writeBackup(root, 'm1/step1-partition-c-p-20261129T000000Z', rows);
    expect(await verifyBackup(dir, manifest.sha256)).toEqual({ ok: true, manifest });
    expect(await hashRowsFile(join(dir, ROWS_FILE))).toEqual({
      fileSha256: manifest.fileSha256,
      sha256: manifest.sha256,
      rows: 50,
      bytes: manifest.bytes,
    });
  });

  it('a manifest keeps the collection properties; one written before they were kept (none) still reads; others are refused', async () => {
    const root = await tempRoot();
    const { dir, manifest } = await writeBackup(root, 'm/props', rows);
    // writeBackup writes no properties: the manifest of a backup taken before they were kept.
    expect(manifest).not.toHaveProperty('properties');
    expect(await readManifest(dir)).toEqual(manifest);
    expect(await verifyBackup(dir, manifest.sha256)).toEqual({ ok: true, manifest });

    const withProps = { ...manifest, properties: { 'collection.ttl.seconds': '3600', 'mmap.enabled': 'true' } };
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(withProps));
    expect((await readManifest(dir)).properties).toEqual({ 'collection.ttl.seconds': '3600', 'mmap.enabled': 'true' });

    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, properties: { 'collection.ttl.seconds': 3600 } }));
    await expect(readManifest(dir)).rejects.toThrow(/is not a backup manifest of format 1: properties\.collection\.ttl\.seconds:/);
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, properties: ['collection.ttl.seconds'] }));
    expect(await verifyBackup(dir)).toMatchObject({ ok: false, problem: expect.stringMatching(/: properties: /) });
  });

  it('flipped bytes, a changed manifest, a missing file or another checksum than recorded: each is a problem, never a throw', async () => {
    const root = await tempRoot();
    const { dir, manifest } = await writeBackup(root, 'm/b', rows);
    expect(await verifyBackup(dir, 'f'.repeat(64))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/is not the one recorded when it was taken/),
    });

    const gz = await readFile(join(dir, ROWS_FILE));
    const flipped = Buffer.from(gz);
    flipped[gz.length - 6] = flipped[gz.length - 6]! ^ 0x01; // in the gzip trailer's CRC/size
    await writeFile(join(dir, ROWS_FILE), flipped);
    expect(await verifyBackup(dir)).toMatchObject({ ok: false, problem: expect.stringMatching(/changed or damaged/) });

    // Rows and checksums changed consistently, but the manifest's count was not: still refused.
    await writeFile(join(dir, ROWS_FILE), gz);
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, rows: 49 }));
    expect(await verifyBackup(dir)).toMatchObject({ ok: false, problem: expect.stringMatching(/holds 50 rows, its manifest says 49/) });

    await writeFile(join(dir, MANIFEST_FILE), '{"format": 1');
    expect(await verifyBackup(dir)).toMatchObject({ ok: false, problem: expect.stringMatching(/manifest.json is not valid JSON/) });
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, format: 2 }));
    expect(await verifyBackup(dir)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/is not a backup manifest of format 1: format/),
    });
    await rm(join(dir, MANIFEST_FILE));
    expect(await verifyBackup(dir)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/cannot read .*manifest.json: no such file/),
    });
  });

  it('lists finished backups oldest first, without unfinished (.partial) ones; a missing folder is an empty list', async () => {
    const root = await tempRoot();
    await writeBackup(root, 'm2/step1-partition-c-p-20261129T000000Z', rows.slice(0, 3));
    await writeBackup(root, 'm1/step2-partition-c-p-20261129T000000Z', rows);
    await mkdir(join(root, 'm1', 'step3-collection-c-20261129T000001Z.partial'), { recursive: true });
    const list = await listBackups(root);
    expect(list.map((b) => [b.path, b.manifest?.rows, b.bytes > 0])).toEqual([
      ['m1/step2-partition-c-p-20261129T000000Z', 50, true],
      ['m2/step1-partition-c-p-20261129T000000Z', 3, true],
    ]);
    expect(await listBackups(join(root, 'nowhere'))).toEqual([]);
  });
});

describe('backup params and derived downs', () => {
  const problems = (text: string) =>
    parseYamlMigration('m.yaml', text).problems.map((p) => `${p.line}:${p.column} ${p.path ?? ''}: ${p.message}`);

  it('backup must be true or false', () => {
    expect(
      problems(`up:
  - dropPartition: { collection_name: c, partition_name: p, backup: "yes" }
  - dropCollection: { collection_name: c, backup: 1 }
  - delete: { collection_name: c, filter: "id > 1", backup: [] }
`),
    ).toMatchInlineSnapshot(`
      [
        "2:69 up[0].dropPartition.backup: must be true or false, got string "yes"",
        "3:51 up[1].dropCollection.backup: must be true or false, got number 1",
        "4:61 up[2].delete.backup: must be true or false, got a list",
      ]
    `);
  });

  it('a hand-written restoreBackup must name a folder inside the backup dir and a sha256', () => {
    expect(problems('up:\n  - restoreBackup: { collection_name: c, path: ../x, sha256: abc }\n')).toEqual([
      '2:48 up[0].restoreBackup.path: must be a folder inside the backup dir (relative, no ..)',
      '2:62 up[0].restoreBackup.sha256: must be a sha256 (64 hex digits)',
    ]);
  });

  it('a backed-up drop or delete inverts to restoreBackup; without a backup, dropCollection and delete stay irreversible', () => {
    const backup = { path: 'm/step1-x', sha256: 'a'.repeat(64), rows: 3000 };
    const m = (step: string, params: Record<string, unknown>) => yamlMigration('m', [{ [step]: params }]);
    const row = (records: Record<string, unknown>) => stateRow('m', { details: { direction: 'up', records: { '0': records } } });
    const restore = (extra: Record<string, unknown>) => ({
      body: { kind: 'steps', steps: [{ step: 'restoreBackup', params: { collection_name: 'c', ...extra, ...backup } }] },
      steps: [{ step: 'restoreBackup', params: { collection_name: 'c', ...extra, ...backup } }],
      notes: ['restores 3,000 rows from backup m/step1-x'],
    });
    expect(
      resolveBody(m('dropPartition', { collection_name: 'c', partition_name: 'p', backup: true }), 'down', row({ released: true, backup })),
    ).toEqual(restore({ partition_name: 'p' }));
    expect(resolveBody(m('dropCollection', { collection_name: 'c', backup: true }), 'down', row({ backup }))).toEqual(restore({}));
    expect(resolveBody(m('delete', { collection_name: 'c', filter: 'id > 1', backup: true }), 'down', row({ backup }))).toEqual(
      restore({}),
    );

    expect(resolveBody(m('dropCollection', { collection_name: 'c' }), 'down', row({}))).toEqual({
      irreversible: 'step 1 dropCollection: dropCollection c deletes its data; there is no backup to restore it from',
    });
    expect(resolveBody(m('delete', { collection_name: 'c', filter: 'id > 1' }), 'down', row({}))).toEqual({
      irreversible: 'step 1 delete: delete c where id > 1 removes rows; there is no backup to restore them from (use backup: true)',
    });
    expect(resolveBody(m('dropPartition', { collection_name: 'c', partition_name: 'p' }), 'down', row({ released: true }))).toMatchObject({
      steps: [{ step: 'createPartition', params: { collection_name: 'c', partition_name: 'p' } }],
    });
  });
});
