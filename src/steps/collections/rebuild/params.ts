/** The params of `rebuildCollection`: the collection, and either the changes or a whole new schema. */
import * as z from 'zod';
import { fieldSpec } from '../createCollection.js';
import { indexSpec } from '../../indexes/createIndex.js';
import { collectionTarget, flag, milvusName } from '../../params.js';
import { batchSize } from '../../data/rows.js';

const consistency = z.enum(['Strong', 'Session', 'Bounded', 'Eventually']);
const properties = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
  error: 'must be a map of property → value, e.g. { collection.ttl.seconds: 3600 }',
});
const indexParams = z.array(z.object(indexSpec).strict());

/** What may change in one field (its name stays; rename it with `rename_fields`). */
const fieldChange = fieldSpec.omit({ name: true }).partial().strict();

/** A new field: as createCollection declares it, plus `fill`, the value the copy writes into every row. */
const newField = fieldSpec.extend({ fill: z.unknown().optional() }).strict();

export const changesSpec = z
  .object({
    add_fields: z.array(newField).optional(),
    drop_fields: z.array(milvusName).optional(),
    /** old name → new name */
    rename_fields: z.record(z.string(), milvusName).optional(),
    /** field name → what changes: data_type, dim, max_length, nullable, default_value, is_partition_key, ... */
    alter_fields: z.record(z.string(), fieldChange).optional(),
    /** Indexes to build instead of the old ones on the same fields. */
    index_params: indexParams.optional(),
    /** Properties set on top of the old ones (TTL, mmap, ...). */
    properties: properties.optional(),
    description: z.string().optional(),
    enable_dynamic_field: flag,
    num_partitions: z.number().int().positive().max(4096).optional(),
    consistency_level: consistency.optional(),
  })
  .strict();
export type Changes = z.infer<typeof changesSpec>;

/** A whole new schema, as createCollection takes it (indexes not given are carried over by field name). */
export const schemaSpec = z
  .object({
    fields: z.array(newField).min(1, { error: 'needs at least one field' }),
    description: z.string().optional(),
    enable_dynamic_field: flag,
    num_partitions: z.number().int().positive().max(4096).optional(),
    consistency_level: consistency.optional(),
    index_params: indexParams.optional(),
    properties: properties.optional(),
  })
  .strict();
export type NewSchema = z.infer<typeof schemaSpec>;

const searchParams = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
  error: 'must be a map of search param → value, e.g. { nprobe: 32 } or { ef: 128 }',
});

/**
 * The recall check of a vector field whose index changes (values copied as they are): probe rows
 * drawn from the data are searched in the old and the new collection, each with its own index's
 * search params, and the new top-k compared with the old. `false` turns it off.
 */
export const recallSpec = z
  .object({
    /** The lowest recall that passes (default 0.9); below it the rebuild stops before the cut-over. */
    min: z
      .number({ error: 'must be a number between 0 and 1' })
      .min(0)
      .max(1, { error: 'must be at most 1 (a recall is a share)' })
      .optional(),
    /** Probe rows (default 50): every n-th row in primary-key order. */
    probes: z.number().int().positive().max(1000).optional(),
    /** Neighbours compared per probe (default 10). */
    top_k: z.number().int().positive().max(1000).optional(),
    /** Search params instead of the defaults for each index type (nprobe 16 for IVF, ef 64 for HNSW, ...). */
    search_params: z.object({ old: searchParams.optional(), new: searchParams.optional() }).strict().optional(),
  })
  .strict();

export const rebuildParams = z
  .object({
    /** The collection to rebuild, or an alias of it (then the cut-over moves the alias). */
    ...collectionTarget,
    /** Name of the new collection (default `<collection_name>__mm_<8 hex>`); through an alias, it keeps this name. */
    new_collection_name: milvusName.optional(),
    changes: changesSpec.optional(),
    schema: schemaSpec.optional(),
    /** A .js/.mjs/.ts module beside the migration whose default (or `transform`) export maps each row to its new form, or null to leave it out. */
    transform: z.string({ error: 'must be a path, e.g. ./reembed.ts' }).min(1, { error: 'must not be empty' }).optional(),
    batch_size: batchSize,
    /**
     * `paused`: the writers of the collection are stopped for the rebuild. Required without
     * `catch_up`: rows written during the copy would not reach the new collection.
     */
    writes: z
      .literal('paused', { error: 'must be "paused" (the writers are stopped for the rebuild), or give catch_up instead' })
      .optional(),
    /**
     * Writers keep writing during the rebuild: rows whose `field` (an Int64 that grows with every
     * write, e.g. updated_at in ms or a sequence) changed since the copy began are copied again,
     * round after round until the change is small, and once more after the cut-over.
     */
    catch_up: z
      .object({
        field: milvusName,
        /** A round that copied at most this many rows is the last before verification (default the batch size). */
        max_delta: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /**
     * `copy` (default): rows read by paged queries and written by inserts. `import`: rows read the
     * same way, written into JSON files in a folder the server reads (an Embedded Milvus' storage
     * folder, or `importDir` in the config), and loaded by Milvus' own import (`bulkInsert`), file by file.
     */
    strategy: z.enum(['copy', 'import'], { error: 'must be "copy" (queries and inserts) or "import" (files and bulkInsert)' }).optional(),
    /** Key ranges copied at once (default 1): the key space is cut into this many ranges, each copied and checkpointed on its own. */
    parallelism: z.number().int().min(1).max(16).optional(),
    /**
     * `full` (default): every row compared; `{ sample: N }`: N rows compared, counts and key
     * digests always in full. `recall`: the check of a changed vector index (below).
     */
    verify: z
      .union([
        z.literal('full'),
        z
          .object({
            /** Compare the content of about N rows instead of every row. */
            sample: z.number().int().positive().optional(),
            recall: z.union([z.literal(false), recallSpec]).optional(),
          })
          .strict(),
      ])
      .optional(),
    /** Accept new primary keys for an autoID collection (Milvus 2.3 takes no given keys for such a field). */
    renumber_autoid: flag,
  })
  .strict();
export type RebuildParams = z.infer<typeof rebuildParams>;
