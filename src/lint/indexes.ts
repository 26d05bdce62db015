import { finding, type Analyzer, type Finding, type LintedMigration, type Rule } from './types.js';
import { replay, type KnownCollection } from './world.js';

export const SPARSE_METRIC: Rule = { code: 'MM201', severity: 'error', title: 'sparse vector index with a metric other than IP or BM25' };
export const BINARY_METRIC: Rule = {
  code: 'MM202',
  severity: 'error',
  title: 'binary vector index with a metric other than HAMMING or JACCARD',
};
export const DENSE_METRIC: Rule = {
  code: 'MM203',
  severity: 'error',
  title: 'float vector index with a metric other than L2, IP or COSINE',
};
export const INDEX_TYPE_FOR_FIELD: Rule = { code: 'MM204', severity: 'error', title: "index type the field's data type does not take" };
export const INDEX_ON_UNKNOWN_FIELD: Rule = { code: 'MM205', severity: 'error', title: 'index on a field the collection does not have' };

const FLOAT_INDEXES = [
  'FLAT',
  'IVF_FLAT',
  'IVF_SQ8',
  'IVF_PQ',
  'IVF_RABITQ',
  'HNSW',
  'HNSW_SQ',
  'HNSW_PQ',
  'HNSW_PRQ',
  'DISKANN',
  'SCANN',
  'GPU_CAGRA',
  'GPU_IVF_FLAT',
  'GPU_IVF_PQ',
  'GPU_BRUTE_FORCE',
];
const INT_SCALAR = ['INVERTED', 'STL_SORT', 'BITMAP'];

/**
 * Index types each data type takes (AUTOINDEX aside, which every type takes), after Milvus'
 * index documentation (2.3 to 2.6). Upper case: Milvus compares them so.
 */
export const INDEX_TYPES_BY_DATA_TYPE: Readonly<Record<string, readonly string[]>> = {
  FloatVector: FLOAT_INDEXES,
  Float16Vector: FLOAT_INDEXES,
  BFloat16Vector: FLOAT_INDEXES,
  Int8Vector: ['HNSW'],
  BinaryVector: ['BIN_FLAT', 'BIN_IVF_FLAT', 'MINHASH_LSH'],
  SparseFloatVector: ['SPARSE_INVERTED_INDEX', 'SPARSE_WAND'],
  Bool: ['INVERTED', 'BITMAP'],
  Int8: INT_SCALAR,
  Int16: INT_SCALAR,
  Int32: INT_SCALAR,
  Int64: INT_SCALAR,
  Float: ['INVERTED', 'STL_SORT'],
  Double: ['INVERTED', 'STL_SORT'],
  VarChar: ['INVERTED', 'TRIE', 'BITMAP', 'NGRAM'],
  JSON: ['INVERTED'],
  Array: ['INVERTED', 'BITMAP'],
};

/** Metrics each vector family takes, and the rule broken by another. */
const METRICS: readonly { types: readonly string[]; metrics: readonly string[]; rule: Rule }[] = [
  { types: ['SparseFloatVector'], metrics: ['IP', 'BM25'], rule: SPARSE_METRIC },
  // SUBSTRUCTURE/SUPERSTRUCTURE (BIN_FLAT) and MHJACCARD (MINHASH_LSH) are binary metrics too.
  { types: ['BinaryVector'], metrics: ['HAMMING', 'JACCARD', 'SUBSTRUCTURE', 'SUPERSTRUCTURE', 'MHJACCARD'], rule: BINARY_METRIC },
  { types: ['FloatVector', 'Float16Vector', 'BFloat16Vector', 'Int8Vector'], metrics: ['L2', 'IP', 'COSINE'], rule: DENSE_METRIC },
];

interface IndexSpec {
  field_name: string;
  index_type?: string | undefined;
  metric_type?: string | undefined;
}

function* checkIndex(spec: IndexSpec, c: KnownCollection, collection: string, m: LintedMigration, line: number): Generator<Finding> {
  const field = c.fields.find((f) => f.name === spec.field_name);
  if (!field) {
    const names = c.fields.map((f) => f.name).join(', ');
    yield finding(INDEX_ON_UNKNOWN_FIELD, m, line, `${collection} has no field ${spec.field_name} (its fields: ${names})`);
    return;
  }
  const type = spec.index_type?.toUpperCase();
  const allowed = INDEX_TYPES_BY_DATA_TYPE[field.data_type];
  if (type && type !== 'AUTOINDEX' && allowed && !allowed.includes(type)) {
    yield finding(
      INDEX_TYPE_FOR_FIELD,
      m,
      line,
      `${spec.index_type!} cannot index ${field.name} (${field.data_type}); it takes: AUTOINDEX, ${allowed.join(', ')}`,
    );
  }
  const metric = spec.metric_type?.toUpperCase();
  const family = METRICS.find((f) => f.types.includes(field.data_type));
  if (metric && family && !family.metrics.includes(metric)) {
    yield finding(
      family.rule,
      m,
      line,
      `metric ${spec.metric_type!} does not apply to ${field.name} (${field.data_type}); use ${family.metrics.join(' or ')}`,
    );
  }
}

/** Index types and metrics against the data types of the fields they index. */
export const indexes: Analyzer = {
  rules: [SPARSE_METRIC, BINARY_METRIC, DENSE_METRIC, INDEX_TYPE_FOR_FIELD, INDEX_ON_UNKNOWN_FIELD],
  analyze(ctx) {
    return replay<Finding>(ctx, function* (s, m, world) {
      const p = s.params as Record<string, unknown>;
      const name = String(p.collection_name);
      if (s.step === 'createIndex') {
        const c = world.collection(p);
        if (c) yield* checkIndex(p as unknown as IndexSpec, c, name, m, s.line);
      } else if (s.step === 'createCollection') {
        const c: KnownCollection = { fields: p.fields as KnownCollection['fields'], indexed: new Set(), createdBy: m.name };
        const specs = (p.index_params as IndexSpec[] | undefined) ?? [];
        for (const [i, spec] of specs.entries())
          for (const f of checkIndex(spec, c, name, m, s.indexLines?.[i] ?? s.line)) yield { ...f, stepLine: s.line };
      }
    });
  },
};
