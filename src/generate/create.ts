/**
 * The steps that build a collection as a {@link CollectionSchema} describes it, from nothing:
 * `createCollection` (with its indexes and load when it is loaded), indexes of a released one,
 * partitions, properties. Used by `baseline` for every collection and by `generate` for new ones.
 */
import type { CollectionSchema, FieldSchema, IndexSchema } from '../schema/model.js';
import { usesPartitionKey } from '../schema/plan-model.js';
import { createCollection } from '../steps/collections/createCollection.js';
import { alterCollectionProperties } from '../steps/collections/alterCollectionProperties.js';
import { createIndex } from '../steps/indexes/createIndex.js';
import { createPartition } from '../steps/partitions/createPartition.js';
import { callOf } from '../steps/types.js';
import type { GeneratedStep } from './types.js';

/** Milvus' consistency level when a collection is created without one. */
const DEFAULT_CONSISTENCY = 'Bounded';

/** A value Milvus keeps as a string, written as a number when it is one (`nlist: 128`): easier to read, compared the same. */
export function plainValue(v: string): string | number | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  return /^-?\d+(\.\d+)?$/.test(v) && String(Number(v)) === v ? Number(v) : v;
}

export function plainMap(m: Readonly<Record<string, string>>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, plainValue(v)]));
}

/** A field as `createCollection` declares it (the schema's keys are already the step's). */
export function fieldParams(f: FieldSchema): Record<string, unknown> {
  return { ...f };
}

/** An index as `createCollection`'s `index_params` and `createIndex` take it; the name only when it is not the field's. */
export function indexParams(name: string, ix: IndexSchema): Record<string, unknown> {
  return {
    field_name: ix.field_name,
    ...(name !== ix.field_name ? { index_name: name } : {}),
    index_type: ix.index_type,
    ...(ix.metric_type ? { metric_type: ix.metric_type } : {}),
    ...(ix.params && Object.keys(ix.params).length ? { params: plainMap(ix.params) } : {}),
  };
}

/** The steps that create collection `name` as `c` describes it (aliases are the caller's). */
export function createSteps(name: string, c: CollectionSchema): GeneratedStep[] {
  const keyed = usesPartitionKey(c);
  const indexes = Object.entries(c.indexes).map(([n, ix]) => indexParams(n, ix));
  const loaded = c.load_state === 'loaded' && indexes.length > 0;
  const steps: GeneratedStep[] = [
    {
      call: callOf(createCollection, {
        collection_name: name,
        ...(c.description ? { description: c.description } : {}),
        fields: c.fields.map(fieldParams) as never,
        ...(c.enable_dynamic_field ? { enable_dynamic_field: true } : {}),
        // Always written for a partition key: Milvus' default count differs between versions.
        ...(keyed ? { num_partitions: c.partitions.length } : {}),
        ...(c.consistency_level !== DEFAULT_CONSISTENCY ? { consistency_level: c.consistency_level as never } : {}),
        ...(loaded ? { index_params: indexes as never } : {}),
      }),
      why: `collection ${name}: ${c.fields.length} field${c.fields.length === 1 ? '' : 's'}${
        loaded ? `, ${indexes.length} index${indexes.length === 1 ? '' : 'es'} built, then loaded` : ''
      }`,
    },
  ];
  if (!loaded) {
    for (const ix of indexes) {
      steps.push({
        call: callOf(createIndex, { collection_name: name, ...ix } as never),
        why: `index on ${String(ix.field_name)} (the collection stays released${c.load_state === 'loaded' ? '' : ', as it is'})`,
      });
    }
  }
  if (!keyed) {
    for (const p of c.partitions) {
      if (p !== '_default')
        steps.push({ call: callOf(createPartition, { collection_name: name, partition_name: p }), why: `partition ${p}` });
    }
  }
  if (c.properties && Object.keys(c.properties).length) {
    steps.push({
      call: callOf(alterCollectionProperties, { collection_name: name, properties: plainMap(c.properties) }),
      why: `properties of ${name} (${Object.keys(c.properties).join(', ')})`,
    });
  }
  return steps;
}
