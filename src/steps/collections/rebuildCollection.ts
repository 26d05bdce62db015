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
import { copySegments, type CopyCursor } from '../../copy/engine.js';
import { verifyCopy, type VerificationReport } from '../../copy/verify.js';
import { DEFAULT_BATCH_SIZE } from '../data/rows.js';
import { defineStep, callOf, type InverseResult, type StepCall, type StepContext } from '../types.js';
import { alterAlias } from '../aliases/alterAlias.js';
import { dropCollection } from './dropCollection.js';
import { renameCollection } from './renameCollection.js';
import { rebuildParams, type RebuildParams } from './rebuild/params.js';
import { planTarget, type OldCollection, type TargetPlan } from './rebuild/target.js';
import { converter, loadTransform } from './rebuild/rows.js';
import { buildAndLoad, createShadow, cutOver, matchLoadState, settingsDifferences, type CutOver } from './rebuild/phases.js';
import { applyRebuild } from './rebuild/model.js';
import { resolvedName } from '../../schema/plan-model.js';
import { needCollection } from '../expect.js';

/** Phases in order ('created', 'copied', 'loaded', 'verified', 'cut'); the record says which one a run reached. */
type Phase = 'created' | 'copied' | 'loaded' | 'verified' | 'cut';

/** What a rebuild records: checkpointed at each phase (and each page of the copy), returned when cut over. */
export type RebuildRecord = CutOver & {
  readonly phase: Phase | 'copying';
  readonly copy?: CopyCursor & { readonly left_out: number };
  readonly verification?: VerificationReport & { readonly settings: readonly string[] };
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
 * every setting), then cuts readers over: through an alias with `alterAlias`, by name by renaming
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
    const verify = p.verify === undefined || p.verify === 'full' ? 'every row' : `a sample of ${p.verify.sample}`;
    return `rebuild ${qualified(p)} into ${rebuildNames(p).shadow}${p.transform ? ` through ${p.transform}` : ''}, verify (${verify}) and cut over`;
  },
  check(p) {
    if (!p.changes === !p.schema)
      return [['changes', 'give either changes (what differs from the old collection) or schema (the whole new one), not both']];
    if (p.new_collection_name === p.collection_name)
      return [['new_collection_name', 'is the collection itself: the new collection needs another name']];
    return [];
  },
  async expect(ctx, p) {
    const { collection, problems } = needCollection(ctx.model, p);
    if (!collection) return problems;
    // The source's whole description (autoID, index params, properties) is read from Milvus when
    // it exists there; one created by an earlier pending step is checked when the step runs.
    const source = { collection_name: resolvedName(ctx.model, p), ...(p.db_name ? { db_name: p.db_name } : {}) };
    if (!ctx.reads || !(await collectionExists(ctx.reads, source))) return [];
    try {
      const { plan, source: label } = await planOf(ctx.reads, p);
      if ('problems' in plan) return plan.problems.map(([k, m]) => `${k}: ${m}`);
      const autoID = plan.schema.fields.find((f) => f.is_primary_key)?.autoID;
      if (autoID && !p.renumber_autoid) {
        return [
          `${label} makes its own primary keys (autoID): Milvus 2.3 takes no given keys for such a field, so every row would get a new key; ` +
            'say renumber_autoid: true to accept that, or give the key field autoID: false to keep the keys',
        ];
      }
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
    facts.push(
      state === 'LoadStateLoaded'
        ? `${rows(await countRows(milvus, t, undefined, '', 'Strong'))} to copy`
        : 'not loaded: loaded for the copy, released again after',
    );
    facts.push(
      via
        ? `cut-over through alias ${p.collection_name} (alterAlias: no downtime for readers); ${source} stays as it is`
        : `cut-over by name: ${source} is renamed to ${names.old} and ${names.shadow} to ${source} (readers see a moment without the collection)`,
    );
    facts.push('writes paused: rows written during the copy would not reach the new collection');
    if (p.renumber_autoid) facts.push('autoID: every row gets a new primary key (renumber_autoid)');
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
    const { plan, source, via } = await planOf(milvus, p, previous?.source);
    if ('problems' in plan) throw new MigrateError('invalid-input', plan.problems.map(([k, m]) => `${k}: ${m}`).join('; '));
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
      const segments = partitions.map((partition) => ({
        read: { ...at(source), ...(partition ? { partition_names: [partition] } : {}) },
        partition,
      }));
      const batchSize = p.batch_size ?? DEFAULT_BATCH_SIZE;
      if (rec.phase === 'created' || rec.phase === 'copying') {
        let leftOut = rec.copy?.left_out ?? 0;
        let pending = 0;
        const cursor = await copySegments({
          milvus,
          logger,
          segments,
          pk: from.pk,
          batchSize,
          from: qualified(at(source)),
          to: rec.shadow,
          task: `rebuild ${source} → ${rec.shadow}`,
          // A resumed run that saved no cursor may have written its first page: it is upserted.
          resume: rec.phase === 'copying' ? rec.copy : ctx.resumed ? { segment: 0, copied: 0 } : undefined,
          async write(page, segment, replay) {
            const data = [];
            for (const row of page) {
              const out = await convert(row);
              if (out) data.push(out);
            }
            pending = page.length - data.length;
            if (!data.length) return;
            const partition = to.partitionKey ? undefined : segments[segment]!.partition;
            await milvus.call(replay && !to.pk.autoID ? 'upsert' : 'insert', {
              ...shadow,
              ...(partition ? { partition_name: partition } : {}),
              data,
            } as never);
          },
          checkpoint: (c) => {
            leftOut += pending;
            rec = { ...rec, phase: 'copying', copy: { ...c, left_out: leftOut } };
            return ctx.checkpoint(rec);
          },
        });
        rec = { ...rec, phase: 'copied', copy: { ...cursor, left_out: leftOut } };
        await ctx.checkpoint(rec);
      }
      if (rec.phase === 'copied') {
        await buildAndLoad(milvus, logger, plan, shadow);
        rec = { ...rec, phase: 'loaded' };
        await ctx.checkpoint(rec);
      }
      const sample = typeof p.verify === 'object' ? p.verify.sample : undefined;
      const report = await verifyCopy({
        milvus,
        logger,
        source: at(source),
        target: shadow,
        from,
        to,
        segments: partitions.map((partition) => ({ source: partition, target: to.partitionKey ? undefined : partition })),
        expected: convert,
        exclusive: true,
        keysKept: !to.pk.autoID,
        sample,
        batchSize,
      });
      const settings = await settingsDifferences(milvus, plan, shadow);
      const load = await matchLoadState(milvus, plan, shadow);
      if (load) settings.push(load);
      const verification = { ...report, ok: report.ok && settings.length === 0, settings };
      rec = { ...rec, verification };
      if (!verification.ok) {
        await ctx.checkpoint(rec);
        throw new MigrateError(
          'migration-failed',
          `verification of ${rec.shadow} against ${source} failed: ${[...report.differences, ...settings].join('; ')}. ` +
            `Nothing was cut over: ${source} still serves, ${rec.shadow} is kept for inspection`,
          { hint: `drop ${rec.shadow} before running the migration again` },
        );
      }
      logger.info(
        `verified ${rec.shadow}: ${rows(report.rows.target)}${report.rows.left_out ? ` (${report.rows.left_out} left out by the transform)` : ''}, ` +
          `${'expected' in report.keys ? `key digest ${report.keys.target.sum}` : report.keys.skipped}, ` +
          `${'compared' in report.content ? `${rows(report.content.compared)} compared` : report.content.skipped}, settings carried over`,
      );
      rec = { ...rec, phase: 'verified' };
      await ctx.checkpoint(rec);
    } finally {
      if (loadedHere) await milvus.call('releaseCollection', at(source) as never).catch(() => undefined);
    }
  }
  await cutOver(milvus, logger, rec, db);
  rec = { ...rec, phase: 'cut' };
  logger.info(`readers of ${p.collection_name} now reach the rebuilt collection; the old one is kept as ${rec.old}`);
  return rec;
}
