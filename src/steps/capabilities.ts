/**
 * Which schema changes Milvus makes in place, from which version, and with which step; every
 * other change needs `rebuildCollection` (a new collection with the new schema, rows copied).
 * The generator asks {@link howToApply} for the connected server or for `--target-version`;
 * `docs/capabilities.md` renders {@link CAPABILITIES} (a test pins it, see
 * `renderCapabilitiesMarkdown`).
 *
 * Each row cites where its version comes from: the Milvus release notes of that line, and the
 * issue, pull request or docs page that pins the change down when the notes are vague. Where
 * the exact patch that brought a change is not verified, the row says so and counts from a
 * later release: claiming too late only costs a rebuild, claiming too early sends a call the
 * server ignores (Milvus 2.3.5 answers `{}` to the 2.5/2.6 field calls and changes nothing).
 */
import { atLeast, compareVersions, parseVersion } from '../milvus/version.js';
import { ADD_FIELD_MIN_VERSION } from './collections/addCollectionField.js';
import { ALTER_FIELD_MIN_VERSION, ALTER_MAX_LENGTH_MIN_VERSION } from './collections/alterCollectionFieldProperties.js';
import { DROP_FIELD_MIN_VERSION } from './collections/dropCollectionField.js';
import { DYNAMIC_FIELD_MIN_VERSION, DYNAMIC_FIELD_PROPERTY } from './collections/alterCollectionProperties.js';
import { STEPS } from './catalogue.js';

/** A kind of change between two schemas of one collection. */
export type SchemaChangeKind =
  | 'createPartition'
  | 'dropPartition'
  | 'createAlias'
  | 'dropAlias'
  | 'alterAlias'
  | 'alterProperties'
  | 'createIndex'
  | 'dropIndex'
  | 'replaceIndex'
  | 'widenMaxLength'
  | 'alterFieldProperties'
  | 'addNullableField'
  | 'addField'
  | 'dropField'
  | 'enableDynamicField'
  | 'addFunction'
  | 'changeFieldType'
  | 'changeDim'
  | 'changePrimaryKey'
  | 'changePartitionKey'
  | 'changeNullable'
  | 'changeDefault'
  | 'changeShards'
  | 'changeAutoId'
  | 'changeDescription';

/** How a change is made on a server: in place with `step` (from Milvus `since`), or by a rebuild, and why. */
export type HowToApply = { inPlace: true; step: string; since: string; notes?: string } | { inPlace: false; reason: string };

/** The Milvus lines the table states, oldest first (milvus-migrate supports 2.3 and newer). */
export const CAPABILITY_VERSIONS = ['2.3', '2.4', '2.5', '2.6', '3.0'] as const;
export type CapabilityVersion = (typeof CAPABILITY_VERSIONS)[number];

/** Release notes of each line (each page lists every patch release of its line). */
export const RELEASE_NOTES: Readonly<Record<CapabilityVersion, string>> = {
  '2.3': 'https://milvus.io/docs/v2.3.x/release_notes.md',
  '2.4': 'https://milvus.io/docs/v2.4.x/release_notes.md',
  '2.5': 'https://milvus.io/docs/v2.5.x/release_notes.md',
  '2.6': 'https://milvus.io/docs/v2.6.x/release_notes.md',
  '3.0': 'https://milvus.io/docs/release_notes.md',
};

/** Where a row's version comes from. */
export interface CapabilitySource {
  /** The release whose notes (or code) the row rests on, e.g. `2.5.2`. */
  readonly version: string;
  /** That release's notes ({@link RELEASE_NOTES}), or the page that pins the change when the notes do not name it. */
  readonly url: string;
  /** Further evidence: issue, pull request, docs page. */
  readonly see?: readonly string[];
}

/** One kind of change: the step that makes it in place and from which version, or never. */
export interface Capability {
  readonly kind: SchemaChangeKind;
  /** What the change is, in words (the docs table's first column). */
  readonly summary: string;
  /** The step and the oldest Milvus that makes the change in place; absent: no version does. */
  readonly inPlace?: { readonly step: string; readonly since: string; readonly notes?: string };
  /** Why a server older than `since` (or any server, without `inPlace`) needs a rebuild. */
  readonly rebuild: string;
  readonly source: CapabilitySource;
  /** What is not verified about this row. */
  readonly unsure?: string;
  /** The Milvus version this row's step was run against in this repository's integration suite. */
  readonly ranHere?: string;
}

const TESTED = '2.3.5';
const notes = (v: CapabilityVersion, version: string, see?: readonly string[]): CapabilitySource => ({
  version,
  url: RELEASE_NOTES[v],
  ...(see ? { see } : {}),
});
const NEVER_FIELD =
  'Milvus cannot change this of an existing field (alter-collection-field.md: only max_length, max_capacity and mmap are alterable)';

/** The table: one row per kind of change, every version derived from `since` (see {@link capabilityCell}). */
export const CAPABILITIES: readonly Capability[] = [
  {
    kind: 'createPartition',
    summary: 'add a partition',
    inPlace: { step: 'createPartition', since: '2.3.0' },
    rebuild: '',
    source: notes('2.3', '2.3.0', ['partitions predate 2.3 (Milvus 2.0)']),
    ranHere: TESTED,
  },
  {
    kind: 'dropPartition',
    summary: 'drop a partition (and its rows)',
    inPlace: {
      step: 'dropPartition',
      since: '2.3.0',
      notes: 'destructive; releases a loaded partition first (Milvus refuses to drop a loaded one)',
    },
    rebuild: '',
    source: notes('2.3', '2.3.0'),
    ranHere: TESTED,
  },
  {
    kind: 'createAlias',
    summary: 'add an alias',
    inPlace: { step: 'createAlias', since: '2.3.0' },
    rebuild: '',
    source: notes('2.3', '2.3.0', ['aliases predate 2.3 (Milvus 2.0)']),
    ranHere: TESTED,
  },
  {
    kind: 'dropAlias',
    summary: 'drop an alias',
    inPlace: { step: 'dropAlias', since: '2.3.0' },
    rebuild: '',
    source: notes('2.3', '2.3.0'),
    ranHere: TESTED,
  },
  {
    kind: 'alterAlias',
    summary: 'point an alias at another collection',
    inPlace: { step: 'alterAlias', since: '2.3.0' },
    rebuild: '',
    source: notes('2.3', '2.3.0'),
    ranHere: TESTED,
  },
  {
    kind: 'alterProperties',
    summary: 'set collection properties (TTL, mmap)',
    inPlace: {
      step: 'alterCollectionProperties',
      since: '2.3.0',
      notes:
        'collection.ttl.seconds from 2.3 (measured on 2.3.5); mmap.enabled as a collection property from 2.4 (docs v2.4.x mmap.md); removing a key needs dropCollectionProperties (2.5.0+)',
    },
    rebuild: '',
    source: notes('2.3', '2.3.0', [
      'https://milvus.io/docs/v2.4.x/mmap.md',
      'https://github.com/milvus-io/milvus/pull/37437 (delete_keys, 2.5)',
    ]),
    unsure:
      'which 2.4 patch takes mmap.enabled per collection is not verified; on 2.3 the key is accepted but its effect is not measured here',
    ranHere: TESTED,
  },
  {
    kind: 'createIndex',
    summary: 'add an index',
    inPlace: { step: 'createIndex', since: '2.3.0', notes: 'waits until the index is built' },
    rebuild: '',
    source: notes('2.3', '2.3.0'),
    ranHere: TESTED,
  },
  {
    kind: 'dropIndex',
    summary: 'drop an index',
    inPlace: {
      step: 'dropIndex',
      since: '2.3.0',
      notes: 'Milvus refuses to drop an index of a loaded collection: releaseCollection first, loadCollection after',
    },
    rebuild: '',
    source: notes('2.3', '2.3.0'),
    unsure: 'the "release first" rule is from the Milvus docs; the refusal itself is not pinned by a test here',
    ranHere: TESTED,
  },
  {
    kind: 'replaceIndex',
    summary: 'change an index (type, metric, params)',
    inPlace: {
      step: 'dropIndex',
      since: '2.3.0',
      notes:
        'no alter call for build params: releaseCollection (if loaded), dropIndex, createIndex with the new spec, loadCollection (if it was loaded)',
    },
    rebuild: '',
    source: notes('2.3', '2.3.0'),
    ranHere: TESTED,
  },
  {
    kind: 'widenMaxLength',
    summary: "raise a VarChar's max_length",
    inPlace: {
      step: 'alterCollectionFieldProperties',
      since: ALTER_MAX_LENGTH_MIN_VERSION,
      notes: 'properties: { max_length: N }; rows are kept',
    },
    rebuild: 'Milvus alters max_length in place from 2.5.2 on (2.3.5 answers {} and changes nothing)',
    source: notes('2.5', '2.5.2', ['https://github.com/milvus-io/milvus/pull/37437', 'https://milvus.io/docs/alter-collection-field.md']),
    unsure:
      'the 2.4.20 notes fix AlterCollectionField, so some late 2.4 patches may alter max_length too; not verified, counted from 2.5.2',
  },
  {
    kind: 'alterFieldProperties',
    summary: 'change field properties (max_capacity, mmap.enabled)',
    inPlace: { step: 'alterCollectionFieldProperties', since: ALTER_FIELD_MIN_VERSION },
    rebuild: 'Milvus alters field properties from 2.5.0 on (AlterCollectionField; 2.3.5 answers {} and changes nothing)',
    source: notes('2.5', '2.5.0', [
      'https://github.com/milvus-io/milvus/pull/37437',
      'https://github.com/milvus-io/milvus-sdk-node/pull/392',
    ]),
    unsure:
      'which 2.4 patch first had AlterCollectionField is not verified (the Node SDK backported the call to its 2.4 line): counted from 2.5.0',
  },
  {
    kind: 'addNullableField',
    summary: 'add a nullable scalar field',
    inPlace: {
      step: 'addCollectionField',
      since: ADD_FIELD_MIN_VERSION,
      notes: 'scalar types only; existing rows read null (or default_value)',
    },
    rebuild: 'Milvus adds fields to an existing collection from 2.6.0 on (2.3.5 answers {} and changes nothing)',
    source: notes('2.6', '2.6.0', ['https://milvus.io/docs/v2.6.x/add-fields-to-an-existing-collection.md']),
  },
  {
    kind: 'addField',
    summary: 'add a field that is not nullable, or a vector field',
    rebuild:
      'Milvus adds only nullable scalar fields in place (2.6+): a field every row must fill needs a rebuild that fills it (3.0 can add then backfill, but the field stays nullable)',
    source: notes('2.6', '2.6.0', ['https://milvus.io/docs/v2.6.x/add-fields-to-an-existing-collection.md']),
    unsure:
      "3.0 adds vector fields online (release notes v3.0.0); milvus-migrate's addCollectionField takes scalars only, so they rebuild here",
  },
  {
    kind: 'dropField',
    summary: 'drop a field',
    inPlace: {
      step: 'dropCollectionField',
      since: DROP_FIELD_MIN_VERSION,
      notes: 'destructive; not the primary key, the partition key or the only vector field; needs @zilliz/milvus2-sdk-node 3.x',
    },
    rebuild: 'Milvus drops a field in place from 3.0.0 on; older servers need a rebuild without it',
    source: notes('3.0', '3.0.0', [
      'https://github.com/milvus-io/milvus/issues/48983',
      'https://github.com/milvus-io/milvus-sdk-node/pull/582',
    ]),
  },
  {
    kind: 'enableDynamicField',
    summary: 'turn on the dynamic field of an existing collection',
    inPlace: {
      step: 'alterCollectionProperties',
      since: DYNAMIC_FIELD_MIN_VERSION,
      notes: `properties: { ${DYNAMIC_FIELD_PROPERTY}: true }`,
    },
    rebuild:
      'Milvus turns the dynamic field on for an existing collection from 2.6 on; older servers need a rebuild with enable_dynamic_field',
    source: notes('2.6', DYNAMIC_FIELD_MIN_VERSION, ['https://github.com/milvus-io/milvus/pull/44151']),
    unsure:
      'milvus-io/milvus#44151 was merged on 2025-09-01, after 2.6.1 was cut; the 2.6 patch that carries it is not verified: counted from 2.6.2',
  },
  {
    kind: 'addFunction',
    summary: 'add a function (BM25) to an existing collection',
    rebuild:
      'functions (BM25, 2.5+) are declared by createCollection; Milvus 3.0 adds a function field in place (with Storage V3 on), but the catalogue has no step for it yet: rebuild with the function in the new schema',
    source: notes('3.0', '3.0.0', ['https://milvus.io/docs/storage-v3.md', 'https://milvus.io/docs/v2.5.x/full-text-search.md']),
    unsure: 'the in-place 3.0 path (AlterCollectionSchema add function field) is not in the installed SDK (2.6.17)',
  },
  { kind: 'changeFieldType', summary: "change a field's data type", rebuild: NEVER_FIELD, source: notes('3.0', '3.0.0') },
  {
    kind: 'changeDim',
    summary: "change a vector field's dim",
    rebuild: `${NEVER_FIELD}; the vectors must be recomputed (a transform)`,
    source: notes('3.0', '3.0.0'),
  },
  {
    kind: 'changePrimaryKey',
    summary: 'change the primary key',
    rebuild: 'Milvus cannot change the primary field or its properties (alter-collection-field.md)',
    source: notes('3.0', '3.0.0', ['https://milvus.io/docs/alter-collection-field.md']),
  },
  {
    kind: 'changePartitionKey',
    summary: 'add, remove or move the partition key',
    rebuild: 'Milvus cannot change the partition key once the collection is created (alter-collection-field.md)',
    source: notes('3.0', '3.0.0', ['https://milvus.io/docs/alter-collection-field.md']),
  },
  { kind: 'changeNullable', summary: 'make a field nullable or not', rebuild: NEVER_FIELD, source: notes('3.0', '3.0.0') },
  {
    kind: 'changeDefault',
    summary: "change a field's default_value",
    rebuild: NEVER_FIELD,
    source: notes('3.0', '3.0.0'),
    unsure: 'no release note names default_value as alterable; not verified against a 2.6 or 3.0 server',
  },
  {
    kind: 'changeShards',
    summary: 'change the number of shards',
    rebuild: 'Milvus fixes shards_num when the collection is created',
    source: notes('3.0', '3.0.0'),
  },
  { kind: 'changeAutoId', summary: 'turn autoID on or off', rebuild: NEVER_FIELD, source: notes('3.0', '3.0.0') },
  {
    kind: 'changeDescription',
    summary: "change a collection's or a field's description",
    rebuild: 'Milvus has no call that changes a description (AlterCollection takes properties only)',
    source: notes('3.0', '3.0.0'),
    unsure: 'not verified against 2.6 or 3.0: a newer server may take it as a property',
  },
];

const BY_KIND: ReadonlyMap<SchemaChangeKind, Capability> = new Map(CAPABILITIES.map((c) => [c.kind, c]));

/** The row of one kind of change. */
export function capabilityOf(kind: SchemaChangeKind): Capability {
  const row = BY_KIND.get(kind);
  if (!row) throw new Error(`no capability row for ${String(kind)}`);
  return row;
}

/**
 * How `kind` is made on a server of `serverVersion` (`v2.3.5-lite`, `2.6.0`, ...): in place
 * with a step from the version it cites on, otherwise by a rebuild. A version that cannot be
 * read counts as new enough, as the preflight's version check does.
 */
export function howToApply(kind: SchemaChangeKind, serverVersion: string): HowToApply {
  const row = capabilityOf(kind);
  if (row.inPlace && atLeast(serverVersion, row.inPlace.since)) {
    const { step, since, notes } = row.inPlace;
    return { inPlace: true, step, since, ...(notes ? { notes } : {}) };
  }
  const reason = row.inPlace ? `${row.rebuild} (needs Milvus ${row.inPlace.since}; this is ${serverVersion})` : row.rebuild;
  return { inPlace: false, reason };
}

/**
 * A cell of the docs table: the answer for the newest release of line `v`, and, when the change
 * arrived in a patch of that line, from which patch (`2.5` with `since: 2.5.2`: "from 2.5.2").
 */
export function capabilityCell(row: Capability, v: CapabilityVersion): { inPlace: boolean; from?: string } {
  if (!row.inPlace) return { inPlace: false };
  const [major, minor] = parseVersion(row.inPlace.since)!;
  const line = `${major}.${minor}`;
  if (compareVersions(line, v) > 0) return { inPlace: false };
  return line === v && row.inPlace.since !== `${line}.0` ? { inPlace: true, from: row.inPlace.since } : { inPlace: true };
}

/**
 * The oldest Milvus a step needs, when it needs one whatever its params (e.g.
 * `addCollectionField` → `2.6.0`); for steps whose need depends on the params, the answer for
 * `params` when given, else undefined.
 */
export function stepMinVersion(stepName: string, params?: Readonly<Record<string, unknown>>): string | undefined {
  const def = STEPS.get(stepName);
  if (!def?.minVersion) return undefined;
  if (typeof def.minVersion === 'string') return def.minVersion;
  return params ? def.minVersion(params) : undefined;
}

/** `docs/capabilities.md`, rendered from {@link CAPABILITIES} (a unit test keeps the committed file equal to this). */
export function renderCapabilitiesMarkdown(): string {
  const head = `| change | ${CAPABILITY_VERSIONS.join(' | ')} | how in place | source |`;
  const rule = `|---|${CAPABILITY_VERSIONS.map(() => '---').join('|')}|---|---|`;
  const rows = CAPABILITIES.map((r) => {
    const cells = CAPABILITY_VERSIONS.map((v) => {
      const c = capabilityCell(r, v);
      return c.inPlace ? (c.from ? `from ${c.from}` : 'in place') : 'rebuild';
    });
    const how = r.inPlace ? `\`${r.inPlace.step}\`${r.inPlace.notes ? `: ${r.inPlace.notes}` : ''}` : r.rebuild;
    const src = [`[${r.source.version} release notes](${r.source.url})`, ...(r.source.see ?? []).map(link)].join(', ');
    return `| ${r.summary} (\`${r.kind}\`) | ${cells.join(' | ')} | ${escape(how)} | ${src} |`;
  });
  const unsure = CAPABILITIES.filter((r) => r.unsure).map((r) => `- \`${r.kind}\`: ${r.unsure}`);
  const ran = CAPABILITIES.filter((r) => r.ranHere).map((r) => `\`${r.kind}\``);
  const notRan = CAPABILITIES.filter((r) => r.inPlace && !r.ranHere).map((r) => `\`${r.kind}\``);
  return [
    '# In place or rebuild: what each Milvus version changes in place',
    '',
    '<!-- Generated from src/steps/capabilities.ts (renderCapabilitiesMarkdown); test/unit/steps/capabilities.test.ts keeps it in step. -->',
    '',
    'For each kind of schema change, whether Milvus makes it in place (and with which step) or',
    'whether the collection must be rebuilt (`rebuildCollection`: a new collection with the new',
    'schema, rows copied). A column is the newest release of that line; "from 2.5.2" means the',
    'change arrived in that patch. The generator asks this table for the connected server, or for',
    '`--target-version`, and the `targetVersion` lint rule ([MM501](lint.md#mm501)) uses the same',
    'step versions.',
    '',
    head,
    rule,
    ...rows,
    '',
    '## Run against a real server here',
    '',
    `Rows whose step the integration suite runs on Milvus ${TESTED}: ${ran.join(', ')}.`,
    '',
    `Rows not run against a real server here (no server of that version in this environment; their requests are`,
    `pinned against the SDK's types by unit tests, and on ${TESTED} they are refused before anything runs): ${notRan.join(', ')}.`,
    '',
    '## Not verified',
    '',
    ...unsure,
    '',
  ].join('\n');
}

function link(s: string): string {
  const m = /^(https?:\/\/\S+)(.*)$/.exec(s);
  return m ? `[${m[1]!.replace(/^https:\/\/(github\.com\/)?/, '')}](${m[1]})${m[2]}` : s;
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|');
}
