/**
 * Splitting a collection's primary-key space into ranges of about equal size, for copies made by
 * several streams at once. Int64 keys are split by value between the smallest and largest key
 * (found with a query of one row and a binary search of counts: about 64 counts, not a scan);
 * VarChar keys have no arithmetic, so their boundaries are keys read from a scan of the keys alone
 * (no vectors), every (n/N)-th one: exact quantiles for the price of reading the keys once.
 */
import type { Milvus } from '../client.js';
import { countRows } from './lookups.js';
import { andFilter, pkLiteral, type PkKind, type PkValue } from './keys.js';
import { nextPage, pages, type ReadTarget } from './paging.js';

// -2^63 itself is left out: Milvus parses `-9223372036854775808` as minus an overflowing literal.
const INT64_MIN = -(2n ** 63n) + 1n;
const INT64_MAX = 2n ** 63n - 1n;

/** The largest value of an Int64 field among the rows matching `filter` (undefined: no rows), by binary search of counts. */
export async function maxInt64(
  milvus: Pick<Milvus, 'call'>,
  t: ReadTarget,
  field: string,
  filter?: string,
  low: bigint = INT64_MIN,
): Promise<bigint | undefined> {
  const partition = t.partition_names?.[0];
  const above = async (v: bigint) => (await countRows(milvus, t, partition, andFilter(filter, `${field} > ${v}`), 'Bounded')) > 0;
  if (!(await countRows(milvus, t, partition, andFilter(filter, `${field} >= ${low}`), 'Bounded'))) return undefined;
  // Invariant: some row has field >= lo, none has field > hi.
  let lo = low;
  let hi = INT64_MAX;
  while (lo < hi) {
    const mid = lo + (hi - lo + 1n) / 2n;
    if (await above(mid - 1n)) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

/**
 * Up to `n - 1` keys that cut the key space of `t` into `n` ranges: range 0 is `pk < b[0]`,
 * range i is `b[i-1] <= pk < b[i]`, the last `pk >= b[n-2]`. Fewer when there are fewer keys.
 */
export async function keyBoundaries(
  milvus: Pick<Milvus, 'call'>,
  t: ReadTarget,
  pk: { name: string; kind: PkKind },
  n: number,
  batchSize: number,
): Promise<PkValue[]> {
  if (n <= 1) return [];
  if (pk.kind === 'Int64') {
    const [first] = (await nextPage(milvus, t, pk.name, pk.kind, undefined, undefined, 1, [pk.name])).rows;
    if (!first) return [];
    const min = BigInt(first[pk.name] as PkValue);
    const max = (await maxInt64(milvus, t, pk.name, undefined, min))!;
    const span = max - min + 1n;
    const out: PkValue[] = [];
    for (let i = 1n; i < BigInt(n); i++) {
      const b = min + (span * i) / BigInt(n);
      if (b > min && (out.length === 0 || String(b) !== out[out.length - 1])) out.push(String(b));
    }
    return out;
  }
  const total = await countRows(milvus, t, t.partition_names?.[0], '', 'Bounded');
  const step = Math.ceil(total / n);
  const out: PkValue[] = [];
  let seen = 0;
  for await (const page of pages(milvus, t, pk, undefined, batchSize, [pk.name])) {
    for (const row of page) {
      if (seen > 0 && seen % step === 0) out.push(row[pk.name] as PkValue);
      seen++;
    }
  }
  return out;
}

/** The filter of range `i` of the ranges `boundaries` cut. */
export function rangeFilter(pk: { name: string; kind: PkKind }, boundaries: readonly PkValue[], i: number): string | undefined {
  const lower = i > 0 ? `${pk.name} >= ${pkLiteral(pk.kind, boundaries[i - 1]!)}` : undefined;
  const upper = i < boundaries.length ? `${pk.name} < ${pkLiteral(pk.kind, boundaries[i]!)}` : undefined;
  return andFilter(lower, upper) || undefined;
}
