import { createHash } from 'node:crypto';
import { MigrateError } from '../../errors.js';
import type { Milvus } from '../../milvus/client.js';
import { aliasTarget } from '../../milvus/reads/aliases.js';
import { collectionExists, countRows, describeCollection, partitionNames, rows } from '../../milvus/reads/lookups.js';
import { qualified } from '../../milvus/reads/names.js';
import { ensureLoaded } from '../../milvus/reads/paging.js';
import { collectionShape } from '../../milvus/reads/shape.js';
import { loadState } from '../../milvus/wait.js';
import { readSchema } from '../../schema/read.js';
import { captureDefinition } from '../../backup/schema.js';
import { copyConcurrently, type SegmentCursor } from '../../copy/engine.js';
import { DEFAULT_IMPORT_FILE_BYTES, importSegments, type ImportCursor, type PendingFile } from '../../copy/import.js';
import type { ReadTarget } from '../../milvus/reads/paging.js';
import { keyBoundaries, rangeFilter } from '../../milvus/reads/key-ranges.js';
import type { PkValue } from '../../milvus/reads/keys.js';
import type { CollectionShape, Row } from '../../milvus/reads/shape.js';
import { RowDigest, rowHasher } from '../../copy/digest.js';
import { verifyCopy, type VerificationReport } from '../../copy/verify.js';
import { ProbePicker, describeRecall, recallFailure, type RecallFigure } from '../../copy/recall.js';
import { MEASURED_COPY_BYTES_PER_SECOND, averageRowBytes, bytesText, durationText } from '../../copy/estimate.js';
import { DEFAULT_BATCH_SIZE } from '../data/rows.js';
import { defineStep, callOf, type InverseResult, type StepCall, type StepContext } from '../types.js';
import { alterAlias } from '../aliases/alterAlias.js';
import { dropCollection } from './dropCollection.js';
import { renameCollection } from './renameCollection.js';
import { rebuildParams, type RebuildParams } from './rebuild/params.js';
import { planTarget, type OldCollection, type TargetPlan } from './rebuild/target.js';
import { converter, loadTransform, type Converter } from './rebuild/rows.js';
import {
  CATCH_UP_SETTLE_MS,
  DEFAULT_CATCH_UP_ROUNDS,
  catchUpRound,
  describeRound,
  newerThanTarget,
  watermark,
  type CatchUpRecord,
} from './rebuild/catch-up.js';
import { buildAndLoad, createShadow, cutOver, matchLoadState, settingsDifferences, type CutOver } from './rebuild/phases.js';
import { applyRebuild } from './rebuild/model.js';
import { copiedByPartition, probeView } from './rebuild/digests.js';
import { measureChecks, recallChecks, recallFacts, recallOptions } from './rebuild/recall.js';
import { resolvedName } from '../../schema/plan-model.js';
import { needCollection } from '../expect.js';

/** Phases in order ('created', 'copied', 'loaded', 'verified', 'cut'); the record says which one a run reached. */
type Phase = 'created' | 'copied' | 'loaded' | 'verified' | 'cut';

/** What a rebuild records: checkpointed at each phase (and each page of the copy), returned when cut over. */
export type RebuildRecord = CutOver & {
  readonly phase: Phase | 'copying';
  /** The key ranges (`boundaries` cut them) and each one's cursor, per partition: segment i is partition i / ranges, range i % ranges. */
  readonly copy?: {
    readonly boundaries: readonly PkValue[];
    readonly segments: readonly SegmentCursor[];
    readonly copied: number;
    readonly left_out: number;
    /** strategy import: files imported so far, and the file recorded before it was submitted. */
    readonly files?: number;
    readonly pending?: PendingFile;
  };
  readonly catch_up?: CatchUpRecord;
  readonly verification?: VerificationReport & {
    readonly settings: readonly string[];
    /** Per vector field whose index changed: the recall of the new index against the old, or why not measured. */
    readonly recall?: readonly RecallFigure[];
  };
};

/**
 * The shadow's name (`new_collection_name`, or `<name>__mm_<8 hex>` from the step's params: the same
 * in every run of the migration) and where the old collection goes when cut over by name.
 */
export function rebuildNames(p: RebuildParams): { shadow: string; old: string } {
  const hash = createHash('sha256').update(JSON.stringify(p)).digest('hex').slice(0, 8);
  const base = p.collection_name.replace(/__mm_(old_)?[0-9a-f]{8}$/, '');
  return { shadow: p.new_collection_name ?? `${base}__mm_${hash}`, old: `${base}__mm_old_${hash}` };
}

/**
 * Rebuilds a collection into a new one (a shadow) with the changes Milvus cannot make in place
 * (a field's type, dim, max_length, nullable/default, partition key, fields added or dropped or
 * renamed, new indexes), copies every row in primary-key order through an optional transform,
 * proves the copy complete (counts per partition, a digest of every key, every row compared,
 * every setting; for a changed vector index, the recall of the new index against the old), then cuts readers over: through an alias with `alterAlias`, by name by renaming
 * the old one aside. The old collection is kept; `down` cuts back and drops the shadow.
 */
export const rebuildCollection = defineStep({
  name: 'rebuildCollection',
  params: rebuildParams,
  destructive: false,
  // Nullable fields and default values came with Milvus 2.4 (2.3 ignores them: the settings check would fail after the copy).
  minVersion: (p) => {
    const fields = [...(p.schema?.fields ?? []), ...(p.changes?.add_fields ?? []), ...Object.values(p.changes?.alter_fields ?? {})];
    return fields.some((f) => f.nullable || f.default_value !== undefined) ? '2.4.0' : '2.3.0';
  },
  touches: (p) => ({
    collections: [p.collection_name, ...Object.values(rebuildNames(p))].map((name) => ({ name, db_name: p.db_name })),
    aliases: [{ name: p.collection_name, db_name: p.db_name }],
  }),
  describe: (p) => {
    const sample = typeof p.verify === 'object' ? p.verify.sample : undefined;
    const verify = sample === undefined ? 'every row' : `a sample of ${sample}`;
    return `rebuild ${qualified(p)} into ${rebuildNames(p).shadow}${p.transform ? ` through ${p.transform}` : ''}, verify (${verify}) and cut over`;
  },
  check(p) {
    if (!p.changes === !p.schema)
      return [['changes', 'give either changes (what differs from the old collection) or schema (the whole new one), not both']];
    if (!p.writes && !p.catch_up)
      return [
        [
          'writes',
          'is required and must be "paused" without catch_up: stop the writers first (rows written during the copy would be lost), or give catch_up: { field: <an Int64 that grows with each write> }',
        ],
      ];
    if (p.catch_up && p.renumber_autoid)
      return [['catch_up', 'cannot follow rows whose keys are renumbered (renumber_autoid): pause the writers instead']];
    if (p.strategy === 'import' && p.parallelism && p.parallelism > 1)
      return [['parallelism', 'is for strategy copy: strategy import reads one stream and lets the server import each file']];
    if (p.new_collection_name === p.collection_name)
      return [['new_collection_name', 'is the collection itself: the new collection needs another name']];
    return [];
  },
  async expect(ctx, p) {
    const { collection, problems } = needCollection(ctx.model, p);
    if (!collection) return problems;
    if (p.strategy === 'import' && ctx.reads) {
      const problem = importProblem(ctx.reads, collection.fields);
      if (problem) return [problem];
    }
    // The source's whole description (autoID, index params, properties) is read from Milvus when
    // it exists there; one created by an earlier pending step is checked when the step runs.
    const source = { collection_name: resolvedName(ctx.model, p), ...(p.db_name ? { db_name: p.db_name } : {}) };
    if (!ctx.reads || !(await collectionExists(ctx.reads, source))) return [];
    try {
      const { old, plan, source: label } = await planOf(ctx.reads, p);
      if ('problems' in plan) return plan.problems.map(([k, m]) => `${k}: ${m}`);
      const autoID = plan.schema.fields.find((f) => f.is_primary_key)?.autoID;
      if (autoID && !p.renumber_autoid) {
        return [
          `${label} makes its own primary keys (autoID): Milvus 2.3 takes no given keys for such a field, so every row would get a new key; ` +
            'say renumber_autoid: true to accept that, or give the key field autoID: false to keep the keys',
        ];
      }
      const catchUp = catchUpProblem(old, plan, p);
      if (catchUp) return [catchUp];
      if (p.transform) await loadTransform(p.transform, ctx.migration.dir);
    } catch (err) {
      if (err instanceof MigrateError && err.kind === 'invalid-input') return [err.message];
      throw err;
    }
    return [];
  },
  effect(model, p) {
    applyRebuild(model, p, rebuildNames(p));
  },
  async facts(milvus, p) {
    const names = rebuildNames(p);
    const via = await aliasTarget(milvus, p.db_name ? { alias: p.collection_name, db_name: p.db_name } : { alias: p.collection_name });
    const source = via ?? p.collection_name;
    const t = { collection_name: source, ...(p.db_name ? { db_name: p.db_name } : {}) };
    if (!(await collectionExists(milvus, t))) return [`${qualified(p)} does not exist (yet): the step will fail`];
    const facts: string[] = [];
    const state = await loadState(milvus, t);
    if (state === 'LoadStateLoaded') {
      const n = await countRows(milvus, t, undefined, '', 'Strong');
      const bytes = n * (await averageRowBytes(milvus, t, await collectionShape(milvus, t)));
      facts.push(
        `${rows(n)} (${bytesText(bytes)}) to copy: about ${durationText(bytes / MEASURED_COPY_BYTES_PER_SECOND)} at ${bytesText(MEASURED_COPY_BYTES_PER_SECOND)}/s, ` +
          'the rate of one stream measured on the test server (bench P5), then about half that again to verify',
      );
    } else facts.push('not loaded: loaded for the copy and its verification, released again after');
    facts.push(
      p.strategy === 'import'
        ? `strategy: import: rows read in primary-key order into JSON files of up to ${bytesText(DEFAULT_IMPORT_FILE_BYTES)} in ${milvus.importDir ?? '(no import folder)'}, each loaded by Milvus' bulkInsert and checkpointed, then removed`
        : p.parallelism && p.parallelism > 1
          ? `strategy: copy in primary-key order, the key space cut into ${p.parallelism} ranges copied at once, each checkpointed`
          : 'strategy: copy in primary-key order, one stream, checkpointed after each batch',
    );
    facts.push(
      via
        ? `cut-over through alias ${p.collection_name} (alterAlias: no downtime for readers); ${source} stays as it is`
        : `cut-over by name: ${source} is renamed to ${names.old} and ${names.shadow} to ${source} (readers see a moment without the collection)`,
    );
    facts.push(
      p.catch_up
        ? `catch-up on ${p.catch_up.field}: rows whose ${p.catch_up.field} grew during the copy are copied again, in rounds, and once more after the cut-over (rows deleted during the copy stay in the new collection)`
        : 'writes paused: rows written during the copy would not reach the new collection',
    );
    facts.push(
      `the old collection is kept as ${via ? source : names.old} for rollback (down); drop it later with a dropCollection migration (destructive)`,
    );
    if (p.renumber_autoid) facts.push('autoID: every row gets a new primary key (renumber_autoid)');
    const { old, plan } = await planOf(milvus, p, source);
    if (!('problems' in plan)) {
      const { checks, skipped } = recallChecks(old, plan, p);
      facts.push(...recallFacts(checks, skipped, recallOptions(p)));
    }
    if (await collectionExists(milvus, { ...t, collection_name: names.shadow }))
      facts.push(`${names.shadow} exists already (left by an interrupted run: the rebuild goes on in it)`);
    return facts;
  },
  async run(ctx, p) {
    return rebuild(ctx, p);
  },
  inverse(p, recorded): InverseResult {
    const r = recorded as RebuildRecord | undefined;
    if (!r || r.phase !== 'cut') return { irreversible: 'the rebuild did not record its cut-over' };
    const db = p.db_name ? { db_name: p.db_name } : {};
    const steps: StepCall[] = [];
    if (r.kind === 'rename') {
      steps.push(callOf(renameCollection, { collection_name: r.source, new_collection_name: r.shadow, ...db }));
      steps.push(callOf(renameCollection, { collection_name: r.old, new_collection_name: r.source, ...db }));
    }
    for (const alias of r.aliases) steps.push(callOf(alterAlias, { alias, collection_name: r.source, ...db }));
    steps.push(callOf(dropCollection, { collection_name: r.shadow, ...db }));
    return { steps, note: `readers go back to ${r.source}, which kept its rows; ${r.shadow} (the rebuilt copy) is dropped` };
  },
});

/**
 * Why `strategy: import` cannot run here: the server must read files this machine writes (an
 * Embedded Milvus, or `importDir` naming a folder it reads under the same path), and the new
 * collection must hold only what the tool writes as import JSON.
 */
function importProblem(milvus: Milvus, fields: readonly { name: string; data_type: string }[]): string | undefined {
  if (!milvus.importDir)
    return (
      `strategy: import needs a folder the server at ${milvus.address} reads import files from: set importDir in milvus.config.yaml ` +
      '(or MILVUS_MIGRATE_IMPORT_DIR) to a folder it reads under the same path (an Embedded Milvus has one by itself), or use strategy: copy. ' +
      "Uploading files to a cluster's object storage (S3, MinIO) is not built"
    );
  const arrays = fields.filter((f) => f.data_type === 'Array').map((f) => f.name);
  if (arrays.length) return `strategy: import does not write Array fields (${arrays.join(', ')}) yet: use strategy: copy`;
  return undefined;
}

/** What is wrong with the catch-up field: it must be an Int64 of the old collection, kept (as an Int64) in the new one. */
function catchUpProblem(old: OldCollection, plan: TargetPlan, p: RebuildParams): string | undefined {
  const name = p.catch_up?.field;
  if (!name) return undefined;
  const f = old.schema.fields.find((x) => x.name === name);
  const need = 'the catch-up field must be an Int64 that grows with every write (e.g. updated_at in milliseconds)';
  if (!f) return `catch_up.field: no field named ${name} in the collection (it has ${old.schema.fields.map((x) => x.name).join(', ')})`;
  if (f.data_type !== 'Int64') return `catch_up.field: ${name} is ${f.data_type}: ${need}`;
  const kept = plan.schema.fields.find((x) => x.name === (plan.renames.get(name) ?? name));
  if (!kept || kept.data_type !== 'Int64') return `catch_up.field: ${name} must stay an Int64 field of the new collection`;
  return undefined;
}

/** Reads the old collection and works out the new one. */
async function planOf(
  milvus: Milvus,
  p: RebuildParams,
  known?: string,
): Promise<{ old: OldCollection; plan: TargetPlan | { problems: [string, string][] }; source: string; via: boolean }> {
  const via = known
    ? undefined
    : await aliasTarget(milvus, p.db_name ? { alias: p.collection_name, db_name: p.db_name } : { alias: p.collection_name });
  const source = known ?? via ?? p.collection_name;
  const t = { collection_name: source, ...(p.db_name ? { db_name: p.db_name } : {}) };
  if (!(await collectionExists(milvus, t)))
    throw new MigrateError('invalid-input', `collection ${qualified(t)} does not exist (nor an alias of that name)`);
  const schema = (await readSchema(milvus, { database: p.db_name ?? milvus.database, collections: [source] })).collections[source]!;
  const def = await captureDefinition(milvus, t);
  const old: OldCollection = { schema, indexes: def.indexes, numPartitions: def.schema.num_partitions };
  return { old, plan: planTarget(old, p) as TargetPlan | { problems: [string, string][] }, source, via: via !== undefined };
}

async function rebuild(ctx: StepContext, p: RebuildParams): Promise<RebuildRecord> {
  const { milvus, logger } = ctx;
  const db = p.db_name;
  const at = (name: string) => ({ collection_name: name, ...(db ? { db_name: db } : {}) });
  const previous = ctx.resumed ? (ctx.previous as RebuildRecord | undefined) : undefined;
  let rec: RebuildRecord;
  if (previous?.phase === 'verified' || previous?.phase === 'cut') rec = previous;
  else {
    const { old, plan, source, via } = await planOf(milvus, p, previous?.source);
    if ('problems' in plan) throw new MigrateError('invalid-input', plan.problems.map(([k, m]) => `${k}: ${m}`).join('; '));
    const catchUp = catchUpProblem(old, plan, p);
    if (catchUp) throw new MigrateError('invalid-input', catchUp);
    const noImport = p.strategy === 'import' ? importProblem(milvus, plan.schema.fields) : undefined;
    if (noImport) throw new MigrateError('invalid-input', noImport);
    const names = rebuildNames(p);
    const aliases = previous?.aliases ?? (await describeCollection(milvus, at(source))).aliases ?? [];
    rec = previous ?? {
      phase: 'created',
      kind: via ? 'alias' : 'rename',
      source,
      shadow: names.shadow,
      old: via ? source : names.old,
      name: p.collection_name,
      aliases,
    };
    const from = await collectionShape(milvus, at(source));
    const shadow = at(rec.shadow);
    if (!previous || previous.phase === 'created') {
      // A resumed run may have created it before its first checkpoint: then it is this step's.
      if (!ctx.resumed && (await collectionExists(milvus, shadow))) {
        throw new MigrateError('migration-failed', `${rec.shadow} exists already and this run did not create it`, {
          hint: `drop ${rec.shadow} (left by an earlier attempt?) and run again`,
        });
      }
      await createShadow(milvus, logger, plan, shadow);
      await ctx.checkpoint(rec);
    }
    const to = await collectionShape(milvus, shadow);
    const transform = p.transform ? await loadTransform(p.transform, ctx.migration.dir) : undefined;
    const convert = converter(plan, from, to, transform, { dropKey: to.pk.autoID, file: p.transform });
    const loadedHere = await ensureLoaded(ctx, 'rebuildCollection', at(source), undefined, qualified(at(source)));
    try {
      const partitions = from.partitionKey ? [undefined] : await partitionNames(milvus, at(source));
      const reads = partitions.map((partition) => ({ ...at(source), ...(partition ? { partition_names: [partition] } : {}) }));
      const batchSize = p.batch_size ?? DEFAULT_BATCH_SIZE;
      const write = writer(milvus, shadow, to, partitions);
      const field = p.catch_up?.field;
      if (rec.phase === 'created' || rec.phase === 'copying') {
        let copy = copyOf(rec, partitions.length);
        if (!copy) {
          // The ranges and the catch-up's first watermark are saved before the first row is copied.
          const boundaries = await keyBoundaries(milvus, at(source), from.pk, p.parallelism ?? 1, batchSize);
          copy = { boundaries, segments: [], copied: 0, left_out: 0 };
          const catchUp = field ? { field, since: await watermark(milvus, reads, field), rounds: [] } : undefined;
          rec = { ...rec, phase: 'copying', copy, ...(catchUp ? { catch_up: catchUp } : {}) };
          await ctx.checkpoint(rec);
        }
        const ranges = copy.boundaries.length + 1;
        const segments = reads.flatMap((read, i) =>
          Array.from({ length: ranges }, (_, r) => ({ read, filter: rangeFilter(from.pk, copy.boundaries, r), partition: partitions[i] })),
        );
        const resumed = rec.phase === 'copying';
        const cursors =
          p.strategy === 'import'
            ? await importInto(ctx, {
                segments,
                ranges,
                partitions,
                from,
                to,
                source: at(source),
                shadow,
                convert,
                batchSize,
                resume:
                  resumed && copy.segments.length ? { segments: copy.segments, files: copy.files ?? 0, pending: copy.pending } : undefined,
                checkpoint: (c) => {
                  rec = {
                    ...rec,
                    phase: 'copying',
                    copy: {
                      // The file in flight is the cursor's: a saved one it no longer names was imported.
                      ...withoutPending(copy),
                      ...totals(c.segments),
                      segments: c.segments,
                      files: c.files,
                      ...(c.pending ? { pending: c.pending } : {}),
                    },
                  };
                  return ctx.checkpoint(rec);
                },
              })
            : await copyConcurrently({
                milvus,
                logger,
                segments,
                parallelism: p.parallelism ?? 1,
                pk: from.pk,
                batchSize,
                from: qualified(at(source)),
                to: rec.shadow,
                task: `rebuild ${source} → ${rec.shadow}`,
                // A resumed run may have written a page of each range after its last checkpoint: it is upserted.
                resume: rec.phase === 'copying' ? copy.segments : undefined,
                write: (page, segment, replay) => write(page, Math.floor(segment / ranges), replay, convert),
                checkpoint: (c) => {
                  rec = { ...rec, phase: 'copying', copy: { ...copy, ...totals(c), segments: c } };
                  return ctx.checkpoint(rec);
                },
              });
        rec = { ...rec, phase: 'copied', copy: { ...withoutPending(copy), ...totals(cursors), segments: cursors } };
        await ctx.checkpoint(rec);
      }
      if (rec.phase === 'copied') {
        await buildAndLoad(milvus, logger, plan, shadow);
        rec = { ...rec, phase: 'loaded' };
        await ctx.checkpoint(rec);
      }
      if (rec.catch_up) {
        const maxDelta = p.catch_up?.max_delta ?? batchSize;
        for (let c: CatchUpRecord = rec.catch_up; c.rounds.length < DEFAULT_CATCH_UP_ROUNDS;) {
          const round = await catchUpRound({
            milvus,
            segments: reads,
            pk: from.pk,
            field: c.field,
            since: c.since,
            batchSize,
            write: (page, i) => write(page, i, true, convert).then(() => undefined),
          });
          logger.info(describeRound(c.rounds.length + 1, round, c.field));
          c = { ...c, since: round.next, rounds: [...c.rounds, round.rows] };
          rec = { ...rec, catch_up: c };
          await ctx.checkpoint(rec);
          if (round.rows <= maxDelta) break;
        }
      }
      const since = rec.catch_up?.since;
      const sample = typeof p.verify === 'object' ? p.verify.sample : undefined;
      // A changed vector index: probes are drawn from the rows the verification reads anyway.
      const recall = recallOptions(p);
      const { checks, skipped } = recall
        ? recallChecks(old, plan, p, (await captureDefinition(milvus, shadow)).indexes)
        : { checks: [], skipped: [] };
      const picker =
        recall && checks.length
          ? new ProbePicker(
              recall.probes,
              checks.map((c) => c.field),
              from.pk.name,
            )
          : undefined;
      const report = await verifyCopy({
        milvus,
        logger,
        source: at(source),
        target: shadow,
        from,
        to,
        segments: partitions.map((partition) => ({ source: partition, target: to.partitionKey ? undefined : partition })),
        // With writers at work: every row that has not changed since the last round must be there, as it is.
        filter: field && since ? `${field} < ${since}` : undefined,
        expected: convert,
        exclusive: !field,
        keysKept: !to.pk.autoID,
        sample,
        batchSize,
        tap: picker && ((row, total) => picker.offer(row, total)),
        copied: copiedByPartition(rec.copy?.segments, partitions.length),
        asSource: probeView({ old: from.pk.name, new: to.pk.name }, checks),
      });
      const figures: RecallFigure[] = [...skipped];
      if (recall && picker) {
        const renamed = field && (plan.renames.get(field) ?? field);
        figures.push(
          ...(await measureChecks({
            milvus,
            checks,
            options: recall,
            source: at(source),
            shadow,
            probes: picker.rows,
            pk: { old: from.pk.name, new: to.pk.name },
            filters: field && since ? { old: `${field} < ${since}`, new: `${renamed} < ${since}` } : undefined,
          })),
        );
      }
      const low = figures.flatMap((f) => recallFailure(f) ?? []);
      const settings = await settingsDifferences(milvus, plan, shadow);
      const load = await matchLoadState(milvus, plan, shadow);
      if (load) settings.push(load);
      const verification = {
        ...report,
        ok: report.ok && settings.length === 0 && low.length === 0,
        settings,
        ...(figures.length ? { recall: figures } : {}),
      };
      rec = { ...rec, verification };
      if (!verification.ok) {
        await ctx.checkpoint(rec);
        throw new MigrateError(
          'migration-failed',
          `verification of ${rec.shadow} against ${source} failed: ${[...report.differences, ...settings, ...low].join('; ')}. ` +
            `Nothing was cut over: ${source} still serves, ${rec.shadow} is kept for inspection`,
          { hint: `drop ${rec.shadow} before running the migration again` },
        );
      }
      logger.info(
        `verified ${rec.shadow}: ${rows(report.rows.target)}${report.rows.left_out ? ` (${report.rows.left_out} left out by the transform)` : ''}, ` +
          `${'expected' in report.keys ? `key digest ${report.keys.target.sum}` : report.keys.skipped}, ` +
          `${'compared' in report.content ? `${rows(report.content.compared)} compared` : report.content.skipped}, settings carried over` +
          figures.map((f) => `; ${describeRecall(f)}`).join(''),
      );
      rec = { ...rec, phase: 'verified' };
      await ctx.checkpoint(rec);
    } finally {
      if (loadedHere) await milvus.call('releaseCollection', at(source) as never).catch(() => undefined);
    }
  }
  await cutOver(milvus, logger, rec, db);
  if (rec.catch_up && rec.catch_up.after_cut_over === undefined) {
    rec = { ...rec, catch_up: { ...rec.catch_up, after_cut_over: await lastRound(ctx, p, rec, rec.catch_up) } };
  }
  rec = { ...rec, phase: 'cut' };
  logger.info(`readers of ${p.collection_name} now reach the rebuilt collection; the old one is kept as ${rec.old}`);
  return rec;
}

type CopyState = NonNullable<RebuildRecord['copy']>;

function withoutPending(copy: CopyState): Omit<CopyState, 'pending'> {
  const { pending: _pending, ...rest } = copy;
  return rest;
}

/** Rows copied and left out, over every segment. */
function totals(cursors: readonly SegmentCursor[]): { copied: number; left_out: number } {
  return {
    copied: cursors.reduce((n, c) => n + c.copied, 0),
    left_out: cursors.reduce((n, c) => n + (c.left_out ?? 0), 0),
  };
}

/** The copy's saved state; a record of the single-stream copy (before ranges) is read as ranges of one per partition. */
function copyOf(rec: RebuildRecord, partitions: number): CopyState | undefined {
  const saved = rec.copy as CopyState | { segment: number; last_pk?: PkValue; copied: number; left_out: number } | undefined;
  if (!saved || 'boundaries' in saved) return saved;
  const c = saved;
  const segments: SegmentCursor[] = Array.from({ length: partitions }, (_, i) =>
    i < c.segment ? { copied: 0, done: true } : i === c.segment ? { last_pk: c.last_pk, copied: c.copied } : { copied: 0 },
  );
  return { boundaries: [], segments, copied: c.copied, left_out: c.left_out };
}

/** The copy by strategy import: one stream, file by file into the shadow; returns each segment's cursor. */
async function importInto(
  ctx: StepContext,
  o: {
    segments: { read: ReadTarget; filter?: string | undefined; partition?: string | undefined }[];
    ranges: number;
    partitions: readonly (string | undefined)[];
    from: CollectionShape;
    to: CollectionShape;
    source: { collection_name: string; db_name?: string };
    shadow: { collection_name: string; db_name?: string };
    convert: Converter;
    batchSize: number;
    resume: ImportCursor | undefined;
    checkpoint: (c: ImportCursor) => Promise<void>;
  },
): Promise<SegmentCursor[]> {
  const { milvus, logger } = ctx;
  const done = await importSegments({
    milvus,
    logger,
    segments: o.segments,
    pk: o.from.pk,
    batchSize: o.batchSize,
    from: qualified(o.source),
    to: o.shadow.collection_name,
    task: `rebuild ${o.source.collection_name} → ${o.shadow.collection_name} (import)`,
    target: o.shadow,
    shape: o.to,
    partitionOf: (segment) => (o.to.partitionKey ? undefined : o.partitions[Math.floor(segment / o.ranges)]),
    // importProblem refused the run without one.
    dir: milvus.importDir!,
    prefix: `${ctx.migration.name}-${o.shadow.collection_name}`,
    convert: async (page) => {
      const out: Row[] = [];
      for (const row of page) {
        const r = await o.convert(row);
        if (r) out.push(r);
      }
      return out;
    },
    resume: o.resume,
    checkpoint: o.checkpoint,
  });
  return [...done.segments];
}

/** Writes converted rows into the shadow, in the partition the page was read from; returns how many the transform left out. */
function writer(
  milvus: Milvus,
  shadow: { collection_name: string; db_name?: string },
  to: CollectionShape,
  partitions: readonly (string | undefined)[],
) {
  const hasher = rowHasher(to);
  return async (page: Row[], partitionIndex: number, upsert: boolean, convert: Converter, keep?: (rows: Row[]) => Promise<Row[]>) => {
    let data: Row[] = [];
    for (const row of page) {
      const out = await convert(row);
      if (out) data.push(out);
    }
    const leftOut = page.length - data.length;
    if (keep) data = await keep(data);
    const digest = new RowDigest();
    // Keys made by Milvus (autoID) cannot be matched: such a copy gives no digest.
    const result = () => (to.pk.autoID ? leftOut : { leftOut, digest });
    if (!data.length) return result();
    const partition = to.partitionKey ? undefined : partitions[partitionIndex];
    const written = milvus.call(upsert && !to.pk.autoID ? 'upsert' : 'insert', {
      ...shadow,
      ...(partition ? { partition_name: partition } : {}),
      data,
    } as never);
    // What the verification reads back and compares, hashed while Milvus takes the rows.
    if (!to.pk.autoID) for (const row of data) digest.add(hasher.written(row));
    await written;
    return result();
  };
}

/**
 * The round after the cut-over: rows of the old collection changed since the last round, copied
 * into the new one unless it holds them newer (its writers write there now). Returns the rows copied.
 */
async function lastRound(ctx: StepContext, p: RebuildParams, rec: RebuildRecord, c: CatchUpRecord): Promise<number> {
  const { milvus, logger } = ctx;
  const db = p.db_name ? { db_name: p.db_name } : {};
  const oldNow = { collection_name: rec.kind === 'rename' ? rec.old : rec.source, ...db };
  const newNow = { collection_name: rec.kind === 'rename' ? rec.source : rec.shadow, ...db };
  await new Promise((r) => setTimeout(r, CATCH_UP_SETTLE_MS));
  const { plan } = await planOf(milvus, p, oldNow.collection_name);
  if ('problems' in plan) throw new MigrateError('invalid-input', plan.problems.map(([k, m]) => `${k}: ${m}`).join('; '));
  const [from, to] = await Promise.all([collectionShape(milvus, oldNow), collectionShape(milvus, newNow)]);
  const transform = p.transform ? await loadTransform(p.transform, ctx.migration.dir) : undefined;
  const convert = converter(plan, from, to, transform, { dropKey: false, file: p.transform });
  const partitions = from.partitionKey ? [undefined] : await partitionNames(milvus, oldNow);
  const reads = partitions.map((partition) => ({ ...oldNow, ...(partition ? { partition_names: [partition] } : {}) }));
  const field = plan.renames.get(c.field) ?? c.field;
  const write = writer(milvus, newNow, to, partitions);
  const loadedHere = await ensureLoaded(ctx, 'rebuildCollection', oldNow, undefined, qualified(oldNow));
  let copied = 0;
  try {
    const keep = async (rows: Row[]) => {
      const newer = await newerThanTarget(milvus, newNow, to.pk, field, rows);
      copied += newer.length;
      return newer;
    };
    const batchSize = p.batch_size ?? DEFAULT_BATCH_SIZE;
    await catchUpRound({
      milvus,
      segments: reads,
      pk: from.pk,
      field: c.field,
      since: c.since,
      batchSize,
      write: (page, i) => write(page, i, true, convert, keep).then(() => undefined),
    });
  } finally {
    if (loadedHere) await milvus.call('releaseCollection', oldNow as never).catch(() => undefined);
  }
  logger.info(
    `catch-up after the cut-over: ${rows(copied)} written to ${oldNow.collection_name} meanwhile copied to ${newNow.collection_name}`,
  );
  return copied;
}
