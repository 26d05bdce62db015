import { describe, expect, it } from 'vitest';
import {
  ProbePicker,
  defaultSearchParams,
  describeRecall,
  measureRecall,
  overlap,
  recallFailure,
  recallOf,
  smallerIsCloser,
  type Hit,
} from '../../../src/copy/recall.js';
import type { Milvus } from '../../../src/milvus/client.js';

const hits = (...pairs: [string, number][]): Hit[] => pairs.map(([id, score]) => ({ id, score }));

describe('overlap', () => {
  it('is the share of the old top k the new one holds', () => {
    const old = hits(['a', 0.1], ['b', 0.2], ['c', 0.3], ['d', 0.4]);
    expect(overlap(old, hits(['a', 0.1], ['b', 0.2], ['c', 0.3], ['d', 0.4]), 4, true)).toBe(1);
    expect(overlap(old, hits(['a', 0.1], ['x', 0.5], ['c', 0.3], ['y', 0.6]), 4, true)).toBe(0.5);
    expect(overlap(old, hits(['x', 0.5], ['y', 0.6]), 4, true)).toBe(0);
    expect(overlap(old, [], 4, true)).toBe(0);
  });

  it('counts a neighbour the old index did not return when it is as close as the old k-th (ties, or one the old index missed)', () => {
    const old = hits(['a', 0.1], ['b', 0.4]);
    // L2: a smaller distance is closer; x ties b, y is closer than b.
    expect(overlap(old, hits(['a', 0.1], ['x', 0.4]), 2, true)).toBe(1);
    expect(overlap(old, hits(['y', 0.05], ['a', 0.1]), 2, true)).toBe(1);
    expect(overlap(old, hits(['a', 0.1], ['z', 0.41]), 2, true)).toBe(0.5);
    // IP / COSINE: a larger score is closer.
    const ip = hits(['a', 0.9], ['b', 0.6]);
    expect(overlap(ip, hits(['a', 0.9], ['x', 0.6]), 2, false)).toBe(1);
    expect(overlap(ip, hits(['a', 0.9], ['z', 0.59]), 2, false)).toBe(0.5);
  });

  it('compares only the top k, over what the old one found', () => {
    const old = hits(['a', 1], ['b', 2], ['c', 3]);
    expect(overlap(old, hits(['a', 1], ['b', 2], ['x', 9]), 2, true)).toBe(1);
    expect(overlap(hits(['a', 1]), hits(['a', 1], ['b', 2]), 5, true)).toBe(1);
    expect(overlap([], hits(['a', 1]), 5, true)).toBeUndefined();
  });

  it('knows which metrics are distances', () => {
    expect([undefined, 'L2', 'HAMMING', 'JACCARD', 'IP', 'COSINE', 'cosine'].map(smallerIsCloser)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('recallOf', () => {
  it('is the mean and the lowest share; probes without neighbours are not counted', () => {
    expect(recallOf([1, 0.5, undefined, 0.75])).toEqual({ probes: 3, recall: 0.75, lowest: 0.5 });
    expect(recallOf([undefined])).toBeUndefined();
  });
});

describe('defaultSearchParams', () => {
  it('gives each index type params that find the top k', () => {
    expect(defaultSearchParams({ index_type: 'FLAT' }, 10)).toEqual({});
    expect(defaultSearchParams({ index_type: 'IVF_FLAT', params: { nlist: 128 } }, 10)).toEqual({ nprobe: 16 });
    expect(defaultSearchParams({ index_type: 'IVF_SQ8', params: { nlist: 4 } }, 10)).toEqual({ nprobe: 4 });
    expect(defaultSearchParams({ index_type: 'HNSW', params: { M: 16 } }, 10)).toEqual({ ef: 64 });
    expect(defaultSearchParams({ index_type: 'HNSW' }, 200)).toEqual({ ef: 200 });
    expect(defaultSearchParams({ index_type: 'DISKANN' }, 10)).toEqual({ search_list: 100 });
    expect(defaultSearchParams({}, 10)).toEqual({});
  });
});

describe('ProbePicker', () => {
  it('keeps every n-th row of those streamed, at most the count, with only the key and the fields', () => {
    const picker = new ProbePicker(3, ['v'], 'id');
    for (let i = 0; i < 10; i++) picker.offer({ id: i, v: [i], other: 'x' }, 10);
    expect(picker.rows).toEqual([
      { id: 0, v: [0] },
      { id: 3, v: [3] },
      { id: 6, v: [6] },
    ]);
    const all = new ProbePicker(50, ['v'], 'id');
    for (let i = 0; i < 4; i++) all.offer({ id: i, v: [i] }, 4);
    expect(all.rows.map((r) => r.id)).toEqual([0, 1, 2, 3]);
  });
});

/** A client answering searches from a table: collection → probe vector's first number → hits (the key as the output field `id`). */
function searching(answers: Record<string, (x: number) => { id: string; score: number }[]>) {
  const requests: Record<string, unknown>[] = [];
  const milvus = {
    call: async (method: string, req: Record<string, unknown>) => {
      if (method !== 'search') throw new Error(`unexpected ${method}`);
      requests.push(req);
      const data = req.data as number[][];
      const per = data.map((v) => answers[req.collection_name as string]!(v[0]!));
      return { status: { error_code: 'Success' }, results: data.length === 1 ? per[0] : per };
    },
  } as unknown as Milvus;
  return { milvus, requests };
}

const side = (collection_name: string, index_type: string, params?: Record<string, number>) => ({
  collection_name,
  field: 'v',
  pk: 'id',
  index: { index_type, metric_type: 'L2', ...(params ? { params } : {}) },
});

describe('measureRecall', () => {
  const probes = [1, 2, 3, 4].map((i) => ({ id: i, v: [i, 0] }));
  // The old index returns the probe itself, then i+1, i+2; the new one misses i+2 for even probes.
  const oldHits = (i: number) => [0, 1, 2].map((d) => ({ id: String(i + d), score: d }));
  const newHits = (i: number) => [0, 1, i % 2 ? 2 : 9].map((d) => ({ id: String(i + d), score: d }));

  it('leaves the probe itself out, averages the shares and searches each side with its own params', async () => {
    const { milvus, requests } = searching({ old: oldHits, new: newHits });
    const figure = await measureRecall({
      milvus,
      old: side('old', 'IVF_FLAT', { nlist: 8 }),
      new: { ...side('new', 'HNSW'), params: { ef: 32 } },
      probes,
      topK: 2,
      min: 0.9,
    });
    expect(figure).toEqual({
      field: 'v',
      ok: false,
      probes: 4,
      top_k: 2,
      recall: 0.75,
      lowest: 0.5,
      min: 0.9,
      old_index: 'IVF_FLAT',
      new_index: 'HNSW',
      old_search_params: { nprobe: 8 },
      new_search_params: { ef: 32 },
    });
    expect(requests.map((r) => [r.collection_name, r.limit, r.params, r.metric_type, r.anns_field, r.output_fields])).toEqual([
      ['old', 3, { nprobe: 8 }, 'L2', 'v', ['id']],
      ['new', 3, { ef: 32 }, 'L2', 'v', ['id']],
    ]);
    expect(recallFailure(figure)).toBe(
      'recall of the new index on v is 0.75, below the minimum 0.9 (IVF_FLAT → HNSW, 4 probes, top 2; lowest probe 0.5; set verify.recall.min or search_params to accept it)',
    );
    expect(describeRecall(figure)).toBe('recall of the new index on v 0.75 (IVF_FLAT → HNSW, 4 probes, top 2; min 0.9)');
  });

  it('passes at or above the minimum; a single probe (the SDK flattens its answer) works the same', async () => {
    const { milvus } = searching({ old: oldHits, new: oldHits });
    const figure = await measureRecall({
      milvus,
      old: side('old', 'FLAT'),
      new: side('new', 'HNSW'),
      probes: probes.slice(0, 1),
      topK: 2,
      min: 1,
    });
    expect(figure).toMatchObject({ ok: true, probes: 1, recall: 1, lowest: 1 });
    expect(recallFailure(figure)).toBeUndefined();
  });

  it('without probes (an empty collection), says why nothing was measured', async () => {
    const { milvus, requests } = searching({});
    const figure = await measureRecall({
      milvus,
      old: side('old', 'FLAT'),
      new: side('new', 'HNSW'),
      probes: [],
      topK: 2,
      min: 1,
    });
    expect(figure).toEqual({ field: 'v', skipped: 'the collection has no rows to draw probes from' });
    expect(requests).toEqual([]);
    expect(describeRecall(figure)).toBe('recall on v not measured: the collection has no rows to draw probes from');
  });
});
