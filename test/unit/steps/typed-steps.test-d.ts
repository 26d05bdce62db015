/**
 * Type-level contract of the catalogue, checked by `tsc` (`npm run typecheck`) and by vitest's
 * typecheck in the unit project: code migrations' `steps` take each step's own params, and
 * inverses name the step they call by its definition. Each `@ts-expect-error` must stay an error.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { defineMigration, type StepCall, type StepInput, type StepName, type Steps } from '../../../src/index.js';
import { createPartition } from '../../../src/steps/partitions/createPartition.js';
import { callOf } from '../../../src/steps/types.js';

describe('typed steps of code migrations', () => {
  it('checks each step call against its params schema', () => {
    defineMigration({
      async up({ steps }) {
        await steps.dropPartition({ collection_name: 'c', partition_name: 'p' });
        await steps.dropPartition({ collection_name: 'c', partition_name: 'p', if_exists: true, backup: true, db_name: 'd' });
        await steps.createCollection({ collection_name: 'c', fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }] });
        await steps.delete({ collection_name: 'c', filter: 'id in [1]' });
        // @ts-expect-error `collection` is not a param of dropPartition
        await steps.dropPartition({ collection: 'c' });
        // @ts-expect-error partition_name is required
        await steps.dropPartition({ collection_name: 'c' });
        // @ts-expect-error partition_name is a string
        await steps.dropPartition({ collection_name: 'c', partition_name: 1 });
        // @ts-expect-error if_exists is a boolean
        await steps.dropPartition({ collection_name: 'c', partition_name: 'p', if_exists: 'yes' });
        // @ts-expect-error not a data type
        await steps.createCollection({ collection_name: 'c', fields: [{ name: 'id', data_type: 'Int65' }] });
        // @ts-expect-error no such step
        await steps.nope();
      },
      async down({ steps }) {
        await steps.createPartition({ collection_name: 'c', partition_name: 'p' });
      },
    });
  });

  it('has one function per step of the catalogue, and nothing else', () => {
    expectTypeOf<keyof Steps>().toEqualTypeOf<StepName>();
    expectTypeOf<'dropPartition' | 'createPartition' | 'delete' | 'restoreBackup'>().toExtend<StepName>();
    expectTypeOf<StepInput<'dropPartition'>>().toEqualTypeOf<Parameters<Steps['dropPartition']>[0]>();
    expectTypeOf<Steps['dropPartition']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('lets an inverse name the step it calls by its definition, with that step’s params', () => {
    expectTypeOf(callOf(createPartition, { collection_name: 'c', partition_name: 'p' })).toEqualTypeOf<StepCall>();
    // @ts-expect-error `collection` is not a param of createPartition
    callOf(createPartition, { collection: 'c', partition_name: 'p' });
    // @ts-expect-error if_exists is a param of dropPartition, not of createPartition
    callOf(createPartition, { collection_name: 'c', partition_name: 'p', if_exists: true });
  });
});
