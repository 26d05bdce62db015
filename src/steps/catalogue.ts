import { createCollection } from './collections/createCollection.js';
import { dropCollection } from './collections/dropCollection.js';
import { loadCollection } from './collections/loadCollection.js';
import { releaseCollection } from './collections/releaseCollection.js';
import { renameCollection } from './collections/renameCollection.js';
import { alterCollectionProperties } from './collections/alterCollectionProperties.js';
import { dropCollectionProperties } from './collections/dropCollectionProperties.js';
import { addCollectionField } from './collections/addCollectionField.js';
import { alterCollectionFieldProperties } from './collections/alterCollectionFieldProperties.js';
import { dropCollectionField } from './collections/dropCollectionField.js';
import { rebuildCollection } from './collections/rebuildCollection.js';
import { createAlias } from './aliases/createAlias.js';
import { alterAlias } from './aliases/alterAlias.js';
import { dropAlias } from './aliases/dropAlias.js';
import { createDatabase } from './databases/createDatabase.js';
import { dropDatabase } from './databases/dropDatabase.js';
import { flush } from './data/flush.js';
import { createIndex } from './indexes/createIndex.js';
import { dropIndex } from './indexes/dropIndex.js';
import { createPartition } from './partitions/createPartition.js';
import { dropPartition } from './partitions/dropPartition.js';
import { loadPartitions } from './partitions/loadPartitions.js';
import { releasePartitions } from './partitions/releasePartitions.js';
import { deleteRows } from './data/delete.js';
import { insert } from './data/insert.js';
import { upsert } from './data/upsert.js';
import { copyRows } from './data/copyRows.js';
import { exec } from './data/exec.js';
import { restoreBackup } from './backups/restoreBackup.js';
import type * as z from 'zod';
import type { StepDefinition } from './types.js';

/**
 * Every step a migration can use, in catalogue order. Adding a step = one file + one line here.
 * A tuple, not a map, so each step's name and params schema keep their types (see {@link Steps}).
 */
export const STEP_DEFINITIONS = [
  createCollection,
  dropCollection,
  loadCollection,
  releaseCollection,
  renameCollection,
  alterCollectionProperties,
  dropCollectionProperties,
  addCollectionField,
  alterCollectionFieldProperties,
  dropCollectionField,
  rebuildCollection,
  createAlias,
  alterAlias,
  dropAlias,
  createDatabase,
  dropDatabase,
  flush,
  createIndex,
  dropIndex,
  createPartition,
  dropPartition,
  loadPartitions,
  releasePartitions,
  insert,
  upsert,
  deleteRows,
  copyRows,
  exec,
  restoreBackup,
] as const;

/** The name of a step of the catalogue: `'dropPartition'`, `'delete'`, ... */
export type StepName = (typeof STEP_DEFINITIONS)[number]['name'];

/** The definition of the step named `K`. */
export type StepOf<K extends StepName> = Extract<(typeof STEP_DEFINITIONS)[number], { readonly name: K }>;

/** The params a code migration passes to the step named `K` (its schema's input). */
export type StepInput<K extends StepName> = z.input<StepOf<K>['params']>;

/**
 * The `steps` of a code migration: one function per step of the catalogue, its params checked
 * against the step's schema at compile time (and validated again at run time, for `.js` files).
 */
export type Steps = { readonly [K in StepName]: (params: StepInput<K>) => Promise<void> };

/** Every step a migration can use, by name. */
export const STEPS: ReadonlyMap<string, StepDefinition> = new Map(
  // Each definition is typed for its own params; the map serves callers that hold a name from a file.
  STEP_DEFINITIONS.map((s) => [s.name, s as unknown as StepDefinition]),
);

/** The names of {@link STEPS}, in catalogue order (used in "allowed steps" messages). */
export const STEP_NAMES: readonly string[] = [...STEPS.keys()];
