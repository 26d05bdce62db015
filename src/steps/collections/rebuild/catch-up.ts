/**
 * Catch-up for writes made during a rebuild. The user names an Int64 field that grows with every
 * write (updated_at in ms, a sequence). Before the copy its largest value W0 is read; every row
 * with field >= W0 changed (or arrived) since, and is copied again (upserted) in rounds: each
 * round first reads the field's largest value M, then copies the rows with field >= the previous
 * round's M. A row written after M was read has a larger value (the field grows), so the next
 * round finds it. Rows deleted from the old collection during the copy are not seen (a deleted
 * row has no value to find): the docs say so.
 */
import type { Milvus } from '../../../milvus/client.js';
import { countRows, rows } from '../../../milvus/reads/lookups.js';
import { maxInt64 } from '../../../milvus/reads/key-ranges.js';
import { andFilter, pkLiteral, type PkValue } from '../../../milvus/reads/keys.js';
import { pages, type ReadTarget } from '../../../milvus/reads/paging.js';
import type { Row } from '../../../milvus/reads/shape.js';

/** Most rounds before verification; each is shorter than the one before while writers write less than the copy reads. */
export const DEFAULT_CATCH_UP_ROUNDS = 10;

/**
 * Wait after the cut-over before the last round: a write sent to the old collection just before
 * the alias moved (or the rename) may still be in flight, and the round must see it.
 */
export const CATCH_UP_SETTLE_MS = 1_000;

/** What the catch-up did, kept in the rebuild's record. */
export interface CatchUpRecord {
  readonly field: string;
  /** The value rows at or above which are copied by the next round (null: the collection was empty, every row is). */
  readonly since: string | null;
  /** Rows copied by each round so far. */
  readonly rounds: readonly number[];
  /** Rows copied after the cut-over (those the new collection did not hold newer). */
  readonly after_cut_over?: number;
}

/** The field's largest value now (a Strong count first, so every write acknowledged before is seen). */
export async function watermark(milvus: Milvus, segments: readonly ReadTarget[], field: string): Promise<string | null> {
  let max: bigint | undefined;
  for (const t of segments) {
    await countRows(milvus, t, t.partition_names?.[0], '', 'Strong');
    const m = await maxInt64(milvus, t, field);
    if (m !== undefined && (max === undefined || m > max)) max = m;
  }
  return max === undefined ? null : String(max);
}

/** The filter of rows changed since `since`. */
export const changedSince = (field: string, since: string | null) => (since === null ? undefined : `${field} >= ${since}`);

export interface RoundOptions {
  readonly milvus: Milvus;
  readonly segments: readonly ReadTarget[];
  readonly pk: { readonly name: string; readonly kind: 'Int64' | 'VarChar' };
  readonly field: string;
  readonly since: string | null;
  readonly batchSize: number;
  /** Upserts a page of changed rows read from segment `i`. */
  write(page: Row[], segment: number): Promise<void>;
}

/** One round: reads the new watermark, then copies every row changed since `since`. */
export async function catchUpRound(o: RoundOptions): Promise<{ rows: number; next: string | null }> {
  const next = await watermark(o.milvus, o.segments, o.field);
  let copied = 0;
  for (const [i, t] of o.segments.entries()) {
    for await (const page of pages(o.milvus, t, o.pk, changedSince(o.field, o.since), o.batchSize)) {
      await o.write(page, i);
      copied += page.length;
    }
  }
  return { rows: copied, next: next ?? o.since };
}

/**
 * The rows of `page` that the new collection does not hold in a newer version: after the
 * cut-over, writers write there, and an older row from the old collection must not replace theirs.
 */
export async function newerThanTarget(
  milvus: Milvus,
  target: { collection_name: string; db_name?: string | undefined },
  pk: { readonly name: string; readonly kind: 'Int64' | 'VarChar' },
  field: string,
  page: readonly Row[],
): Promise<Row[]> {
  if (!page.length) return [];
  const keys = page.map((r) => pkLiteral(pk.kind, r[pk.name] as PkValue));
  const res = await milvus.call('query', {
    ...target,
    filter: andFilter(`${pk.name} in [${keys.join(', ')}]`),
    output_fields: [pk.name, field],
    limit: page.length,
    consistency_level: 'Strong',
  } as never);
  const there = new Map((res.data as Row[]).map((r) => [String(r[pk.name]), BigInt(r[field] as string)]));
  return page.filter((r) => {
    const have = there.get(String(r[pk.name]));
    return have === undefined || have < BigInt(r[field] as string);
  });
}

/** Words for the log. */
export function describeRound(n: number, r: { rows: number; next: string | null }, field: string): string {
  return `catch-up round ${n}: ${rows(r.rows)} changed since the last one copied again (next round: ${field} >= ${r.next ?? 'any'})`;
}
