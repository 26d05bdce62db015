/**
 * Which schema change Milvus can make in place, per server version, and with which step.
 *
 * PLACEHOLDER with the Milvus 2.3 rows only (every version is answered as 2.3, the most
 * conservative): the full table for 2.3/2.4/2.5/2.6/3.0, with the release notes cited per row,
 * comes from branch i15c and replaces this file at merge. The exports are the agreed interface.
 */

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

export type HowToApply = { inPlace: true; step: string; since: string; notes?: string } | { inPlace: false; reason: string };

const IN_PLACE_2_3: Partial<Record<SchemaChangeKind, { step: string; notes?: string }>> = {
  createPartition: { step: 'createPartition' },
  dropPartition: { step: 'dropPartition' },
  createAlias: { step: 'createAlias' },
  dropAlias: { step: 'dropAlias' },
  alterAlias: { step: 'alterAlias' },
  alterProperties: { step: 'alterCollectionProperties' },
  createIndex: { step: 'createIndex' },
  dropIndex: { step: 'dropIndex', notes: 'a loaded collection is released first and loaded again after' },
  replaceIndex: { step: 'dropIndex + createIndex', notes: 'a loaded collection is released first and loaded again after' },
};

/** How a change of `kind` can be made on a server of `serverVersion` (e.g. `2.3.5`, `v2.3.5-lite`). */
export function howToApply(kind: SchemaChangeKind, serverVersion: string): HowToApply {
  const row = IN_PLACE_2_3[kind];
  if (row) return { inPlace: true, step: row.step, since: '2.3.0', ...(row.notes ? { notes: row.notes } : {}) };
  return { inPlace: false, reason: `${kind} cannot be made in place on Milvus ${majorMinor(serverVersion)}` };
}

function majorMinor(v: string): string {
  return /(\d+\.\d+)/.exec(v)?.[1] ?? v;
}
