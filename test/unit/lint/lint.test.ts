import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint, lintedMigration, RULES } from '../../../src/lint/index.js';
import { checksum } from '../../../src/migrations/discover.js';
import { rowWidth } from '../../../src/lint/data.js';

/** `name` → YAML text; names sort as written. */
type Files = Record<string, string>;

function run(
  files: Files,
  opts: { base?: Record<string, string>; backupByDefault?: boolean; maxPartitions?: number; targetVersion?: string } = {},
): string[] {
  const migrations = Object.entries(files).map(([name, text]) =>
    lintedMigration(
      {
        name,
        path: `/repo/migrations/${name}.${name.endsWith('_code') ? 'mjs' : 'yaml'}`,
        format: name.endsWith('_code') ? 'code' : 'yaml',
      },
      text,
      checksum(text),
    ),
  );
  const base = opts.base && { ref: 'origin/main', checksums: new Map(Object.entries(opts.base).map(([n, t]) => [n, checksum(t)])) };
  return lint({
    migrations,
    base,
    backupByDefault: opts.backupByDefault ?? false,
    maxPartitions: opts.maxPartitions,
    targetVersion: opts.targetVersion,
  }).map((f) => `${f.code} ${f.migration}:${f.line ?? '-'}`);
}

/** A collection `docs` with the given extra fields (YAML list items, 8 spaces deep) and index_params. */
function create(fields: string, indexParams = ''): string {
  return `up:
  - createCollection:
      collection_name: docs
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
${fields}${indexParams ? `      index_params:\n${indexParams}` : ''}`;
}
const FLOAT = '        - { name: v, data_type: FloatVector, dim: 4 }\n';
const INDEXED = create(FLOAT, '        - { field_name: v, index_type: FLAT, metric_type: L2 }\n');
const DOWN_DROP = 'down:\n  - dropCollection: { collection_name: docs }\n';

/** A migration creating partitions p<from> to p<to - 1> of `collection`, one step a line from line 2. */
function partitions(collection: string, from: number, to: number): string {
  const steps = Array.from(
    { length: to - from },
    (_, i) => `  - createPartition: { collection_name: ${collection}, partition_name: p${from + i} }\n`,
  );
  return `up:\n${steps.join('')}`;
}
/** A partition-key collection with `n` partitions. */
const keyed = (n: number) =>
  create(`${FLOAT}        - { name: k, data_type: VarChar, max_length: 16, is_partition_key: true }\n`) + `      num_partitions: ${n}\n`;

interface Case {
  readonly rule: string;
  readonly triggers: Files;
  readonly clean: Files;
  /** Findings of `triggers` (code, migration, line); the clean files have none of `rule`. */
  readonly expected: readonly string[];
  readonly base?: Record<string, string>;
  /** `targetVersion` of the config for this case. */
  readonly targetVersion?: string;
}

const CASES: readonly Case[] = [
  {
    rule: 'MM001',
    triggers: { a: 'up:\n  - dropPartiton: { collection_name: c, partition_name: p }\n' },
    clean: { a: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n' },
    expected: ['MM001 a:2'],
  },
  {
    rule: 'MM002',
    triggers: { a: 'up:\n  - createPartition:\n      collection_name: c\n      partition_name: 2027-p\n' },
    clean: { a: 'up:\n  - createPartition:\n      collection_name: c\n      partition_name: p2027\n' },
    expected: ['MM002 a:4'],
  },
  {
    rule: 'MM101',
    triggers: {
      a: 'up:\n  - createPartition: { collection_name: c, partition_name: q }\n  - dropPartition: { collection_name: c, partition_name: p }\ndown:\n  - createPartition: { collection_name: c, partition_name: p }\n',
    },
    clean: { a: 'up:\n  - dropPartition: { collection_name: c, partition_name: p, backup: true }\n' },
    expected: ['MM101 a:3'],
  },
  {
    rule: 'MM102',
    triggers: {
      a: 'up:\n  - createPartition: { collection_name: c, partition_name: q }\n  - exec: { command: [echo, ok], destructive: false }\n',
      b_code: 'export default { async up() {} };\n',
    },
    clean: {
      a: 'up:\n  - exec: { command: [echo, ok], destructive: false }\ndown:\n  - exec: { command: [echo, ok], destructive: false }\n',
      b_code: 'export default { async up() {}, async down() {} };\n',
    },
    expected: ['MM102 a:3', 'MM102 b_code:-'],
  },
  {
    rule: 'MM103',
    triggers: {
      a: `${INDEXED}  - createAlias: { alias: live, collection_name: docs }\n${DOWN_DROP}`,
      b: 'up:\n  - dropCollection: { collection_name: docs, backup: true }\n',
    },
    clean: {
      a: `${INDEXED}  - createAlias: { alias: live, collection_name: docs }\n${DOWN_DROP}`,
      b: 'up:\n  - dropAlias: { alias: live }\n  - dropCollection: { collection_name: docs, backup: true }\n',
    },
    expected: ['MM103 b:2'],
  },
  {
    rule: 'MM104',
    base: { old: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n' },
    triggers: {
      old: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n',
      x: `${INDEXED}${DOWN_DROP}`,
      y: 'up:\n  - dropCollection: { collection_name: docs, backup: true }\n',
    },
    clean: { old: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n', x: `${INDEXED}${DOWN_DROP}` },
    expected: ['MM104 y:2'],
  },
  {
    rule: 'MM105',
    triggers: { a: 'up:\n  - exec: { command: [python3, reembed.py] }\ndown:\n  - exec: { command: [echo, ok], destructive: false }\n' },
    clean: {
      a: 'up:\n  - exec: { command: [python3, reembed.py], destructive: false }\ndown:\n  - exec: { command: [echo, ok], destructive: false }\n',
    },
    expected: ['MM105 a:2'],
  },
  {
    rule: 'MM201',
    triggers: {
      a: create(
        '        - { name: s, data_type: SparseFloatVector }\n',
        '        - { field_name: s, index_type: SPARSE_INVERTED_INDEX, metric_type: L2 }\n',
      ),
    },
    clean: {
      a: create(
        '        - { name: s, data_type: SparseFloatVector }\n',
        '        - { field_name: s, index_type: SPARSE_INVERTED_INDEX, metric_type: IP }\n',
      ),
    },
    expected: ['MM201 a:8'], // the index_params item, not the createCollection
  },
  {
    rule: 'MM202',
    triggers: {
      a: `${create('        - { name: b, data_type: BinaryVector, dim: 64 }\n')}  - createIndex: { collection_name: docs, field_name: b, index_type: BIN_FLAT, metric_type: COSINE }\n`,
    },
    clean: {
      a: `${create('        - { name: b, data_type: BinaryVector, dim: 64 }\n')}  - createIndex: { collection_name: docs, field_name: b, index_type: BIN_FLAT, metric_type: hamming }\n`,
    },
    expected: ['MM202 a:7'],
  },
  {
    rule: 'MM203',
    triggers: { a: create(FLOAT, '        - { field_name: v, index_type: HNSW, metric_type: JACCARD }\n') },
    clean: { a: create(FLOAT, '        - { field_name: v, index_type: HNSW, metric_type: COSINE }\n') },
    expected: ['MM203 a:8'], // the index_params item, not the createCollection
  },
  {
    rule: 'MM204',
    triggers: {
      a: `${create(FLOAT)}  - createIndex: { collection_name: docs, field_name: v, index_type: BIN_IVF_FLAT, metric_type: L2 }\n`,
    },
    clean: { a: `${create(FLOAT)}  - createIndex: { collection_name: docs, field_name: v, index_type: ivf_flat, metric_type: L2 }\n` },
    expected: ['MM204 a:7'],
  },
  {
    rule: 'MM205',
    triggers: { a: `${create(FLOAT)}  - createIndex: { collection_name: docs, field_name: vec }\n` },
    clean: { a: `${create(FLOAT)}  - createIndex: { collection_name: docs, field_name: v }\n` },
    expected: ['MM205 a:7'],
  },
  {
    rule: 'MM301',
    triggers: { a: `${create(FLOAT)}  - loadCollection: { collection_name: docs }\n` },
    clean: {
      a: `${create(FLOAT)}  - createIndex: { collection_name: docs, field_name: v }\n  - loadCollection: { collection_name: docs }\n`,
    },
    expected: ['MM301 a:7'],
  },
  {
    rule: 'MM302',
    triggers: {
      a: `${create('        - { name: v, data_type: FloatVector, dim: 4096 }\n        - { name: t, data_type: VarChar, max_length: 65535 }\n')}  - insert: { collection_name: docs, data_file: rows.jsonl, batch_size: 1000 }\n`,
    },
    clean: {
      a: `${create('        - { name: v, data_type: FloatVector, dim: 4096 }\n        - { name: t, data_type: VarChar, max_length: 65535 }\n')}  - insert: { collection_name: docs, data_file: rows.jsonl, batch_size: 500 }\n`,
    },
    expected: ['MM302 a:8'],
  },
  {
    rule: 'MM303',
    // 1,000 of Milvus' default 1,024 partitions (90% is 922) in one createCollection.
    triggers: { a: keyed(1000) },
    clean: { a: keyed(64) },
    expected: ['MM303 a:2'],
  },
  {
    rule: 'MM401',
    base: { '20261201_a': 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n' },
    triggers: {
      '20261130_x': 'up:\n  - createPartition: { collection_name: c, partition_name: x }\n',
      '20261201_a': 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n',
    },
    clean: {
      '20261201_a': 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n',
      '20261202_x': 'up:\n  - createPartition: { collection_name: c, partition_name: x }\n',
    },
    expected: ['MM401 20261130_x:-'],
  },
  {
    rule: 'MM402',
    base: { a: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n' },
    triggers: { a: 'up:\n  - createPartition: { collection_name: c, partition_name: p2 }\n' },
    clean: { a: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\n' },
    expected: ['MM402 a:-'],
  },
  {
    rule: 'MM501',
    targetVersion: '2.5.1',
    triggers: {
      a: 'up:\n  - alterCollectionFieldProperties: { collection_name: c, field_name: t, properties: { max_length: 512 } }\n',
      b: 'up:\n  - createPartition: { collection_name: c, partition_name: p }\ndown:\n  - dropCollectionField: { collection_name: c, field_name: t }\n',
      c: 'up:\n  - addCollectionField: { collection_name: c, field: { name: n, data_type: Int32, nullable: true } }\n',
    },
    clean: {
      a: 'up:\n  - alterCollectionFieldProperties: { collection_name: c, field_name: t, properties: { mmap.enabled: true } }\n',
      b: 'up:\n  - dropCollectionProperties: { collection_name: c, properties: [collection.ttl.seconds] }\n',
      c: 'up:\n  - alterCollectionProperties: { collection_name: c, properties: { collection.ttl.seconds: 60 } }\n',
    },
    expected: ['MM501 a:2', 'MM501 b:4', 'MM501 c:2'],
  },
  {
    rule: 'MM901',
    triggers: {
      a: 'up:\n  # milvus-migrate-lint-disable MM101\n  - dropPartition: { collection_name: c, partition_name: p, backup: true }\n',
    },
    clean: {
      a: 'up:\n  # milvus-migrate-lint-disable MM101 only test rows\n  - dropPartition: { collection_name: c, partition_name: p, backup: true }\n',
    },
    expected: ['MM901 a:2'],
  },
  {
    rule: 'MM902',
    triggers: {
      a: '# milvus-migrate-lint-disable MM999 no such rule\nup:\n  - createPartition: { collection_name: c, partition_name: p }\n',
    },
    clean: { a: '# milvus-migrate-lint-disable MM101 no such rule\nup:\n  - createPartition: { collection_name: c, partition_name: p }\n' },
    expected: ['MM902 a:1'],
  },
];

describe('lint analyzers', () => {
  it.each(CASES)('$rule: triggered, and not by the clean variant', ({ rule, triggers, clean, expected, base, targetVersion }) => {
    const opts = { ...(base ? { base } : {}), ...(targetVersion ? { targetVersion } : {}) };
    expect(run(triggers, opts).filter((f) => f.startsWith(rule))).toEqual(expected);
    expect(run(clean, opts).filter((f) => f.startsWith(rule))).toEqual([]);
  });

  it('MM501 names the step, the version it needs and the targetVersion; without targetVersion it is silent', () => {
    const files = { a: 'up:\n  - dropCollectionField: { collection_name: c, field_name: t }\n' };
    const migrations = Object.entries(files).map(([name, text]) =>
      lintedMigration({ name, path: `/repo/migrations/${name}.yaml`, format: 'yaml' }, text, checksum(text)),
    );
    expect(
      lint({ migrations, backupByDefault: false, targetVersion: 'v2.6.15' })
        .filter((f) => f.code === 'MM501')
        .map((f) => f.message),
    ).toEqual([
      'up: dropCollectionField needs Milvus 3.0.0 or newer; targetVersion is v2.6.15 (see docs/capabilities.md for what v2.6.15 changes in place)',
    ]);
    expect(run(files).filter((f) => f.startsWith('MM501'))).toEqual([]);
    expect(run(files, { targetVersion: '3.0' }).filter((f) => f.startsWith('MM501'))).toEqual([]);
  });

  it('every rule has a case above, and a section in docs/lint.md', async () => {
    const doc = await readFile(resolve(import.meta.dirname, '../../../docs/lint.md'), 'utf8');
    expect(RULES.map((r) => r.code).filter((c) => !CASES.some((k) => k.rule === c))).toEqual([]);
    expect(RULES.map((r) => r.code).filter((c) => !doc.includes(`#### ${c}\n`))).toEqual([]);
  });

  it('a disable comment above a step turns its rule off there only; at the top of a file, everywhere', () => {
    const drop = (p: string) => `  - dropPartition: { collection_name: c, partition_name: ${p} }\n`;
    const down = 'down:\n  - createPartition: { collection_name: c, partition_name: x }\n';
    const step = `up:\n  # milvus-migrate-lint-disable MM101 test rows only\n${drop('a')}${drop('b')}${down}`;
    expect(run({ m: step })).toEqual(['MM101 m:4']);
    const file = `# milvus-migrate-lint-disable MM101, MM102 scratch collection\nup:\n${drop('a')}${drop('b')}`;
    expect(run({ m: file })).toEqual([]);
  });

  it('messages: MM901 names what is missing; MM102 says to write a down: once', () => {
    const messages = (text: string) =>
      lint({ migrations: [lintedMigration({ name: 'a', path: '/r/a.yaml', format: 'yaml' }, text, 'x')], backupByDefault: false }).map(
        (f) => `${f.code} ${f.message}`,
      );
    const exec = '  - exec: { command: [echo, ok], destructive: false }\n';
    expect(messages(`up:\n  # milvus-migrate-lint-disable MM102\n${exec}  # milvus-migrate-lint-disable\n${exec}`)).toEqual([
      'MM901 no reason after MM102, so nothing is turned off: write the codes and why (# milvus-migrate-lint-disable MM101 <reason>)',
      'MM901 no rule code, so nothing is turned off: write the codes and why (# milvus-migrate-lint-disable MM101 <reason>)',
      'MM102 migration has no down and exec has no inverse (exec cannot be undone automatically; give the migration a down:): down will refuse it',
    ]);
    expect(messages('up:\n  - dropPartition: { collection_name: c, partition_name: p }\n').at(-1)).toBe(
      'MM102 migration has no down and dropPartition deletes data without a backup to restore it from: down will refuse it (write a down:)',
    );
  });

  it('an index finding inside createCollection is turned off by a comment above the step or above its index_params item', () => {
    const bad = '        - { field_name: v, index_type: HNSW, metric_type: JACCARD }\n';
    const comment = (indent: string) => `${indent}# milvus-migrate-lint-disable MM203 a test collection\n`;
    expect(run({ a: create(FLOAT, bad) })).toEqual(['MM203 a:8']);
    expect(run({ a: create(FLOAT, bad).replace('  - createCollection', `${comment('  ')}  - createCollection`) })).toEqual([]);
    expect(run({ a: create(FLOAT, comment('        ') + bad) })).toEqual([]);
  });

  it('MM303 counts partitions across migrations (minus drops, plus _default), once near the limit and once over it', () => {
    // A limit of 20, so near is 18. a: _default + p0..p9 = 11 partitions; b drops p0: 10.
    const drop = 'up:\n  - dropPartition: { collection_name: c, partition_name: p0, backup: true }\n';
    const files = { a: partitions('c', 0, 10), b: drop, c: partitions('c', 10, 18), d: partitions('c', 18, 25) };
    // After b: 10. c: p10..p17 → 18 at p17 (line 2 + 7). d: 19 at p18, 20 at p19, 21 at p20 (line 2 + 2).
    expect(run(files, { maxPartitions: 20 }).filter((f) => f.startsWith('MM303'))).toEqual(['MM303 c:9', 'MM303 d:4']);
    const spread = { a: partitions('c', 0, 10), b: partitions('other', 10, 25) };
    expect(run(spread, { maxPartitions: 20 }).filter((f) => f.startsWith('MM303'))).toEqual([]);
    const migrations = [lintedMigration({ name: 'd', path: '/r/d.yaml', format: 'yaml' }, partitions('c', 18, 20), 'x')];
    expect(lint({ migrations, backupByDefault: false, maxPartitions: 2 }).map((f) => f.message)).toEqual([
      'c has 2 partitions after this step (at least: those these migrations create); Milvus allows 2 per collection by default (rootCoord.maxPartitionNum): consider a partition key field instead of a partition per value',
      'c has 3 partitions after this step (at least: those these migrations create); Milvus refuses more than 2 by default (rootCoord.maxPartitionNum): consider a partition key field instead of a partition per value',
    ]);
  });

  it('backup: true in the config counts as a backup', () => {
    const m = { a: 'up:\n  - dropPartition: { collection_name: c, partition_name: p }\n' };
    expect(run(m)).toEqual(['MM101 a:2', 'MM102 a:2']);
    expect(run(m, { backupByDefault: true })).toEqual([]);
  });

  it('the example migrations of this repository lint clean but for the documented drop', async () => {
    const { readForLint } = await import('../../../src/lint/index.js');
    const migrations = await readForLint(resolve(import.meta.dirname, '../../../migrations'));
    expect(lint({ migrations, backupByDefault: false }).map((f) => `${f.code} ${f.migration}:${f.line}`)).toEqual([
      'MM101 20261128130000_drop_example_partition:3',
    ]);
  });

  it('the blue/green example: the alias moved by rebuildCollection no longer names docs_v1 when it is dropped', async () => {
    const { readForLint } = await import('../../../src/lint/index.js');
    const migrations = await readForLint(resolve(import.meta.dirname, '../../../migrations/examples/blue-green'));
    expect(lint({ migrations, backupByDefault: false }).map((f) => `${f.code} ${f.migration}:${f.line}`)).toEqual([
      'MM101 20261203090000_drop_docs_v1:6',
      'MM102 20261203090000_drop_docs_v1:6',
    ]);
  });

  it('row width counts declared maxima', () => {
    expect(
      rowWidth([
        { name: 'id', data_type: 'Int64' },
        { name: 'v', data_type: 'FloatVector', dim: 768 },
        { name: 't', data_type: 'VarChar', max_length: 100 },
      ]),
    ).toBe(8 + 768 * 4 + 100);
    expect(
      rowWidth([
        { name: 'a', data_type: 'Array', element_type: 'Int32', max_capacity: 10 },
        { name: 'b', data_type: 'BinaryVector', dim: 64 },
      ]),
    ).toBe(48);
  });
});
