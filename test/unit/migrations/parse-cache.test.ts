import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { checksum } from '../../../src/migrations/discover.js';
import { loadMigrations } from '../../../src/migrations/load.js';
import { folderCache, openParseCache, useParseCache } from '../../../src/migrations/parse-cache.js';
import { parseYamlMigration } from '../../../src/migrations/yaml.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Steps whose params hold what a parse can produce: nested maps, lists, an Int64 as digits, nulls, defaults. */
const RICH = `description: >
  several steps
up:
  - createCollection:
      collection_name: docs
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: tags, data_type: Array, element_type: VarChar, max_capacity: 4, max_length: 16 }
        - { name: v, data_type: FloatVector, dim: 2 }
      index_params:
        - { field_name: v, index_type: IVF_FLAT, metric_type: L2, params: { nlist: 8 } }
  - insert:
      collection_name: docs
      data:
        - { id: "9007199254740993", tags: [a, b], v: [0.5, 1], meta: { nested: [1, null, true] } }
down:
  - dropCollection: { collection_name: docs }
`;

let work: string;
let cacheDir: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'mm-parse-cache-'));
  cacheDir = join(work, 'cache');
  await mkdir(join(work, 'migrations'));
});
afterEach(async () => {
  useParseCache(undefined);
  await rm(work, { recursive: true, force: true });
});

const write = (name: string, text: string) => writeFile(join(work, 'migrations', name), text);
const cacheFiles = async () => (await readdir(cacheDir).catch(() => [] as string[])).filter((n) => n.startsWith('parse-'));

describe('parse cache', () => {
  it('is off unless the launcher turns it on', () => {
    expect(openParseCache(join(work, 'migrations'))).toBeUndefined();
  });

  it('gives the same migrations as a fresh parse, and serves unchanged files from the cache', async () => {
    await write('20260101_a.yaml', RICH);
    await write('20260102_b.yaml', 'up:\n  - createPartition: { collection_name: docs, partition_name: p1 }\n');
    const fresh = await loadMigrations(join(work, 'migrations'));
    useParseCache({ dir: cacheDir, key: 'build1' });
    const first = await loadMigrations(join(work, 'migrations'));
    expect(await cacheFiles()).toHaveLength(1);
    const second = await loadMigrations(join(work, 'migrations'));
    expect(first).toStrictEqual(fresh);
    expect(second).toStrictEqual(fresh);
    // The second load read the cache: an entry planted for b's checksum is what it returns.
    const b = await readFile(join(work, 'migrations', '20260102_b.yaml'));
    const cache = folderCache(cacheDir, 'build1', join(work, 'migrations'));
    cache.get(checksum(RICH));
    cache.set(checksum(b), { ...fresh[1]!, description: 'planted' } as never);
    cache.save();
    expect((await loadMigrations(join(work, 'migrations')))[1]!.description).toBe('planted');
    // A changed file has another checksum: parsed anew.
    await write('20260102_b.yaml', 'description: changed\nup:\n  - createPartition: { collection_name: docs, partition_name: p1 }\n');
    expect((await loadMigrations(join(work, 'migrations')))[1]!.description).toBe('changed');
  });

  it('keeps the migrations of every example and project folder of the repository unchanged through V8 serialization', async () => {
    for (const dir of ['migrations', 'migrations/examples/blue-green']) {
      const fresh = await loadMigrations(join(ROOT, dir));
      expect(fresh.length).toBeGreaterThan(0);
      for (const m of fresh) expect(v8.deserialize(v8.serialize(m))).toStrictEqual(m);
    }
    const rich = parseYamlMigration('m.yaml', RICH).migration!;
    expect(v8.deserialize(v8.serialize(rich))).toStrictEqual(rich);
    expect(JSON.stringify(rich)).toContain('"9007199254740993"');
  });

  it('never keeps an invalid file: every load reports it again', async () => {
    await write('20260101_a.yaml', RICH);
    await write('20260102_bad.yaml', 'up:\n  - createPartition: { collection_name: docs }\n');
    useParseCache({ dir: cacheDir, key: 'build1' });
    for (let i = 0; i < 2; i++) {
      const err = await loadMigrations(join(work, 'migrations')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).problems.map((p) => p.file)).toEqual([join(work, 'migrations', '20260102_bad.yaml')]);
    }
    const cache = folderCache(cacheDir, 'build1', join(work, 'migrations'));
    expect(cache.get(checksum('up:\n  - createPartition: { collection_name: docs }\n'))).toBeUndefined();
    expect(cache.get(checksum(RICH))).toBeDefined();
  });

  it("reads nothing of another build's cache, removes it when writing, and ignores a damaged file", async () => {
    await write('20260101_a.yaml', RICH);
    useParseCache({ dir: cacheDir, key: 'build1' });
    await loadMigrations(join(work, 'migrations'));
    expect(folderCache(cacheDir, 'build2', join(work, 'migrations')).get(checksum(RICH))).toBeUndefined();
    useParseCache({ dir: cacheDir, key: 'build2' });
    await loadMigrations(join(work, 'migrations'));
    expect((await cacheFiles()).map((n) => n.endsWith('-build2.bin'))).toEqual([true]);
    await writeFile(join(cacheDir, (await cacheFiles())[0]!), 'not V8 data');
    const loaded = await loadMigrations(join(work, 'migrations'));
    expect(loaded[0]!.description).toBe('several steps');
  });

  it('gives two files of the same bytes a migration each', async () => {
    await write('20260101_a.yaml', RICH);
    await write('20260102_b.yaml', RICH);
    useParseCache({ dir: cacheDir, key: 'build1' });
    await loadMigrations(join(work, 'migrations'));
    const [a, b] = await loadMigrations(join(work, 'migrations'));
    expect(b!.up).toStrictEqual(a!.up);
    expect(b!.up).not.toBe(a!.up);
  });

  it('keeps one file per folder: a second folder has its own, and the first still serves', async () => {
    await write('20260101_a.yaml', RICH);
    await cp(join(work, 'migrations'), join(work, 'other'), { recursive: true });
    useParseCache({ dir: cacheDir, key: 'build1' });
    await loadMigrations(join(work, 'migrations'));
    await loadMigrations(join(work, 'other'));
    expect(await cacheFiles()).toHaveLength(2);
    expect(folderCache(cacheDir, 'build1', join(work, 'migrations')).get(checksum(RICH))).toBeDefined();
  });

  it('marks a cache that served every file as used, so that pruning keeps it', async () => {
    await write('20260101_a.yaml', RICH);
    useParseCache({ dir: cacheDir, key: 'build1' });
    await loadMigrations(join(work, 'migrations'));
    const [name] = await cacheFiles();
    const old = new Date('2020-01-01T00:00:00Z');
    await utimes(join(cacheDir, name!), old, old);
    await loadMigrations(join(work, 'migrations'));
    expect((await stat(join(cacheDir, name!))).mtimeMs).toBeGreaterThan(old.getTime());
  });

  it('keeps the 64 folders used last', async () => {
    await write('20260101_a.yaml', RICH);
    useParseCache({ dir: cacheDir, key: 'build1' });
    for (let i = 0; i < 66; i++) {
      await cp(join(work, 'migrations'), join(work, `f${i}`), { recursive: true });
      await loadMigrations(join(work, `f${i}`));
    }
    expect(await cacheFiles()).toHaveLength(64);
    expect(folderCache(cacheDir, 'build1', join(work, 'f65')).get(checksum(RICH))).toBeDefined();
  });
});
