/**
 * Which vector fields of a rebuild get a recall check: those whose index changes (type, metric or
 * build params) while their values are copied as they are. Pure: the old collection comes in read.
 */
import type { SavedIndex } from '../../../backup/format.js';
import type { Milvus } from '../../../milvus/client.js';
import type { Row } from '../../../milvus/reads/shape.js';
import {
  DEFAULT_RECALL_MIN,
  DEFAULT_RECALL_PROBES,
  DEFAULT_RECALL_TOP_K,
  defaultSearchParams,
  measureRecall,
  type RecallFigure,
} from '../../../copy/recall.js';
import type { RebuildParams } from './params.js';
import type { OldCollection, TargetPlan } from './target.js';

/** Vector types whose values read back by a query can be searched with as they are. */
const SEARCHABLE = new Set(['FloatVector', 'BinaryVector', 'SparseFloatVector']);

/** One field to measure: its name in the old and the new collection, and both indexes. */
export interface RecallCheck {
  readonly field: string;
  readonly newField: string;
  readonly oldIndex: SavedIndex;
  readonly newIndex: SavedIndex;
}

/** The recall options with their defaults applied; `undefined`: turned off (`recall: false`). */
export function recallOptions(p: Pick<RebuildParams, 'verify'>) {
  const r = typeof p.verify === 'object' ? p.verify.recall : undefined;
  if (r === false) return undefined;
  return {
    min: r?.min ?? DEFAULT_RECALL_MIN,
    probes: r?.probes ?? DEFAULT_RECALL_PROBES,
    topK: r?.top_k ?? DEFAULT_RECALL_TOP_K,
    oldParams: r?.search_params?.old,
    newParams: r?.search_params?.new,
  };
}

/**
 * Fields to measure, and fields whose index changes but cannot be measured (with the reason).
 * `built`: the new collection's indexes as Milvus describes them (once built: a metric left out of
 * the params is then known); before, the plan's.
 */
export function recallChecks(
  old: OldCollection,
  plan: TargetPlan,
  p: Pick<RebuildParams, 'transform'>,
  built: readonly SavedIndex[] = plan.indexes,
): { checks: RecallCheck[]; skipped: RecallFigure[] } {
  const checks: RecallCheck[] = [];
  const skipped: RecallFigure[] = [];
  for (const f of old.schema.fields) {
    const newField = plan.renames.get(f.name);
    const oldIndex = old.indexes.find((ix) => ix.field_name === f.name);
    const newIndex = newField ? built.find((ix) => ix.field_name === newField) : undefined;
    if (!newField || !oldIndex || !newIndex || sameIndex(oldIndex, newIndex)) continue;
    const field = newField;
    const target = plan.schema.fields.find((x) => x.name === newField);
    if (!target || !isVectorType(target.data_type)) continue;
    const autoID = plan.schema.fields.some((x) => x.is_primary_key && x.autoID);
    if (plan.changed.has(newField))
      skipped.push({
        field,
        skipped: `its values change (${f.data_type} → ${target.data_type}, dim ${f.dim} → ${target.dim}): the old neighbours are not the new ones`,
      });
    else if (p.transform)
      skipped.push({ field, skipped: 'a transform may change the vectors or leave rows out: the old neighbours are not the new ones' });
    else if (newIndex.metric_type !== undefined && oldIndex.metric_type !== newIndex.metric_type)
      skipped.push({
        field,
        skipped: `the metric changes (${oldIndex.metric_type} → ${newIndex.metric_type}): neighbours by another measure are not comparable`,
      });
    else if (autoID) skipped.push({ field, skipped: 'the keys are renumbered (autoID): neighbours cannot be matched' });
    else if (!SEARCHABLE.has(f.data_type)) skipped.push({ field, skipped: `recall is not measured for ${f.data_type} fields` });
    else checks.push({ field: f.name, newField, oldIndex, newIndex });
  }
  return { checks, skipped };
}

function isVectorType(t: string): boolean {
  return t.endsWith('Vector');
}

/** The same index: type, metric and build params (numbers and strings alike; the name does not count). */
function sameIndex(a: SavedIndex, b: SavedIndex): boolean {
  const params = (x: SavedIndex) =>
    JSON.stringify(
      Object.entries(x.params ?? {})
        .map(([k, v]) => [k, String(v)])
        .sort(([x], [y]) => (x! < y! ? -1 : 1)),
    );
  const type = (x: SavedIndex) => (x.index_type ?? 'AUTOINDEX').toUpperCase();
  return type(a) === type(b) && (b.metric_type === undefined || a.metric_type === b.metric_type) && params(a) === params(b);
}

type Target = { collection_name: string; db_name?: string | undefined };
export type RecallOptions = NonNullable<ReturnType<typeof recallOptions>>;

/** Measures each check with the probes drawn from the old collection, one field after another. */
export async function measureChecks(o: {
  milvus: Milvus;
  checks: readonly RecallCheck[];
  options: RecallOptions;
  source: Target;
  shadow: Target;
  probes: readonly Row[];
  /** The primary key's name in the old and in the new collection. */
  pk: { old: string; new: string };
  /** The verification's filter, on each side (the catch-up field may be renamed). */
  filters?: { old: string; new: string } | undefined;
}): Promise<RecallFigure[]> {
  const out: RecallFigure[] = [];
  for (const c of o.checks) {
    out.push(
      await measureRecall({
        milvus: o.milvus,
        old: { ...o.source, field: c.field, pk: o.pk.old, index: c.oldIndex, params: o.options.oldParams, filter: o.filters?.old },
        new: { ...o.shadow, field: c.newField, pk: o.pk.new, index: c.newIndex, params: o.options.newParams, filter: o.filters?.new },
        probes: o.probes,
        topK: o.options.topK,
        min: o.options.min,
      }),
    );
  }
  return out;
}

/** The plan's words for the checks that will run and those that cannot. */
export function recallFacts(checks: readonly RecallCheck[], skipped: readonly RecallFigure[], o: RecallOptions | undefined): string[] {
  if (!o) return checks.length || skipped.length ? ['recall check of the changed index turned off (verify.recall: false)'] : [];
  const params = (x: Record<string, unknown>) =>
    Object.keys(x).length
      ? `{ ${Object.entries(x)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join(', ')} }`
      : 'none';
  return [
    ...checks.map((c) => {
      const oldParams = { ...defaultSearchParams(c.oldIndex, o.topK), ...(o.oldParams ?? {}) };
      const newParams = { ...defaultSearchParams(c.newIndex, o.topK), ...(o.newParams ?? {}) };
      return (
        `recall check on ${c.newField}: the index changes (${c.oldIndex.index_type ?? 'AUTOINDEX'} → ${c.newIndex.index_type ?? 'AUTOINDEX'}); ` +
        `${o.probes} probe rows searched in both, top ${o.topK} compared (search params ${params(oldParams)} / ${params(newParams)}); ` +
        `below ${o.min} the rebuild stops before the cut-over`
      );
    }),
    ...skipped.map((s) => `no recall check on ${s.field} although its index changes: ${'skipped' in s ? s.skipped : ''}`),
  ];
}
