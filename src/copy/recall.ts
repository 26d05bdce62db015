/**
 * Recall of a new index against the old one, for a rebuild that changes an index: probe vectors
 * drawn from the data (every n-th row in primary-key order, so the same rows in every run) are
 * searched in the old collection and in the new one, each with its own index's search params,
 * and the new top-k is compared with the old. Reads only; a low figure is reported, not thrown.
 */
import type { Milvus } from '../milvus/client.js';
import type { Row } from '../milvus/reads/shape.js';

type Target = { collection_name: string; db_name?: string | undefined };
type SearchParams = Readonly<Record<string, string | number | boolean>>;

/** Probe rows searched per field, unless `probes` says otherwise. */
export const DEFAULT_RECALL_PROBES = 50;
/** Neighbours compared per probe, unless `top_k` says otherwise. */
export const DEFAULT_RECALL_TOP_K = 10;
/** The lowest recall that passes, unless `min` says otherwise. */
export const DEFAULT_RECALL_MIN = 0.9;
/** Probes sent in one search request. */
const PROBES_PER_SEARCH = 100;

/** An index as the recall check searches it. */
export interface SearchedIndex {
  readonly index_type?: string | undefined;
  readonly metric_type?: string | undefined;
  readonly params?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** The recall figure of one vector field, or why it was not measured. */
export type RecallFigure =
  | {
      readonly field: string;
      readonly ok: boolean;
      /** Probe vectors searched (rows of the old collection, every n-th in primary-key order). */
      readonly probes: number;
      readonly top_k: number;
      /** Mean over the probes of the share of the old top-k found by the new index (ties counted). */
      readonly recall: number;
      /** The probe with the lowest share. */
      readonly lowest: number;
      /** The threshold: below it the verification fails. */
      readonly min: number;
      readonly old_index: string;
      readonly new_index: string;
      readonly old_search_params: SearchParams;
      readonly new_search_params: SearchParams;
    }
  | { readonly field: string; readonly skipped: string };

/** A search hit: the row's key and its score (a distance for L2, HAMMING, JACCARD; a similarity otherwise). */
export interface Hit {
  readonly id: string;
  readonly score: number;
}

/** Whether a smaller score is a closer neighbour for this metric. */
export function smallerIsCloser(metric: string | undefined): boolean {
  return !/^(IP|COSINE|BM25)$/i.test(metric ?? 'L2');
}

/**
 * The share of `old`'s top k that `found` (the new index's top k) holds. A neighbour the old index
 * did not return counts when it is at least as close as the old k-th (ties, or a neighbour the old
 * approximate index missed): the new index is then no worse. `undefined` when the old found none.
 */
export function overlap(old: readonly Hit[], found: readonly Hit[], k: number, smallerCloser: boolean): number | undefined {
  const top = old.slice(0, k);
  if (!top.length) return undefined;
  const ids = new Set(top.map((h) => h.id));
  const worst = top[top.length - 1]!.score;
  const eps = 1e-6 * Math.max(1, Math.abs(worst));
  const asClose = (s: number) => (smallerCloser ? s <= worst + eps : s >= worst - eps);
  const hits = found.slice(0, k).filter((h) => ids.has(h.id) || asClose(h.score)).length;
  return Math.min(hits, top.length) / top.length;
}

/** Mean and lowest share over the probes (probes without neighbours are not counted). */
export function recallOf(shares: readonly (number | undefined)[]): { probes: number; recall: number; lowest: number } | undefined {
  const s = shares.filter((x): x is number => x !== undefined);
  if (!s.length) return undefined;
  return { probes: s.length, recall: s.reduce((a, b) => a + b, 0) / s.length, lowest: Math.min(...s) };
}

/**
 * Search params an application would plausibly use with this index, when none are given: enough
 * to find the top k (HNSW's `ef`, DiskANN's `search_list` at least k), a usual `nprobe` for IVF
 * indexes (16, at most `nlist`); none for exact (FLAT) and automatic indexes.
 */
export function defaultSearchParams(index: SearchedIndex, k: number): Record<string, number> {
  const type = (index.index_type ?? 'AUTOINDEX').toUpperCase();
  const nlist = Number(index.params?.nlist ?? 128);
  if (type.includes('IVF') || type === 'SCANN') return { nprobe: Math.max(1, Math.min(16, nlist)) };
  if (type === 'HNSW') return { ef: Math.max(64, k) };
  if (type === 'DISKANN') return { search_list: Math.max(100, k) };
  if (type.startsWith('SPARSE')) return { drop_ratio_search: 0 };
  return {};
}

/** Picks every n-th of `total` rows (as they stream in primary-key order), at most `count`: the probes. */
export class ProbePicker {
  readonly #rows: Row[] = [];
  #seen = 0;
  constructor(
    readonly count: number,
    readonly fields: readonly string[],
    readonly pk: string,
  ) {}
  /** Offers the next row; `total` is how many rows stream in all. */
  offer(row: Row, total: number): void {
    const stride = Math.max(1, Math.floor(total / this.count));
    if (this.#seen++ % stride === 0 && this.#rows.length < this.count) {
      this.#rows.push(Object.fromEntries([this.pk, ...this.fields].map((f) => [f, row[f]])));
    }
  }
  get rows(): readonly Row[] {
    return this.#rows;
  }
}

/** One side of the comparison: the collection, its vector field and index, the search params given. */
export type SearchSide = Target & {
  readonly field: string;
  /** The primary key's name: hits are told apart by it. */
  readonly pk: string;
  readonly index: SearchedIndex;
  readonly params?: SearchParams | undefined;
  /** Rows the search considers (the verification's filter, while writers are at work). */
  readonly filter?: string | undefined;
};

/** What one field's measure needs: where to search, with which index, and the probes. */
export interface RecallMeasure {
  readonly milvus: Milvus;
  readonly old: SearchSide;
  readonly new: SearchSide;
  /** Probe rows of the old collection: their key (left out of both results) and vector. */
  readonly probes: readonly Row[];
  readonly topK: number;
  readonly min: number;
}

/** Searches both collections with the probes and compares the top k; `field` names the new field. */
export async function measureRecall(m: RecallMeasure): Promise<RecallFigure> {
  const field = m.new.field;
  if (!m.probes.length) return { field, skipped: 'the collection has no rows to draw probes from' };
  const oldParams = { ...defaultSearchParams(m.old.index, m.topK), ...(m.old.params ?? {}) };
  const newParams = { ...defaultSearchParams(m.new.index, m.topK), ...(m.new.params ?? {}) };
  const smaller = smallerIsCloser(m.old.index.metric_type);
  const shares: (number | undefined)[] = [];
  for (let i = 0; i < m.probes.length; i += PROBES_PER_SEARCH) {
    const batch = m.probes.slice(i, i + PROBES_PER_SEARCH);
    const vectors = batch.map((p) => p[m.old.field]);
    const [before, after] = await Promise.all([
      search(m.milvus, m.old, vectors, oldParams, m.topK),
      search(m.milvus, m.new, vectors, newParams, m.topK),
    ]);
    for (const [j, probe] of batch.entries()) {
      // The probe's own row is found by any index: left out of both, it would only raise the figure.
      const self = String(probe[m.old.pk]);
      const strip = (hits: readonly Hit[]) => hits.filter((h) => h.id !== self).slice(0, m.topK);
      shares.push(overlap(strip(before[j] ?? []), strip(after[j] ?? []), m.topK, smaller));
    }
  }
  const figure = recallOf(shares);
  if (!figure) return { field, skipped: 'the old index found no neighbours for any probe' };
  return {
    field,
    ok: figure.recall >= m.min,
    probes: figure.probes,
    top_k: m.topK,
    recall: round(figure.recall),
    lowest: round(figure.lowest),
    min: m.min,
    old_index: m.old.index.index_type ?? 'AUTOINDEX',
    new_index: m.new.index.index_type ?? 'AUTOINDEX',
    old_search_params: oldParams,
    new_search_params: newParams,
  };
}

/** A figure in words: `recall of the new index on embedding 0.98 (50 probes, top 10; min 0.9)`. */
export function describeRecall(r: RecallFigure): string {
  if ('skipped' in r) return `recall on ${r.field} not measured: ${r.skipped}`;
  return `recall of the new index on ${r.field} ${r.recall} (${r.old_index} → ${r.new_index}, ${r.probes} probes, top ${r.top_k}; min ${r.min})`;
}

/** A figure under its threshold, in words, for the failure message; `undefined` when it passes or was not measured. */
export function recallFailure(r: RecallFigure): string | undefined {
  if ('skipped' in r || r.ok) return undefined;
  return (
    `recall of the new index on ${r.field} is ${r.recall}, below the minimum ${r.min} ` +
    `(${r.old_index} → ${r.new_index}, ${r.probes} probes, top ${r.top_k}; lowest probe ${r.lowest}; set verify.recall.min or search_params to accept it)`
  );
}

/** Four decimals: the figure is read, not computed with. */
function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** The top k+1 of each probe vector (one more: the probe's own row is left out after). */
async function search(milvus: Milvus, t: SearchSide, vectors: readonly unknown[], params: SearchParams, k: number): Promise<Hit[][]> {
  const res = await milvus.call('search', {
    collection_name: t.collection_name,
    ...(t.db_name ? { db_name: t.db_name } : {}),
    anns_field: t.field,
    data: vectors,
    limit: k + 1,
    params,
    ...(t.index.metric_type ? { metric_type: t.index.metric_type } : {}),
    ...(t.filter ? { filter: t.filter } : {}),
    // The SDK gives a hit's key only as an output field.
    output_fields: [t.pk],
    // Every row copied is there to be found: the shadow was flushed, the old one is read as it is now.
    consistency_level: 'Strong',
  } as never);
  type Raw = Row & { score: number };
  const results = res.results as unknown as (Raw[] | Raw)[];
  // The SDK flattens the answer of a single probe.
  const perProbe = (vectors.length === 1 && results.length && !Array.isArray(results[0]) ? [results] : results) as Raw[][];
  return perProbe.map((hits) => (hits ?? []).map((h) => ({ id: String(h[t.pk]), score: h.score })));
}
