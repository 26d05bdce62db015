import { describe, expect, it } from 'vitest';
import { planTarget, type OldCollection, type TargetPlan } from '../../../src/steps/collections/rebuild/target.js';
import { recallChecks, recallFacts, recallOptions } from '../../../src/steps/collections/rebuild/recall.js';
import { rebuildParams, type RebuildParams } from '../../../src/steps/collections/rebuild/params.js';

const old: OldCollection = {
  schema: {
    consistency_level: 'Bounded',
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'title', data_type: 'VarChar', max_length: 16 },
      { name: 'embedding', data_type: 'FloatVector', dim: 4 },
      { name: 'half', data_type: 'Float16Vector', dim: 4 },
    ],
    partitions: ['_default'],
    indexes: {},
    load_state: 'loaded',
  },
  indexes: [
    { field_name: 'embedding', index_name: 'emb', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 128 } },
    { field_name: 'half', index_type: 'FLAT', metric_type: 'L2' },
  ],
};

const checksOf = (p: Pick<RebuildParams, 'changes' | 'schema' | 'transform'>) => recallChecks(old, planTarget(old, p) as TargetPlan, p);
const hnsw = { field_name: 'embedding', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } };

describe('recallChecks', () => {
  it('checks a vector field whose index changes and whose values are copied as they are, under its new name', () => {
    expect(checksOf({ changes: { index_params: [hnsw] } })).toEqual({
      checks: [{ field: 'embedding', newField: 'embedding', oldIndex: old.indexes[0], newIndex: hnsw }],
      skipped: [],
    });
    const renamed = checksOf({ changes: { rename_fields: { embedding: 'vec' }, index_params: [{ ...hnsw, field_name: 'vec' }] } });
    expect(renamed.checks.map((c) => [c.field, c.newField])).toEqual([['embedding', 'vec']]);
    // A whole schema with another index on the field is the same change.
    const fields = old.schema.fields.slice(0, 3).map((f) => ({ ...f })) as NonNullable<RebuildParams['schema']>['fields'];
    const schema = checksOf({ schema: { fields, index_params: [hnsw] } });
    expect(schema.checks.map((c) => c.field)).toEqual(['embedding']);
  });

  it('checks nothing when no index changes: carried over, or given again the same (numbers as strings, another name)', () => {
    expect(checksOf({ changes: { alter_fields: { title: { max_length: 64 } } } })).toEqual({ checks: [], skipped: [] });
    const same = { field_name: 'embedding', index_name: 'other', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: '128' } };
    expect(checksOf({ changes: { index_params: [same] } })).toEqual({ checks: [], skipped: [] });
  });

  it('says why a changed index is not measured: values that change, a transform, another metric, a type it cannot search with', () => {
    const skipped = (p: Pick<RebuildParams, 'changes' | 'transform'>) => checksOf(p).skipped;
    expect(skipped({ changes: { alter_fields: { embedding: { dim: 8 } }, index_params: [hnsw] } })).toEqual([
      { field: 'embedding', skipped: 'its values change (FloatVector → FloatVector, dim 4 → 8): the old neighbours are not the new ones' },
    ]);
    expect(skipped({ transform: 't.ts', changes: { index_params: [hnsw] } })).toEqual([
      { field: 'embedding', skipped: 'a transform may change the vectors or leave rows out: the old neighbours are not the new ones' },
    ]);
    expect(skipped({ changes: { index_params: [{ ...hnsw, metric_type: 'IP' }] } })).toEqual([
      { field: 'embedding', skipped: 'the metric changes (L2 → IP): neighbours by another measure are not comparable' },
    ]);
    expect(skipped({ changes: { index_params: [{ field_name: 'half', index_type: 'HNSW', metric_type: 'L2' }] } })).toEqual([
      { field: 'half', skipped: 'recall is not measured for Float16Vector fields' },
    ]);
  });
});

describe('recall options', () => {
  const parse = (verify: unknown) => rebuildParams.safeParse({ collection_name: 'c', writes: 'paused', changes: {}, verify });

  it('defaults: 50 probes, top 10, min 0.9; false turns the check off', () => {
    expect(recallOptions({})).toEqual({ min: 0.9, probes: 50, topK: 10, oldParams: undefined, newParams: undefined });
    expect(recallOptions({ verify: { sample: 5, recall: { min: 0.5, top_k: 3, search_params: { new: { ef: 16 } } } } })).toEqual({
      min: 0.5,
      probes: 50,
      topK: 3,
      oldParams: undefined,
      newParams: { ef: 16 },
    });
    expect(recallOptions({ verify: { recall: false } })).toBeUndefined();
  });

  it('a threshold that is not a share, or unknown keys, are invalid input', () => {
    expect(parse({ recall: { min: 0.95, probes: 20 } }).success).toBe(true);
    expect(parse({ recall: false }).success).toBe(true);
    expect(parse({ recall: { min: 1.01 } }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['verify.recall.min', 'must be at most 1 (a recall is a share)'],
    ]);
    expect(parse({ recall: { min: -1 } }).success).toBe(false);
    expect(parse({ recall: { probes: 0 } }).success).toBe(false);
    expect(parse({ recall: { nprobe: 8 } }).success).toBe(false);
  });

  it('the plan names the check, its probes and search params, and the threshold', () => {
    const { checks, skipped } = checksOf({ changes: { index_params: [hnsw] } });
    expect(recallFacts(checks, skipped, recallOptions({}))).toEqual([
      'recall check on embedding: the index changes (IVF_FLAT → HNSW); 50 probe rows searched in both, top 10 compared (search params { nprobe: 16 } / { ef: 64 }); below 0.9 the rebuild stops before the cut-over',
    ]);
    expect(recallFacts(checks, skipped, undefined)).toEqual(['recall check of the changed index turned off (verify.recall: false)']);
    const off = checksOf({ transform: 't.ts', changes: { index_params: [hnsw] } });
    expect(recallFacts(off.checks, off.skipped, recallOptions({}))).toEqual([
      'no recall check on embedding although its index changes: a transform may change the vectors or leave rows out: the old neighbours are not the new ones',
    ]);
    expect(recallFacts([], [], recallOptions({}))).toEqual([]);
  });
});
