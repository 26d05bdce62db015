import { createCollection } from './collections/createCollection.js';
import { dropCollection } from './collections/dropCollection.js';
import { loadCollection } from './collections/loadCollection.js';
import { releaseCollection } from './collections/releaseCollection.js';
import { createIndex } from './indexes/createIndex.js';
import { dropIndex } from './indexes/dropIndex.js';
import { createPartition } from './partitions/createPartition.js';
import { dropPartition } from './partitions/dropPartition.js';
import { loadPartitions } from './partitions/loadPartitions.js';
import { releasePartitions } from './partitions/releasePartitions.js';
import { deleteRows } from './data/delete.js';
import { insert } from './data/insert.js';
import type { StepDefinition } from './types.js';

/** Every step a migration can use, by name. Adding a step = one file + one line here. */
export const STEPS: ReadonlyMap<string, StepDefinition> = new Map(
  (
    [
      createCollection,
      dropCollection,
      loadCollection,
      releaseCollection,
      createIndex,
      dropIndex,
      createPartition,
      dropPartition,
      loadPartitions,
      releasePartitions,
      insert,
      deleteRows,
    ] as unknown as StepDefinition[]
  ).map((s) => [s.name, s]),
);

export const STEP_NAMES: readonly string[] = [...STEPS.keys()];
