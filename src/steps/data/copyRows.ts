import * as z from 'zod';
import { MigrateError, MilvusCallError } from '../../errors.js';
import { loadState } from '../../milvus/wait.js';
import { collectionExists, countRows, partitionNames, rows } from '../../milvus/reads/lookups.js';
import { qualified } from '../../milvus/reads/names.js';
import { dbName, flag, milvusName } from '../params.js';
import { defineStep, type StepContext } from '../types.js';
import { needCollection, needPartition } from '../expect.js';
import type { Row } from '../../milvus/reads/shape.js';
import type { PkValue } from '../../milvus/reads/keys.js';
import { ensureLoaded } from '../../milvus/reads/paging.js';
import { batchSize, DEFAULT_BATCH_SIZE } from './rows.js';
import { copySegments } from '../../copy/engine.js';
import { verifyCopy, type VerificationReport } from '../../copy/verify.js';
import { collectionShape, DYNAMIC_FIELD, isVector, type CollectionShape } from '../../milvus/reads/shape.js';

const params = z
  .object({
    /** The source collection. */
    collection_name: milvusName,
    db_name: dbName,
    /** Copy only this partition of the source. */
    partition_name: milvusName.optional(),
    /** Copy only the rows matching this boolean expression, e.g. `year >= 2020`. */
    filter: z.string({ error: 'must be a boolean expression, e.g. "year >= 2020"' }).min(1, { error: 'must not be empty' }).optional(),
    target_collection_name: milvusName,
    /** Database of the target (default: the source's). */
    target_db_name: dbName,
    target_partition_name: milvusName.optional(),
    /** Rows per query and per insert (default {@link DEFAULT_BATCH_SIZE}). */
    batch_size: batchSize,
    /** After the copy, prove it: every copied key is in the target with the same content (the step fails naming what differs). */
    verify: flag,
  })
  .strict();
type Params = z.infer<typeof params>;

const source = (p: Params) => ({ collection_name: p.collection_name, ...(p.db_name ? { db_name: p.db_name } : {}) });
const target = (p: Params) => {
  const db = p.target_db_name ?? p.db_name;
  return { collection_name: p.target_collection_name, ...(db ? { db_name: db } : {}) };
};

/** What a copy saves after each batch and finally returns. */
type CopyRecord = {
  /** Largest source primary key copied so far: the copy goes on with `pk > last_pk`. */
  readonly last_pk?: PkValue;
  readonly copied: number;
  /** With `verify: true`: the verification report. */
  readonly verification?: VerificationReport;
};

/**
 * Copies rows from one collection (or one partition, or the rows matching a filter) into
 * another, in batches, in primary-key order, e.g. into a new collection with a changed schema
 * before moving an alias to it (blue/green). Fields are matched by name: source fields the target
 * lacks are left out, dynamic fields go to the target's dynamic field (or to a target field of
 * the same name). After each batch the last primary key copied is checkpointed, so a run that
 * stops part-way goes on from there.
 *
 * Its inverse does nothing: the copied rows stay in the target (they go with it when the target
 * is dropped, e.g. by reverting the `createCollection` that made it).
 */
export const copyRows = defineStep({
  name: 'copyRows',
  params,
  destructive: false,
  touches: (p) => ({
    collections: [
      { name: p.collection_name, db_name: p.db_name },
      { name: p.target_collection_name, db_name: p.target_db_name ?? p.db_name },
    ],
  }),
  describe: (p) =>
    `copy rows of ${qualified(source(p))}${p.partition_name ? ` partition ${p.partition_name}` : ''}${p.filter ? ` where ${p.filter}` : ''} into ${qualified(target(p))}${p.target_partition_name ? ` partition ${p.target_partition_name}` : ''}`,
  check(p) {
    const s = source(p);
    const t = target(p);
    if (
      s.collection_name === t.collection_name &&
      (s.db_name ?? '') === (t.db_name ?? '') &&
      (!p.partition_name || p.partition_name === p.target_partition_name || !p.target_partition_name)
    ) {
      return [
        [
          'target_collection_name',
          'is the source itself: rows would be copied onto themselves (copying between two partitions of one collection needs partition_name and target_partition_name)',
        ],
      ];
    }
    return [];
  },
  expect({ model }, p) {
    const problems: string[] = [];
    for (const [role, t, partition] of [
      ['source', source(p), p.partition_name],
      ['target', target(p), p.target_partition_name],
    ] as const) {
      const found = needCollection(model, t, `${role} collection`);
      problems.push(...found.problems);
      if (found.collection && partition) problems.push(...needPartition(model, t, found.collection, partition));
    }
    return problems;
  },
  async facts(milvus, p) {
    const s = source(p);
    if (!(await collectionExists(milvus, s))) return [`source ${qualified(s)} does not exist yet`];
    const facts: string[] = [];
    const state = await loadState(milvus, { ...s, ...(p.partition_name ? { partition_names: [p.partition_name] } : {}) });
    if (state === 'LoadStateLoaded') facts.push(`${rows(await countRows(milvus, s, p.partition_name, p.filter ?? '', 'Strong'))} to copy`);
    else facts.push('source not loaded: it will be loaded for the copy, and released again after');
    const t = target(p);
    if (!(await collectionExists(milvus, t))) facts.push(`target ${qualified(t)} does not exist yet`);
    return facts;
  },
  async run(ctx, p) {
    return copy(ctx, p);
  },
  inverse: (p) => ({
    steps: [],
    note: `the copied rows stay in ${qualified(target(p))} (dropping it, e.g. by reverting its createCollection, removes them)`,
  }),
});

async function copy(ctx: StepContext, p: Params): Promise<CopyRecord> {
  const { milvus, logger } = ctx;
  const src = source(p);
  const dst = target(p);
  const [from, to] = await Promise.all([collectionShape(milvus, src), collectionShape(milvus, dst)]);
  const mapping = fieldMapping(from, to, p);
  if (mapping.leftOut.length) logger.info(`fields of ${from.label} that ${to.label} lacks are not copied: ${mapping.leftOut.join(', ')}`);
  if (p.partition_name && !(await partitionNames(milvus, src)).includes(p.partition_name)) {
    throw new MilvusCallError('copyRows', `partition ${p.partition_name} does not exist in collection ${from.label}`);
  }

  const partitions = p.partition_name ? { partition_names: [p.partition_name] } : {};
  const loaded = await ensureLoaded(ctx, 'copyRows', src, p.partition_name, from.label);
  try {
    const previous = ctx.resumed ? (ctx.previous as CopyRecord | undefined) : undefined;
    const resume = previous ? { segment: 0, last_pk: previous.last_pk, copied: Number(previous.copied ?? 0) } : undefined;
    const cursor = await copySegments({
      milvus,
      logger,
      segments: [{ read: { ...src, ...partitions }, filter: p.filter }],
      pk: from.pk,
      batchSize: p.batch_size ?? DEFAULT_BATCH_SIZE,
      from: from.label,
      to: to.label,
      task: `copyRows ${from.label} → ${to.label}`,
      resume,
      async write(page, _segment, replay) {
        // Milvus 2.3 cannot upsert into an autoID collection (it generates new keys): then there is no telling.
        let method: 'insert' | 'upsert' = 'insert';
        if (replay) {
          if (to.pk.autoID)
            logger.warn(
              `${to.label} generates its primary keys (autoID): rows of the batch the interrupted run was writing may now be there twice`,
            );
          else method = 'upsert';
        }
        await milvus.call(method, {
          ...dst,
          ...(p.target_partition_name ? { partition_name: p.target_partition_name } : {}),
          data: page.map((row) => mapping.convert(row)),
        } as never);
      },
      checkpoint: (c) => ctx.checkpoint({ last_pk: c.last_pk, copied: c.copied } satisfies CopyRecord),
    });
    if (mapping.droppedDynamic.size) {
      logger.info(
        `dynamic fields of ${from.label} not copied (${to.label} has no dynamic field): ${[...mapping.droppedDynamic].slice(0, 10).join(', ')}`,
      );
    }
    const record: CopyRecord = { ...(cursor.last_pk !== undefined ? { last_pk: cursor.last_pk } : {}), copied: cursor.copied };
    if (!p.verify) return record;
    const report = await verifyCopy({
      milvus,
      logger,
      source: src,
      target: dst,
      from,
      to,
      segments: [{ source: p.partition_name, target: p.target_partition_name }],
      filter: p.filter,
      expected: (row) => mapping.convert(row),
      // The target may hold other rows: every copied key must be there, with the same content.
      exclusive: false,
      keysKept: !to.pk.autoID,
      batchSize: p.batch_size ?? DEFAULT_BATCH_SIZE,
    });
    if (!report.ok) {
      throw new MigrateError('migration-failed', `verification of the copy into ${to.label} failed: ${report.differences.join('; ')}`);
    }
    logger.info(`verified the copy: every one of ${rows(report.rows.source)} is in ${to.label} with the same content`);
    return { ...record, verification: report };
  } finally {
    if (loaded) {
      logger.info(`releasing ${from.label} again (it was not loaded before the copy)`);
      await (
        p.partition_name
          ? milvus.call('releasePartitions', { ...src, partition_names: [p.partition_name] })
          : milvus.call('releaseCollection', src)
      ).catch((err: unknown) => logger.warn(`could not release ${from.label}: ${String((err as Error).message ?? err)}`));
    }
  }
}

/** How source rows become target rows. */
interface FieldMapping {
  /** Source fields the target lacks. */
  readonly leftOut: readonly string[];
  /** Dynamic keys seen in the source that had nowhere to go. */
  readonly droppedDynamic: Set<string>;
  convert(row: Row): Row;
}

/**
 * Matches fields by name and checks, before anything is copied, what would make Milvus refuse
 * the rows: a target field the source cannot fill, a vector of another dimension.
 */
export function fieldMapping(from: CollectionShape, to: CollectionShape, p: { target_partition_name?: string | undefined }): FieldMapping {
  if (p.target_partition_name && to.partitionKey) {
    throw new MigrateError('invalid-input', `target ${to.label} uses a partition key: Milvus picks each row's partition itself`, {
      hint: 'remove target_partition_name',
    });
  }
  const copied: string[] = [];
  const leftOut: string[] = [];
  for (const f of from.fields) {
    const t = to.byName.get(f.name);
    if (!t) {
      leftOut.push(f.name);
      continue;
    }
    // Milvus 2.3 refuses to be given an autoID key on insert: the target makes its own.
    if (t.isPrimaryKey && t.autoID) continue;
    if (isVector(f) !== isVector(t) || (isVector(t) && (f.dataType !== t.dataType || f.dim !== t.dim))) {
      throw new MigrateError(
        'invalid-input',
        `field ${f.name} is ${f.dataType}${f.dim ? `(${f.dim})` : ''} in ${from.label} but ${t.dataType}${t.dim ? `(${t.dim})` : ''} in ${to.label}: vectors cannot be converted`,
      );
    }
    copied.push(f.name);
  }
  // Target fields the source has no field for: only a dynamic key of the source can fill them.
  const fromDynamic = to.fields.filter((t) => !from.byName.has(t.name) && !(t.isPrimaryKey && t.autoID));
  const unfillable = fromDynamic.filter((t) => !t.optional && !from.dynamic);
  if (unfillable.length) {
    throw new MigrateError(
      'invalid-input',
      `${to.label} needs ${unfillable.map((t) => `${t.name} (${t.dataType})`).join(', ')}, which ${from.label} does not have`,
      {
        hint: 'Milvus 2.3 has no nullable or default fields: every row must give every field. Add the field to the source, or leave it out of the target',
      },
    );
  }
  const required = fromDynamic.filter((t) => !t.optional).map((t) => t.name);
  const droppedDynamic = new Set<string>();
  return {
    leftOut,
    droppedDynamic,
    convert(row) {
      const out: Row = {};
      for (const name of copied) if (name in row) out[name] = row[name];
      const meta = row[DYNAMIC_FIELD];
      if (meta && typeof meta === 'object') {
        for (const [k, v] of Object.entries(meta as Row)) {
          const t = to.byName.get(k);
          if (t) {
            // A dynamic key that became a field of the target (a schema change blue/green is made for).
            if (!(k in out) && !(t.isPrimaryKey && t.autoID)) out[k] = v;
          } else if (to.dynamic) out[k] = v;
          else droppedDynamic.add(k);
        }
      }
      for (const name of required) {
        if (!(name in out)) {
          throw new MigrateError(
            'invalid-input',
            `the row with ${from.pk.name} ${String(row[from.pk.name])} of ${from.label} has no ${name}, which ${to.label} needs`,
          );
        }
      }
      return out;
    },
  };
}
