/**
 * What the steps' `expect` checks share: what must exist at the point of the plan where a step
 * runs, said with what the database will hold then, and the server's limits.
 */
import type { CollectionSchema } from '../schema/model.js';
import { atLeast } from '../milvus/version.js';
import {
  collectionOf,
  databaseOf,
  dbNameOf,
  fieldList,
  fieldOf,
  label,
  usesPartitionKey,
  type ModelTarget,
  type SchemaModel,
} from '../schema/plan-model.js';

/** Milvus' default `proxy.maxDimension` (2.3 and newer): the largest vector dim. */
export const MAX_DIM = 32_768;
/** Milvus' default `proxy.maxFieldNum` (2.3 and newer): fields per collection. */
export const MAX_FIELDS = 64;

/**
 * Milvus' default `rootCoord.maxPartitionNum`: 4096 on 2.3 (the config of Embedded Milvus 2.3.5),
 * 1024 since milvus-io/milvus#33949 (June 2024, in 2.4 patch releases; counted from 2.5 here so an
 * older 2.4 is not refused what it allows).
 */
export function maxPartitions(serverVersion: string | undefined): number {
  return serverVersion && atLeast(serverVersion, '2.5.0') ? 1024 : 4096;
}

/** Names listed in a "the database holds" message before "and N more". */
const LISTED = 10;

function list(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

/** The collection a step needs, or the problem: it (or its database) will not exist when the step runs. */
export function needCollection(
  model: SchemaModel,
  t: ModelTarget,
  what = 'collection',
): { collection: CollectionSchema | undefined; problems: string[] } {
  const c = collectionOf(model, t);
  if (c) return { collection: c, problems: [] };
  if (model.uncertain) return { collection: undefined, problems: [] };
  const db = databaseOf(model, t.db_name);
  if (!db) return { collection: undefined, problems: [`database ${dbNameOf(model, t.db_name)} does not exist at this point of the plan`] };
  const name = label(model, t);
  if (db.others.has(t.collection_name)) return { collection: undefined, problems: [] };
  const names = [...Object.keys(db.collections), ...db.others].sort();
  return {
    collection: undefined,
    problems: [`${what} ${name} does not exist at this point of the plan (database ${dbNameOf(model, t.db_name)} holds: ${list(names)})`],
  };
}

/** Problems an `if_exists: true` would skip, ending with the hint the step's run-time error gives. */
export function skippable(problems: readonly string[], what: string): string[] {
  return problems.map((m) => `${m}; use if_exists: true to skip a missing ${what}`);
}

/** Problems when a field is missing from a collection. */
export function needField(model: SchemaModel, t: ModelTarget, c: CollectionSchema, field: string): string[] {
  if (fieldOf(c, field)) return [];
  return [`collection ${label(model, t)} has no field ${field} (fields: ${fieldList(c)})`];
}

/** Problems when a partition is missing from a collection. */
export function needPartition(model: SchemaModel, t: ModelTarget, c: CollectionSchema, partition: string): string[] {
  if (c.partitions.includes(partition)) return [];
  return [`collection ${label(model, t)} has no partition ${partition} (partitions: ${list(c.partitions)})`];
}

/** Milvus manages the partitions of a partition-key collection: `what` is refused in it. */
export function partitionKeyProblem(model: SchemaModel, t: ModelTarget, c: CollectionSchema, refusal: string): string[] {
  return usesPartitionKey(c) ? [`collection ${label(model, t)} uses a partition key: ${refusal}`] : [];
}

/** `expect` of a step that needs its collection to exist, and nothing more. */
export function collectionMustExist(ctx: { model: SchemaModel }, p: ModelTarget): readonly string[] {
  return needCollection(ctx.model, p).problems;
}

/** The collection a step changes, when the model has it (effects change only what they know). */
export function known(model: SchemaModel, t: ModelTarget): CollectionSchema | undefined {
  return collectionOf(model, t);
}
