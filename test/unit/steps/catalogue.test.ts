import { describe, expect, it } from 'vitest';
import { STEP_DEFINITIONS, STEP_NAMES, STEPS } from '../../../src/steps/catalogue.js';
import { createIndex } from '../../../src/steps/indexes/createIndex.js';
import { dropIndex } from '../../../src/steps/indexes/dropIndex.js';
import { insert } from '../../../src/steps/data/insert.js';
import { createPartition } from '../../../src/steps/partitions/createPartition.js';
import { dropPartition } from '../../../src/steps/partitions/dropPartition.js';
import { alterCollectionProperties } from '../../../src/steps/collections/alterCollectionProperties.js';
import { callOf } from '../../../src/steps/types.js';

describe('the step catalogue', () => {
  it('maps each name to its definition, one name per step, in catalogue order', () => {
    expect(STEP_NAMES).toEqual(STEP_DEFINITIONS.map((d) => d.name));
    expect(new Set(STEP_NAMES).size).toBe(STEP_DEFINITIONS.length);
    for (const def of STEP_DEFINITIONS) expect(STEPS.get(def.name)).toBe(def);
  });

  it('callOf names the step by its definition', () => {
    expect(callOf(dropPartition, { collection_name: 'c', partition_name: 'p' })).toEqual({
      step: 'dropPartition',
      params: { collection_name: 'c', partition_name: 'p' },
    });
  });

  it('inverses call steps of the catalogue, by their catalogue names', () => {
    expect(createPartition.inverse!({ collection_name: 'c', partition_name: 'p', db_name: 'd' }, undefined)).toEqual({
      steps: [{ step: 'dropPartition', params: { collection_name: 'c', partition_name: 'p', db_name: 'd' } }],
    });
    expect(dropPartition.inverse!({ collection_name: 'c', partition_name: 'p' }, {})).toEqual({
      steps: [{ step: 'createPartition', params: { collection_name: 'c', partition_name: 'p' } }],
      note: 're-creates the partition empty: its rows are not restored',
    });
    expect(createIndex.inverse!({ collection_name: 'c', field_name: 'v' }, undefined)).toEqual({
      steps: [{ step: 'dropIndex', params: { collection_name: 'c', field_name: 'v' } }],
    });
    expect(
      dropIndex.inverse!({ collection_name: 'c', field_name: 'v' }, { index_name: 'ix', index_type: 'IVF_FLAT', params: { nlist: 8 } }),
    ).toEqual({
      steps: [
        {
          step: 'createIndex',
          params: { collection_name: 'c', field_name: 'v', index_name: 'ix', index_type: 'IVF_FLAT', params: { nlist: 8 } },
        },
      ],
    });
    expect(insert.inverse!({ collection_name: 'c', data: [] }, { pk_field: 'id', pk_type: 'Int64', ids: [1, 2] })).toMatchObject({
      steps: [{ step: 'delete', params: { collection_name: 'c', filter: expect.stringContaining('id') } }],
    });
    expect(
      alterCollectionProperties.inverse!({ collection_name: 'c', properties: { a: 1 } }, { previous: { a: '2' }, absent: ['b'] }),
    ).toMatchObject({
      steps: [
        { step: 'alterCollectionProperties', params: { collection_name: 'c', properties: { a: '2' } } },
        { step: 'dropCollectionProperties', params: { collection_name: 'c', properties: ['b'] } },
      ],
    });
  });
});
