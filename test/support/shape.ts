/** A CollectionShape for unit tests of row handling, without a server: fields by name and type, the first the key. */
import type { CollectionShape, FieldShape } from '../../src/milvus/reads/shape.js';

export const field = (name: string, dataType: string, extra: Partial<FieldShape> = {}): FieldShape => ({
  name,
  dataType,
  isPrimaryKey: false,
  autoID: false,
  isPartitionKey: false,
  dim: undefined,
  optional: false,
  ...extra,
});

/** A dynamic collection `c` whose primary key is the Int64 field `id` (added first unless listed). */
export function shapeOf(fields: readonly FieldShape[]): CollectionShape {
  const all = fields.some((f) => f.name === 'id')
    ? fields.map((f) => (f.name === 'id' ? { ...f, isPrimaryKey: true } : f))
    : [field('id', 'Int64', { isPrimaryKey: true }), ...fields];
  return {
    label: 'c',
    fields: all,
    byName: new Map(all.map((f) => [f.name, f])),
    dynamic: true,
    pk: { name: 'id', kind: 'Int64', autoID: false },
    partitionKey: false,
  };
}
