/**
 * An index as params to build it: read from `describeIndex` ({@link indexSpecOf}) and turned into
 * the SDK's createIndex request ({@link indexRequest}). The createIndex and createCollection
 * steps, backups and schema reading all use these two.
 */
import { dbOf } from './names.js';

/** An index of a collection, as the `createIndex` step's params name it. */
export interface IndexRequestParams {
  readonly collection_name: string;
  readonly db_name?: string | undefined;
  readonly field_name: string;
  readonly index_name?: string | undefined;
  readonly index_type?: string | undefined;
  readonly metric_type?: string | undefined;
  /** Index build params, e.g. `{ nlist: 128 }`. */
  readonly params?: Record<string, string | number | boolean> | undefined;
}

/** The SDK request for an index spec (shared with createCollection's `index_params`). */
export function indexRequest(p: IndexRequestParams) {
  return {
    collection_name: p.collection_name,
    field_name: p.field_name,
    ...(p.index_name ? { index_name: p.index_name } : {}),
    ...(p.index_type ? { index_type: p.index_type } : {}),
    ...(p.metric_type ? { metric_type: p.metric_type } : {}),
    ...(p.params ? { params: p.params } : {}),
    ...dbOf(p),
  };
}

/**
 * An index as `describeIndex` lists it, as params to build it again: index_type, metric_type and
 * the build params, which Milvus (2.3) gives JSON-encoded under `params`.
 */
export function indexSpecOf(d: { index_name?: string; field_name: string; params: readonly { key: string; value: string | number }[] }) {
  const {
    index_type,
    metric_type,
    params: raw,
    ...rest
  } = Object.fromEntries(d.params.map((x) => [x.key, x.value])) as Record<string, string>;
  const params = raw ? (JSON.parse(raw) as Record<string, string | number>) : rest;
  return {
    field_name: d.field_name,
    ...(d.index_name ? { index_name: d.index_name } : {}),
    ...(index_type ? { index_type } : {}),
    ...(metric_type ? { metric_type } : {}),
    ...(Object.keys(params).length ? { params } : {}),
  };
}
