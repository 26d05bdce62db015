/**
 * Proof that a copy is complete: row counts per partition, the set of primary keys (an
 * order-independent digest streamed over both sides) and the content of every row (or a sample),
 * vectors compared exactly. Used by copyRows (`verify: true`) and rebuildCollection. Reads only.
 */
import type { Logger } from '../logger.js';
import type { Milvus } from '../milvus/client.js';
import { countRows, rows } from '../milvus/reads/lookups.js';
import { pkLiteral, type PkValue } from '../milvus/reads/keys.js';
import { MAX_BATCH_SIZE, pages, type ReadTarget } from '../milvus/reads/paging.js';
import { DYNAMIC_FIELD, type CollectionShape, type FieldShape, type Row } from '../milvus/reads/shape.js';
import { readAhead } from '../util/concurrent.js';
import { throttled } from '../util/progress.js';
import { columnPages, readsAsColumns } from '../milvus/reads/columns.js';
import { readPageRows } from './estimate.js';
import { canonical, KeyDigest, RowDigest, rowHasher, type KeyDigestRecord, type RowDigestRecord } from './digest.js';

type Target = { collection_name: string; db_name?: string | undefined };

/** What is compared, and how source rows should look in the target. */
export interface VerifyOptions {
  readonly milvus: Milvus;
  readonly logger: Logger;
  readonly source: Target;
  readonly target: Target;
  readonly from: CollectionShape;
  readonly to: CollectionShape;
  /** Source partition → target partition, each counted on its own; `undefined`: the whole collection. */
  readonly segments: readonly { readonly source?: string | undefined; readonly target?: string | undefined }[];
  readonly filter?: string | undefined;
  /** The row a source row should be in the target, or null for a row left out (by a transform). */
  expected(row: Row): Promise<Row | null> | Row | null;
  /** The target holds the copy and nothing else: its whole key set and row count must match. */
  readonly exclusive: boolean;
  /** False when the target made new keys (autoID): keys and content cannot be matched, only counts. */
  readonly keysKept: boolean;
  /** Compare the content of about this many rows instead of every row. */
  readonly sample?: number | undefined;
  readonly batchSize: number;
  /** Sees every source row the verification reads, in primary-key order, with how many it reads in all (e.g. to draw probes). */
  readonly tap?: ((row: Row, total: number) => void) | undefined;
  /**
   * What the copy wrote into each segment's target, as it wrote it ({@link RowDigest}s added up
   * per segment). With every one known, an exclusive full verification reads only the target and
   * compares digests; only if they differ does it read the source again to name the rows.
   */
  readonly copied?: readonly (CopiedDigest | undefined)[] | undefined;
  /** A target row as `tap` would see its source row (names of the old collection), for probes drawn from the target. */
  readonly asSource?: ((row: Row) => Row) | undefined;
}

/** What the copy wrote into one segment: the digest of the rows written, and how many rows it left out (a transform's nulls). */
export interface CopiedDigest {
  readonly digest: RowDigestRecord;
  readonly left_out: number;
}

/** Most differences named in a report (the rest are counted). */
export const MAX_LISTED_DIFFERENCES = 10;

/** The verification report: what a step records and `status --json` shows. */
export interface VerificationReport {
  readonly ok: boolean;
  readonly mode: 'full' | 'sample';
  readonly rows: { readonly source: number; readonly target: number; readonly left_out: number };
  /** Per partition (the whole collection as `*`): source rows, target rows, rows left out. */
  readonly partitions: Readonly<Record<string, { readonly source: number; readonly target: number | null; readonly left_out: number }>>;
  /** Digests of the expected keys (source minus rows left out) and of the target's keys. */
  readonly keys: { readonly expected: KeyDigestRecord; readonly target: KeyDigestRecord } | { readonly skipped: string };
  /** `by`: `digest` when the target's rows were hashed against what the copy wrote, `rows` when each was looked up and compared. */
  readonly content:
    { readonly compared: number; readonly differing: number; readonly by?: 'digest' | 'rows' } | { readonly skipped: string };
  /** Every difference found, in words (at most {@link MAX_LISTED_DIFFERENCES}, then a count). */
  readonly differences: readonly string[];
}

/** Compares source and target; never throws for a difference (the report says it). */
export async function verifyCopy(o: VerifyOptions): Promise<VerificationReport> {
  const { milvus, from, to } = o;
  const differences: string[] = [];
  let more = 0;
  const differ = (d: string) => (differences.length < MAX_LISTED_DIFFERENCES ? differences.push(d) : more++);
  const label = (s: { source?: string | undefined }) => s.source ?? '*';

  const counts: { source: number; target: number | null }[] = [];
  for (const s of o.segments) {
    const source = await countRows(milvus, o.source, s.source, o.filter ?? '', 'Strong');
    const target =
      o.exclusive && (s.target !== undefined || o.segments.length === 1) ? await countRows(milvus, o.target, s.target, '', 'Strong') : null;
    counts.push({ source, target });
  }
  const total = counts.reduce((n, c) => n + c.source, 0);
  const stride = o.sample ? Math.max(1, Math.floor(total / o.sample)) : 1;
  o.logger.info(
    `verifying ${rows(total)} of ${from.label} against ${to.label}${o.sample ? ` (content of about ${rows(Math.min(o.sample, total))})` : ''}`,
  );

  const copied = o.copied?.length === o.segments.length && o.copied.every(Boolean) ? (o.copied as CopiedDigest[]) : undefined;
  if (copied && o.keysKept && o.exclusive && !o.sample && !o.filter) {
    const report = await byDigest(o, copied, counts);
    if (report) return report;
    o.logger.info(`the rows of ${to.label} differ from what the copy wrote: comparing every row with ${from.label} to name them`);
  }

  const expectedKeys = new KeyDigest();
  const foundKeys = new KeyDigest();
  const leftOut: number[] = [];
  let compared = 0;
  let differing = 0;
  let seen = 0;
  const progress = verifyProgress(o.logger, to.label, total);
  for (const [i, s] of o.segments.entries()) {
    let dropped = 0;
    const read: ReadTarget = { ...o.source, ...(s.source ? { partition_names: [s.source] } : {}) } as ReadTarget;
    for await (const page of pages(milvus, read, from.pk, o.filter, o.batchSize)) {
      const wanted: Row[] = [];
      const all: Row[] = [];
      for (const row of page) {
        o.tap?.(row, total);
        const e = await o.expected(row);
        if (e === null) {
          dropped++;
          continue;
        }
        if (o.keysKept) expectedKeys.add(to.pk.kind, e[to.pk.name] as PkValue);
        all.push(e);
        if (seen++ % stride === 0) wanted.push(e);
      }
      if (o.keysKept) {
        // A target with other rows too: every expected key is looked up there (its presence is the proof).
        const found = await byKeys(milvus, o.target, to, o.exclusive ? wanted : all);
        // Every row looked up (no sample): the keys found are the target's digest, and a key the
        // target holds beyond them shows in its row count, so its keys need no scan of their own.
        if (!o.exclusive || !o.sample) for (const k of found.keys()) foundKeys.add(to.pk.kind, k);
        for (const e of wanted) {
          const key = String(e[to.pk.name]);
          const actual = found.get(key);
          compared++;
          if (!actual) {
            differing++;
            differ(`the row with ${to.pk.name} ${key} is missing from ${to.label}`);
            continue;
          }
          const d = rowDifference(e, actual, to);
          if (d) {
            differing++;
            differ(`the row with ${to.pk.name} ${key}: ${d}`);
          }
        }
      }
      progress(seen);
    }
    leftOut.push(dropped);
    const c = counts[i]!;
    if (c.target !== null && c.target !== c.source - dropped) {
      const target = `${s.target ? `partition ${s.target} of ` : ''}${to.label}`;
      const source = `${s.source ? `partition ${s.source} of ` : ''}${from.label}`;
      differ(
        `${target} holds ${rows(c.target)}, ${source} ${rows(c.source)}${dropped ? ` of which the transform left out ${dropped}` : ''}`,
      );
    }
  }
  const dropped = leftOut.reduce((a, b) => a + b, 0);
  let targetRows = counts.reduce((n, c) => n + (c.target ?? 0), 0);
  if (o.exclusive && counts.some((c) => c.target === null)) {
    // Partitions are Milvus' own (a partition key): the collection is counted as a whole.
    targetRows = await countRows(milvus, o.target, undefined, '', 'Strong');
    if (targetRows !== total - dropped)
      differ(
        `${to.label} holds ${rows(targetRows)}, ${from.label} ${rows(total)}${dropped ? ` of which the transform left out ${dropped}` : ''}`,
      );
  }
  if (o.exclusive && o.keysKept && o.sample) {
    for await (const page of pages(milvus, o.target, to.pk, undefined, o.batchSize, [to.pk.name])) {
      for (const row of page) foundKeys.add(to.pk.kind, row[to.pk.name] as PkValue);
    }
  }
  if (!o.exclusive) targetRows = foundKeys.count;
  const keysDiffer = o.keysKept && !expectedKeys.equals(foundKeys);
  if (keysDiffer) {
    const [e, f] = [expectedKeys.record(), foundKeys.record()];
    differ(`the primary keys differ: ${rows(e.count)} expected (digest ${e.sum}), ${rows(f.count)} in ${to.label} (digest ${f.sum})`);
  }
  if (more) differences.push(`... and ${more} more`);
  return {
    ok: differences.length === 0,
    mode: o.sample ? 'sample' : 'full',
    rows: { source: total, target: targetRows, left_out: dropped },
    partitions: Object.fromEntries(
      o.segments.map((s, i) => [label(s), { source: counts[i]!.source, target: counts[i]!.target, left_out: leftOut[i] ?? 0 }]),
    ),
    keys: o.keysKept
      ? { expected: expectedKeys.record(), target: foundKeys.record() }
      : { skipped: `${to.label} makes its own keys (autoID): only counts are compared` },
    content: o.keysKept ? { compared, differing, by: 'rows' } : { skipped: 'keys were renumbered: rows cannot be matched' },
    differences,
  };
}

/**
 * The target read back alone (per target partition, or whole when Milvus places the rows), each
 * row hashed as the copy hashed what it wrote ({@link rowHasher}), while the source's keys are
 * read alone: `undefined` when a digest, a count or the key set differs, so that the caller
 * compares row by row and names the difference.
 */
async function byDigest(
  o: VerifyOptions,
  copied: readonly CopiedDigest[],
  counts: readonly { source: number; target: number | null }[],
): Promise<VerificationReport | undefined> {
  const { to } = o;
  const written = copied.map((c) => RowDigest.from(c.digest));
  // The source must hold as many rows as the copy read, and each target partition what was written into it.
  if (counts.some((c, i) => c.source !== written[i]!.count + copied[i]!.left_out || (c.target !== null && c.target !== written[i]!.count)))
    return undefined;
  const total = written.reduce((n, d) => n + d.count, 0);
  const progress = verifyProgress(o.logger, to.label, total);
  let read = 0;
  // Per target partition, or the whole collection when Milvus places the rows (a partition key).
  const perPartition = o.segments.length === 1 || o.segments.every((s) => s.target !== undefined);
  const groups = perPartition
    ? o.segments.map((s, i) => ({ partition: o.segments.length === 1 ? undefined : s.target, expected: written[i]! }))
    : [{ partition: undefined, expected: written.reduce((a, b) => a.plus(b)) }];
  const hasher = rowHasher(to);
  const targetKeys = new KeyDigest();
  const pageRows = readPageRows(to, o.batchSize, MAX_BATCH_SIZE);
  // Read as columns unless probes are drawn from the rows (they need row objects), or a field needs the SDK's conversion.
  const columns = !(o.tap && o.asSource) && readsAsColumns(to);
  const readBack = async () => {
    for (const g of groups) {
      const t = { ...o.target, ...(g.partition ? { partition_names: [g.partition] } : {}) } as ReadTarget;
      const digest = new RowDigest();
      if (columns) {
        // Pages are not checked for skipped keys here: a skipped row changes the digest, and the row-by-row comparison then decides.
        for await (const page of readAhead(columnPages(o.milvus, t, to.pk, pageRows))) {
          const rowHash = hasher.columns(page);
          for (let i = 0; i < page.count; i++) {
            digest.add(rowHash(i));
            targetKeys.add(to.pk.kind, page.keys[i]!);
          }
          progress((read += page.count));
        }
        if (!digest.equals(g.expected)) return false;
        continue;
      }
      for await (const page of readAhead(pages(o.milvus, t, to.pk, undefined, pageRows, ['*'], false))) {
        for (const row of page) {
          digest.add(hasher.read(row));
          targetKeys.add(to.pk.kind, row[to.pk.name] as PkValue);
          if (o.tap && o.asSource) o.tap(o.asSource(row), total);
        }
        progress((read += page.length));
      }
      if (!digest.equals(g.expected)) return false;
    }
    return true;
  };
  // With no row left out, the source's keys are the target's (a key of another type, or a
  // transform's new keys, differ here and so get the row-by-row comparison).
  const keysAlone = copied.every((c) => c.left_out === 0) && o.from.pk.kind === to.pk.kind;
  const sourceKeys = async () => {
    const keys = new KeyDigest();
    for (const s of keysAlone ? o.segments : []) {
      const t = { ...o.source, ...(s.source ? { partition_names: [s.source] } : {}) } as ReadTarget;
      for await (const page of columnPages(o.milvus, t, o.from.pk, MAX_BATCH_SIZE, [o.from.pk.name]))
        for (const key of page.keys) keys.add(to.pk.kind, key);
    }
    return keys;
  };
  const [same, keys] = await Promise.all([readBack(), sourceKeys()]);
  if (!same || (keysAlone && !keys.equals(targetKeys))) return undefined;
  const sourceRows = counts.reduce((n, c) => n + c.source, 0);
  return {
    ok: true,
    mode: 'full',
    rows: { source: sourceRows, target: targetKeys.count, left_out: sourceRows - targetKeys.count },
    partitions: Object.fromEntries(
      o.segments.map((s, i) => [s.source ?? '*', { source: counts[i]!.source, target: counts[i]!.target, left_out: copied[i]!.left_out }]),
    ),
    // The expected keys are the source's when none was left out; else those the copy wrote (each row's hash covers its key).
    keys: { expected: (keysAlone ? keys : targetKeys).record(), target: targetKeys.record() },
    content: { compared: targetKeys.count, differing: 0, by: 'digest' },
    differences: [],
  };
}

/** Progress of a verification (throttled): `done` rows of `total` read. */
function verifyProgress(logger: Logger, label: string, total: number): (done: number) => void {
  const progress = throttled(logger);
  const started = Date.now();
  return (done) =>
    progress(`verify ${label}: ${done.toLocaleString('en-US')}/${rows(total)}`, {
      task: `verify ${label}`,
      done,
      total,
      unit: 'rows',
      elapsedMs: Date.now() - started,
      final: false,
    });
}

/** The target rows with the keys of `wanted`, by key (as a string). */
async function byKeys(milvus: Milvus, t: Target, to: CollectionShape, wanted: readonly Row[]): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  if (!wanted.length) return found;
  const keys = wanted.map((e) => pkLiteral(to.pk.kind, e[to.pk.name] as PkValue));
  const res = await milvus.call('query', {
    ...t,
    filter: `${to.pk.name} in [${keys.join(', ')}]`,
    output_fields: ['*'],
    limit: wanted.length,
    consistency_level: 'Bounded',
  } as never);
  for (const row of res.data as Row[]) found.set(String(row[to.pk.name]), row);
  return found;
}

/** How an actual row differs from the expected one, in words; `undefined` when it does not. */
export function rowDifference(expected: Row, actual: Row, to: CollectionShape): string | undefined {
  const meta = (actual[DYNAMIC_FIELD] ?? {}) as Row;
  for (const [k, e] of Object.entries(expected)) {
    const f = to.byName.get(k);
    if (k === DYNAMIC_FIELD) continue;
    const a = f ? actual[k] : meta[k];
    if (!sameValue(f, e, a)) return `${k} differs: expected ${shown(e)}, found ${shown(a)}`;
  }
  return undefined;
}

/** Float32 fields hold what Math.fround makes of a number; Int64 comes back as a string. */
function sameValue(f: FieldShape | undefined, e: unknown, a: unknown): boolean {
  if (f?.dataType === 'FloatVector' && Array.isArray(e) && Array.isArray(a))
    return e.length === a.length && e.every((x, i) => Math.fround(Number(x)) === Math.fround(Number(a[i])));
  if (f?.dataType === 'Float' && typeof e === 'number') return Math.fround(e) === Math.fround(Number(a));
  if (f?.dataType === 'Int64' && e !== null && a !== null && e !== undefined) return String(e) === String(a);
  return canonical(e) === canonical(a);
}

function shown(v: unknown): string {
  const s = canonical(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
