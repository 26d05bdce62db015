/**
 * The requests of the version-gated steps against the installed SDK's (2.6.17) request types,
 * checked by tsc: a field of the wrong name or type fails the typecheck. dropCollectionField is
 * Node SDK 3.x only; its request type is declared on the nearest 2.6.17 type (see the step).
 */
import type { AlterCollectionFieldPropertiesReq, DropCollectionFunctionReq, FunctionObject } from '@zilliz/milvus2-sdk-node';
import { describe, expectTypeOf, it } from 'vitest';
import { alterFieldRequest } from '../../../src/steps/collections/alterCollectionFieldProperties.js';
import { createRequest } from '../../../src/steps/collections/createCollection.js';
import { dropFieldRequest, type DropCollectionFieldReq } from '../../../src/steps/collections/dropCollectionField.js';

describe('requests of version-gated steps', () => {
  it('alterCollectionFieldProperties sends an AlterCollectionFieldPropertiesReq', () => {
    const req = alterFieldRequest({
      collection_name: 'c',
      field_name: 'f',
      properties: { max_length: 8 },
    }) satisfies AlterCollectionFieldPropertiesReq;
    expectTypeOf(req).toExtend<AlterCollectionFieldPropertiesReq>();
  });

  it("createCollection's functions are the SDK's FunctionObject[]", () => {
    const req = createRequest({ collection_name: 'c', fields: [] });
    expectTypeOf(req.functions).toExtend<FunctionObject[] | undefined>();
  });

  it('dropCollectionField sends the target of DropCollectionFunctionReq with a field_name', () => {
    const req = dropFieldRequest({ collection_name: 'c', field_name: 'f' }) satisfies DropCollectionFieldReq;
    expectTypeOf(req).toExtend<Omit<DropCollectionFunctionReq, 'function_name'>>();
    expectTypeOf(req.field_name).toEqualTypeOf<string>();
  });
});
