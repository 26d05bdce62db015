import { createCollection } from './collections/createCollection.js';
import { dropCollection } from './collections/dropCollection.js';
import { loadCollection } from './collections/loadCollection.js';
import { releaseCollection } from './collections/releaseCollection.js';
import { renameCollection } from './collections/renameCollection.js';
import { alterCollectionProperties } from './collections/alterCollectionProperties.js';
import { dropCollectionProperties } from './collections/dropCollectionProperties.js';
import { addCollectionField } from './collections/addCollectionField.js';
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
import type { StepDefinition } from './types.js';

/** Every step a migration can use, by name. Adding a step = one file + one line here. */
export const STEPS: ReadonlyMap<string, StepDefinition> = new Map(
  (
    [
      createCollection,
      dropCollection,
      loadCollection,
      releaseCollection,
      renameCollection,
      alterCollectionProperties,
      dropCollectionProperties,
      addCollectionField,
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
    ] as unknown as StepDefinition[]
  ).map((s) => [s.name, s]),
);

/** The names of {@link STEPS}, in catalogue order (used in "allowed steps" messages). */
export const STEP_NAMES: readonly string[] = [...STEPS.keys()];
