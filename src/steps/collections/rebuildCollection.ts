import { createHash } from 'node:crypto';
import { MigrateError } from '../../errors.js';
import type { Milvus } from '../../milvus/client.js';
import { aliasTarget } from '../../milvus/reads/aliases.js';
import { collectionExists, countRows, describeCollection, partitionNames, rows } from '../../milvus/reads/lookups.js';
import { qualified } from '../../milvus/reads/names.js';
import { ensureLoaded } from '../../milvus/reads/paging.js';
import { collectionShape, type Row } from '../../milvus/reads/shape.js';
import { loadState } from '../../milvus/wait.js';
import { readSchema } from '../../schema/read.js';
import { captureDefinition } from '../../backup/schema.js';
import { DEFAULT_IMPORT_FILE_BYTES } from '../../copy/import.js';
import { MEASURED_COPY_BYTES_PER_SECOND, averageRowBytes, bytesText, durationText } from '../../copy/estimate.js';
import { DEFAULT_BATCH_SIZE } from '../data/rows.js';
import { defineStep, callOf, type InverseResult, type StepCall, type StepContext } from '../types.js';
import { alterAlias } from '../aliases/alterAlias.js';
import { dropCollection } from './dropCollection.js';
import { renameCollection } from './renameCollection.js';
import { rebuildParams, type RebuildParams } from './rebuild/params.js';
import { planTarget, type OldCollection, type TargetPlan } from './rebuild/target.js';
import { converter, loadTransform } from './rebuild/rows.js';
import {
  CATCH_UP_SETTLE_MS,
  DEFAULT_CATCH_UP_ROUNDS,
  catchUpRound,
  describeRound,
  newerThanTarget,
  type CatchUpRecord,
} from './rebuild/catch-up.js';
import { buildAndLoad, createShadow, cutOver } from './rebuild/phases.js';
import { applyRebuild } from './rebuild/model.js';
import { recallChecks, recallFacts, recallOptions } from './rebuild/recall.js';
import { resolvedName } from '../../schema/plan-model.js';
import { needCollection } from '../expect.js';
import { copyPhase, writer } from './rebuild/copy.js';
import { verifyPhase } from './rebuild/verification.js';
import type { RebuildRecord } from './rebuild/record.js';

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
      // By the name the model resolved: an alias an earlier pending step creates is not in Milvus yet.
      const { old, plan, source: label } = await planOf(ctx.reads, p, source.collection_name);
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
      if (rec.phase === 'created' || rec.phase === 'copying') {
        rec = await copyPhase(ctx, p, rec, { source: at(source), shadow, from, to, partitions, reads, batchSize, convert, write });
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
      rec = await verifyPhase(ctx, p, rec, { old, plan, source: at(source), shadow, from, to, partitions, batchSize, convert });
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
