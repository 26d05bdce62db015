import { DEFAULT_BATCH_SIZE } from '../steps/data/rows.js';
import { maxPartitions } from '../steps/expect.js';
import { finding, type Analyzer, type Finding, type Rule } from './types.js';
import { collectionFromParams } from '../steps/collections/createCollection.js';
import { replay, type KnownField } from './world.js';

export const LOAD_WITHOUT_INDEX: Rule = { code: 'MM301', severity: 'error', title: 'load of a collection whose vector field has no index' };
export const BATCH_OVER_REQUEST_LIMIT: Rule = {
  code: 'MM302',
  severity: 'warning',
  title: "batch larger than Milvus' 64 MB request limit",
};

export const PARTITIONS_NEAR_LIMIT: Rule = {
  code: 'MM303',
  severity: 'warning',
  title: 'collection near (or over) the per-collection partition limit',
};

/**
 * The partition limit lint counts against: Milvus' default `rootCoord.maxPartitionNum` of 2.5 and
 * newer (1024). 2.3 allows 4096 by default, but a migration should fit every server it may meet,
 * and the files say nothing of which one that is.
 */
export const LINT_MAX_PARTITIONS = maxPartitions('2.5.0');
/** The share of the limit from which a collection counts as near it. */
export const NEAR_LIMIT_SHARE = 0.9;

/** Milvus' default limit on one request it receives (`proxy.grpc.serverMaxRecvSize`, 64 MB). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

const VECTOR_TYPES = ['FloatVector', 'Float16Vector', 'BFloat16Vector', 'BinaryVector', 'SparseFloatVector', 'Int8Vector'];
const FIXED_BYTES: Readonly<Record<string, number>> = { Bool: 1, Int8: 1, Int16: 2, Int32: 4, Int64: 8, Float: 4, Double: 8 };

/**
 * The most bytes one row can take, from the declared sizes: `max_length` of strings, `dim` of
 * vectors, `max_capacity` of arrays. JSON and sparse vectors have no declared size and count 0,
 * so this is a lower bound of the worst case.
 */
export function rowWidth(fields: readonly KnownField[]): number {
  return fields.reduce((sum, f) => sum + fieldWidth(f), 0);
}

function fieldWidth(f: KnownField, type = f.data_type): number {
  const dim = f.dim ?? 0;
  switch (type) {
    case 'VarChar':
      return f.max_length ?? 0;
    case 'FloatVector':
      return dim * 4;
    case 'Float16Vector':
    case 'BFloat16Vector':
      return dim * 2;
    case 'BinaryVector':
      return Math.ceil(dim / 8);
    case 'Int8Vector':
      return dim;
    case 'Array':
      return (f.max_capacity ?? 0) * (f.element_type ? fieldWidth(f, f.element_type) : 0);
    default:
      return FIXED_BYTES[type] ?? 0;
  }
}

const BATCHED_STEPS = ['insert', 'upsert', 'copyRows', 'rebuildCollection'];

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Loads that Milvus refuses, batches it cannot take in one request, partitions over its limit. */
export const data: Analyzer = {
  rules: [LOAD_WITHOUT_INDEX, BATCH_OVER_REQUEST_LIMIT, PARTITIONS_NEAR_LIMIT],
  analyze(ctx) {
    const max = ctx.maxPartitions ?? LINT_MAX_PARTITIONS;
    const near = Math.ceil(max * NEAR_LIMIT_SHARE);
    /** What was reported of a collection (by key), so each level is reported once, at the step that crossed it. */
    const reported = new Map<string, 'near' | 'over'>();
    return replay<Finding>(ctx, function* (s, m, world) {
      const p = s.params as Record<string, unknown>;
      if (s.step === 'createCollection' || s.step === 'createPartition') {
        const key = world.resolve(p);
        // replay visits a step before its effect: count what there will be after it.
        let count: number;
        if (s.step === 'createCollection') {
          count = collectionFromParams(s.params as never).partitions.length;
          reported.delete(key);
        } else {
          const parts = world.partitionsOf(p);
          count = parts.size + (parts.has(p.partition_name as string) ? 0 : 1);
        }
        const level = count > max ? 'over' : count >= near ? 'near' : undefined;
        if (level && reported.get(key) !== level && reported.get(key) !== 'over') {
          reported.set(key, level);
          const atLeast = world.collection(p) || s.step === 'createCollection' ? '' : ' (at least: those these migrations create)';
          const limit = level === 'over' ? `Milvus refuses more than ${max} by default` : `Milvus allows ${max} per collection by default`;
          yield finding(
            PARTITIONS_NEAR_LIMIT,
            m,
            s.line,
            `${String(p.collection_name)} has ${count} partitions after this step${atLeast}; ${limit} (rootCoord.maxPartitionNum): ` +
              'consider a partition key field instead of a partition per value',
          );
        }
      }
      const c = world.collection(p);
      if (!c) return;
      if (s.step === 'loadCollection' || s.step === 'loadPartitions') {
        const bare = c.fields.filter((f) => VECTOR_TYPES.includes(f.data_type) && !c.indexed.has(f.name)).map((f) => f.name);
        if (bare.length) {
          const what = `vector field${bare.length === 1 ? '' : 's'} ${bare.join(', ')}`;
          yield finding(
            LOAD_WITHOUT_INDEX,
            m,
            s.line,
            `${String(p.collection_name)} has no index on ${what}: Milvus refuses to load it (createIndex first)`,
          );
        }
      }
      if (BATCHED_STEPS.includes(s.step)) {
        const batch = typeof p.batch_size === 'number' ? p.batch_size : DEFAULT_BATCH_SIZE;
        const width = rowWidth(c.fields);
        if (batch * width > MAX_REQUEST_BYTES) {
          const rows = Math.max(1, Math.floor(MAX_REQUEST_BYTES / width));
          yield finding(
            BATCH_OVER_REQUEST_LIMIT,
            m,
            s.line,
            `${batch} rows of up to ${width} bytes is ${mb(batch * width)}, over Milvus' 64 MB per request: use batch_size: ${rows} or less`,
          );
        }
      }
    });
  },
};
