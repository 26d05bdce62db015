/**
 * Primary keys in filters and in the state: literals for Milvus expressions, Milvus' own order
 * (for copy cursors), and a compact record of inserted keys (for the inverse of `insert`).
 */

/** The primary key types Milvus supports (2.3 and newer). */
export type PkKind = 'Int64' | 'VarChar';

/** A primary key as it travels here: Int64 keys as decimal strings (the SDK returns them so: no precision loss above 2^53). */
export type PkValue = string | number;

/** The primary key field of a collection, from `describeCollection`. */
export interface PkField {
  readonly name: string;
  readonly kind: PkKind;
  readonly autoID: boolean;
}

const INT64 = /^-?\d+$/;

/**
 * A key as a literal in a Milvus boolean expression: Int64 keys bare (`42`), VarChar keys
 * double-quoted with JSON escapes (Milvus' expression grammar takes `\"`, `\\` and `\uXXXX`).
 */
export function pkLiteral(kind: PkKind, value: PkValue): string {
  if (kind === 'Int64') {
    const s = String(value);
    if (!INT64.test(s)) throw new Error(`primary key ${JSON.stringify(value)} is not an Int64`);
    return s;
  }
  return JSON.stringify(String(value));
}

/**
 * Compares two keys in Milvus' order: Int64 numerically (as BigInt, exact beyond 2^53),
 * VarChar by UTF-8 bytes (what Milvus compares; JavaScript's `<` compares UTF-16 units, which
 * differs for characters outside the Basic Multilingual Plane).
 */
export function comparePk(kind: PkKind, a: PkValue, b: PkValue): number {
  if (kind === 'Int64') {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
}

/** The largest key of a non-empty list, in Milvus' order. */
export function maxPk(kind: PkKind, values: readonly PkValue[]): PkValue {
  let max = values[0];
  if (max === undefined) throw new Error('maxPk of an empty list');
  for (const v of values) if (comparePk(kind, v, max) > 0) max = v;
  return max;
}

/** `a && b`, each side parenthesised; either may be absent. */
export function andFilter(...parts: (string | undefined)[]): string {
  const present = parts.filter((p): p is string => Boolean(p && p.trim()));
  if (present.length <= 1) return present[0] ?? '';
  return present.map((p) => `(${p})`).join(' && ');
}

/**
 * Inserted keys as kept in the state: single keys, plus runs of consecutive Int64 keys as
 * `[first, last]` ranges (a seed file with ids 1..100000 is one range).
 */
export interface KeyRecord {
  readonly pk_field: string;
  readonly pk_type: PkKind;
  readonly ids: readonly PkValue[];
  readonly id_ranges?: readonly (readonly [string, string])[];
  /** Set when the keys outgrew {@link DEFAULT_KEY_RECORD_CHARS}: they were not kept. */
  readonly ids_overflow?: true;
}

/**
 * Most characters of keys one step keeps in the state. The state's `details` is a JSON field,
 * which Milvus 2.3 caps at 65,536 bytes for the whole migration (measured: "exceeds max length
 * (65536)"), shared by every step's record.
 */
export const DEFAULT_KEY_RECORD_CHARS = 10_000;

/**
 * Collects inserted keys as they come, batch by batch, compressing consecutive Int64 keys into
 * ranges. Keys that arrive out of order only compress less. Once the record would outgrow its
 * budget it stops collecting and says so ({@link overflow}): the caller then has no exact list.
 */
export class KeyRecorder {
  #singles: string[] = [];
  #ranges: [string, string][] = [];
  #run: [bigint, bigint] | undefined;
  #chars = 0;
  #overflow = false;

  constructor(
    readonly field: string,
    readonly kind: PkKind,
    private readonly budget: number = DEFAULT_KEY_RECORD_CHARS,
  ) {}

  /** Continues from a record saved by an earlier (interrupted) run. */
  static from(record: Partial<KeyRecord> | undefined, field: string, kind: PkKind, budget?: number): KeyRecorder {
    const r = new KeyRecorder(field, kind, budget);
    if (!record) return r;
    if (record.ids_overflow) r.#overflow = true;
    else {
      for (const [a, b] of record.id_ranges ?? []) r.#pushRange(BigInt(a), BigInt(b));
      r.add(record.ids ?? []);
      // Keys usually go on where the last range stopped (a file in key order): let it grow.
      if (!r.#run && kind === 'Int64' && r.#ranges.length) {
        const [a, b] = r.#ranges.pop()!;
        r.#run = [BigInt(a), BigInt(b)];
      }
    }
    return r;
  }

  /** True once the keys outgrew the budget: {@link record} then holds none. */
  get overflow(): boolean {
    return this.#overflow;
  }

  /** Adds keys in the order they were written. */
  add(ids: readonly PkValue[]): void {
    for (const id of ids) {
      if (this.#overflow) return;
      if (this.kind === 'VarChar') {
        this.#single(String(id));
        continue;
      }
      const v = BigInt(id);
      if (this.#run && v === this.#run[1] + 1n) this.#run[1] = v;
      else {
        this.#flushRun();
        this.#run = [v, v];
      }
    }
  }

  /** What to keep in the state. */
  record(): KeyRecord {
    if (this.#overflow) return { pk_field: this.field, pk_type: this.kind, ids: [], ids_overflow: true };
    const singles = [...this.#singles];
    const ranges = [...this.#ranges];
    if (this.#run) {
      const [a, b] = this.#run;
      if (b - a >= 2n) ranges.push([String(a), String(b)]);
      else for (let v = a; v <= b; v++) singles.push(String(v));
    }
    return { pk_field: this.field, pk_type: this.kind, ids: singles, ...(ranges.length ? { id_ranges: ranges } : {}) };
  }

  #flushRun(): void {
    if (!this.#run) return;
    const [a, b] = this.#run;
    this.#run = undefined;
    this.#pushRange(a, b);
  }

  #pushRange(a: bigint, b: bigint): void {
    if (b - a >= 2n) {
      this.#ranges.push([String(a), String(b)]);
      this.#spend(String(a).length + String(b).length + 8);
    } else {
      for (let v = a; v <= b; v++) this.#single(String(v));
    }
  }

  #single(s: string): void {
    this.#singles.push(s);
    this.#spend(s.length + 3);
  }

  #spend(chars: number): void {
    this.#chars += chars;
    if (this.#chars > this.budget) {
      this.#overflow = true;
      this.#singles = [];
      this.#ranges = [];
      this.#run = undefined;
    }
  }
}

/**
 * A filter that matches exactly the recorded keys: `id in [1, 5] || (id >= 10 && id <= 900)`.
 * Records written before ranges existed hold plain numbers or strings in `ids`.
 */
export function keyFilter(record: {
  pk_field: string;
  pk_type?: PkKind;
  ids?: readonly PkValue[];
  id_ranges?: readonly (readonly [string, string])[];
}): string {
  const ids = record.ids ?? [];
  // Older records have no pk_type: numbers were Int64 keys, strings VarChar ones.
  const kind: PkKind = record.pk_type ?? (ids.every((i) => typeof i === 'number') ? 'Int64' : 'VarChar');
  const f = record.pk_field;
  const parts: string[] = [];
  if (ids.length) parts.push(`${f} in [${ids.map((i) => pkLiteral(kind, i)).join(', ')}]`);
  for (const [a, b] of record.id_ranges ?? []) parts.push(`(${f} >= ${pkLiteral('Int64', a)} && ${f} <= ${pkLiteral('Int64', b)})`);
  return parts.join(' || ');
}
