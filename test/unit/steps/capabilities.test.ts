/**
 * The capability table: one row per kind of change, each answer per Milvus line, the steps it
 * names exist and need no newer server than the row says, and docs/capabilities.md is rendered
 * from it (`npx vitest run -u test/unit/steps/capabilities.test.ts` rewrites the file).
 */
import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES,
  CAPABILITY_VERSIONS,
  capabilityCell,
  howToApply,
  renderCapabilitiesMarkdown,
  stepMinVersion,
  type SchemaChangeKind,
} from '../../../src/steps/capabilities.js';
import { compareVersions } from '../../../src/milvus/version.js';
import { STEPS } from '../../../src/steps/catalogue.js';

const KINDS: readonly SchemaChangeKind[] = [
  'createPartition',
  'dropPartition',
  'createAlias',
  'dropAlias',
  'alterAlias',
  'alterProperties',
  'createIndex',
  'dropIndex',
  'replaceIndex',
  'widenMaxLength',
  'alterFieldProperties',
  'addNullableField',
  'addField',
  'dropField',
  'enableDynamicField',
  'addFunction',
  'changeFieldType',
  'changeDim',
  'changePrimaryKey',
  'changePartitionKey',
  'changeNullable',
  'changeDefault',
  'changeShards',
  'changeAutoId',
  'changeDescription',
];

/** Each kind's answer on the newest release of each line: the step in place, or `rebuild`. */
const table = Object.fromEntries(
  CAPABILITIES.map((r) => [
    r.kind,
    CAPABILITY_VERSIONS.map((v) => {
      const c = capabilityCell(r, v);
      return c.inPlace ? (c.from ? `${r.inPlace!.step} from ${c.from}` : r.inPlace!.step) : 'rebuild';
    }).join(' | '),
  ]),
);

describe('capability table', () => {
  it('has exactly one row per kind of change, in the order of the type', () => {
    expect(CAPABILITIES.map((r) => r.kind)).toEqual(KINDS);
  });

  it('answers per Milvus line (2.3 | 2.4 | 2.5 | 2.6 | 3.0)', () => {
    expect(table).toMatchInlineSnapshot(`
      {
        "addField": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "addFunction": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "addNullableField": "rebuild | rebuild | rebuild | addCollectionField | addCollectionField",
        "alterAlias": "alterAlias | alterAlias | alterAlias | alterAlias | alterAlias",
        "alterFieldProperties": "rebuild | rebuild | alterCollectionFieldProperties | alterCollectionFieldProperties | alterCollectionFieldProperties",
        "alterProperties": "alterCollectionProperties | alterCollectionProperties | alterCollectionProperties | alterCollectionProperties | alterCollectionProperties",
        "changeAutoId": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changeDefault": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changeDescription": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changeDim": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changeFieldType": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changeNullable": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changePartitionKey": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changePrimaryKey": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "changeShards": "rebuild | rebuild | rebuild | rebuild | rebuild",
        "createAlias": "createAlias | createAlias | createAlias | createAlias | createAlias",
        "createIndex": "createIndex | createIndex | createIndex | createIndex | createIndex",
        "createPartition": "createPartition | createPartition | createPartition | createPartition | createPartition",
        "dropAlias": "dropAlias | dropAlias | dropAlias | dropAlias | dropAlias",
        "dropField": "rebuild | rebuild | rebuild | rebuild | dropCollectionField",
        "dropIndex": "dropIndex | dropIndex | dropIndex | dropIndex | dropIndex",
        "dropPartition": "dropPartition | dropPartition | dropPartition | dropPartition | dropPartition",
        "enableDynamicField": "rebuild | rebuild | rebuild | alterCollectionProperties from 2.6.2 | alterCollectionProperties",
        "replaceIndex": "dropIndex | dropIndex | dropIndex | dropIndex | dropIndex",
        "widenMaxLength": "rebuild | rebuild | alterCollectionFieldProperties from 2.5.2 | alterCollectionFieldProperties | alterCollectionFieldProperties",
      }
    `);
  });

  it('every row cites a release, and an in-place step that exists and needs no newer Milvus than the row says', () => {
    for (const r of CAPABILITIES) {
      expect(r.source.url, r.kind).toMatch(/^https:\/\/milvus\.io\/docs\/(v\d\.\d\.x\/)?release_notes\.md$/);
      expect(r.source.version, r.kind).toMatch(/^\d+\.\d+\.\d+$/);
      if (!r.inPlace) {
        expect(r.rebuild, r.kind).not.toBe('');
        continue;
      }
      expect(STEPS.has(r.inPlace.step), `${r.kind}: step ${r.inPlace.step}`).toBe(true);
      const needs = stepMinVersion(r.inPlace.step);
      if (needs)
        expect(compareVersions(r.inPlace.since, needs), `${r.kind} since ${r.inPlace.since}, step needs ${needs}`).toBeGreaterThanOrEqual(
          0,
        );
      if (compareVersions(r.inPlace.since, '2.3.0') > 0) expect(r.rebuild, r.kind).not.toBe('');
    }
  });
});

describe('howToApply', () => {
  it.each<[SchemaChangeKind, string, ReturnType<typeof howToApply>]>([
    ['createPartition', 'v2.3.5-lite', { inPlace: true, step: 'createPartition', since: '2.3.0' }],
    [
      'addNullableField',
      'v2.3.5-lite',
      {
        inPlace: false,
        reason:
          'Milvus adds fields to an existing collection from 2.6.0 on (2.3.5 answers {} and changes nothing) (needs Milvus 2.6.0; this is v2.3.5-lite)',
      },
    ],
    [
      'addNullableField',
      '2.6.0',
      { inPlace: true, step: 'addCollectionField', since: '2.6.0', notes: 'scalar types only; existing rows read null (or default_value)' },
    ],
    ['widenMaxLength', 'v2.5.1', { inPlace: false, reason: expect.stringContaining('(needs Milvus 2.5.2; this is v2.5.1)') as string }],
    [
      'widenMaxLength',
      'v2.5.2',
      { inPlace: true, step: 'alterCollectionFieldProperties', since: '2.5.2', notes: 'properties: { max_length: N }; rows are kept' },
    ],
    ['dropField', '2.6.15', { inPlace: false, reason: expect.stringContaining('needs Milvus 3.0.0') as string }],
    ['dropField', 'v3.0.1', expect.objectContaining({ inPlace: true, step: 'dropCollectionField', since: '3.0.0' }) as never],
    ['enableDynamicField', '2.6.1', { inPlace: false, reason: expect.stringContaining('needs Milvus 2.6.2') as string }],
    ['changeDim', '3.0.1', { inPlace: false, reason: expect.stringContaining('the vectors must be recomputed') as string }],
  ])('%s on %s', (kind, version, expected) => {
    expect(howToApply(kind, version)).toEqual(expected);
  });
});

describe('stepMinVersion', () => {
  it.each([
    ['addCollectionField', undefined, '2.6.0'],
    ['dropCollectionField', undefined, '3.0.0'],
    ['dropCollectionProperties', undefined, '2.5.0'],
    ['alterCollectionFieldProperties', { properties: { max_length: 512 } }, '2.5.2'],
    ['alterCollectionFieldProperties', { properties: { 'mmap.enabled': true } }, '2.5.0'],
    ['alterCollectionFieldProperties', undefined, undefined],
    ['createPartition', undefined, undefined],
  ])('%s %j -> %s', (step, params, expected) => {
    expect(stepMinVersion(step, params)).toBe(expected);
  });
});

describe('docs/capabilities.md', () => {
  it('is rendered from the table', async () => {
    await expect(renderCapabilitiesMarkdown()).toMatchFileSnapshot('../../../docs/capabilities.md');
  });
});
