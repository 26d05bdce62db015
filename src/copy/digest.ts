/**
 * An order-independent digest of a set of primary keys: the count and the sum of a 64-bit hash
 * of each key, mod 2^64. Streamed: keys are added page by page, never all held in memory. Two
 * sides read in any order give the same digest when they hold the same keys; a sum can also take
 * keys away (rows a transform left out).
 */
import { createHash, hash, type Hash } from 'node:crypto';
import type { PkKind, PkValue } from '../milvus/reads/keys.js';
import { DYNAMIC_FIELD, type CollectionShape, type FieldShape, type Row } from '../milvus/reads/shape.js';

const MOD = 1n << 64n;

/** A digest as stored and reported: `{ count, sum }`, the sum as 16 hex digits. */
export interface KeyDigestRecord {
  readonly count: number;
  readonly sum: string;
}

export class KeyDigest {
  #count = 0;
  #sum = 0n;

  static from(r: KeyDigestRecord | undefined): KeyDigest {
    const d = new KeyDigest();
    if (r) {
      d.#count = Number(r.count);
      d.#sum = BigInt(`0x${r.sum}`);
    }
    return d;
  }

  add(kind: PkKind, key: PkValue): void {
    this.#count++;
    this.#sum = (this.#sum + keyHash(kind, key)) % MOD;
  }

  /** This digest minus another one's keys (the other must be a subset). */
  minus(other: KeyDigest): KeyDigest {
    const d = new KeyDigest();
    d.#count = this.#count - other.#count;
    d.#sum = (((this.#sum - other.#sum) % MOD) + MOD) % MOD;
    return d;
  }

  equals(other: KeyDigest): boolean {
    return this.#count === other.#count && this.#sum === other.#sum;
  }

  get count(): number {
    return this.#count;
  }

  record(): KeyDigestRecord {
    return { count: this.#count, sum: this.#sum.toString(16).padStart(16, '0') };
  }
}

/** 64 bits of sha256 over the key as Milvus types it (Int64 `42` and VarChar `"42"` differ). */
export function keyHash(kind: PkKind, key: PkValue): bigint {
  const text = kind === 'Int64' ? `i:${BigInt(key).toString()}` : `s:${String(key)}`;
  return hash('sha256', text, 'buffer').readBigUInt64BE(0);
}

/** A {@link RowDigest} as stored in a copy's checkpoint: rows, and the sum of their content hashes (32 hex digits). */
export interface RowDigestRecord {
  readonly count: number;
  readonly rows: string;
}

/**
 * An order-independent digest of rows: their count and the sum of a 128-bit hash of each row's
 * content (the key among its fields), as four 32-bit lanes each summed mod 2^32. The copy adds
 * every row it writes, the verification every row it reads back: equal digests mean the same
 * rows, field by field. Streamed: no row is kept.
 */
export class RowDigest {
  #count = 0;
  readonly #lanes = [0, 0, 0, 0];

  static from(r: RowDigestRecord | undefined): RowDigest {
    const d = new RowDigest();
    if (r) {
      d.#count = Number(r.count);
      for (let i = 0; i < 4; i++) d.#lanes[i] = parseInt(r.rows.slice(i * 8, i * 8 + 8), 16) >>> 0;
    }
    return d;
  }

  /** Adds one row by its hash ({@link rowHasher}). */
  add(hash: Buffer): void {
    this.#count++;
    for (let i = 0; i < 4; i++) this.#lanes[i] = (this.#lanes[i]! + hash.readUInt32BE(i * 4)) >>> 0;
  }

  /** This digest plus another (two pages, two key ranges). */
  plus(other: RowDigest): RowDigest {
    const d = new RowDigest();
    d.#count = this.#count + other.#count;
    for (let i = 0; i < 4; i++) d.#lanes[i] = (this.#lanes[i]! + other.#lanes[i]!) >>> 0;
    return d;
  }

  equals(other: RowDigest): boolean {
    return this.#count === other.#count && this.#lanes.every((x, i) => x === other.#lanes[i]);
  }

  get count(): number {
    return this.#count;
  }

  record(): RowDigestRecord {
    return { count: this.#count, rows: this.#lanes.map((x) => x.toString(16).padStart(8, '0')).join('') };
  }
}

/**
 * How rows of `to` hash, from either side of a copy: `written` for a row as the copy writes it
 * (dynamic keys beside the fields), `read` for a row as Milvus answers a query (dynamic keys in
 * `$meta`, Int64 as strings, floats as float32). Each is sha256 over the row's fields in name
 * order, then its dynamic keys in name order, nulls left out; a float vector as its float32
 * bytes, a Float as float32, an Int64 as its digits, anything else as canonical JSON.
 */
export function rowHasher(to: CollectionShape): { written(row: Row): Buffer; read(row: Row): Buffer } {
  const fields = to.fields.filter((f) => f.name !== DYNAMIC_FIELD).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hashOf = (row: Row, dynamic: Row | undefined, keys: readonly string[]) => {
    const h = createHash('sha256');
    for (const f of fields) entry(h, f.name, f, row[f.name]);
    if (dynamic) for (const k of keys) entry(h, `${DYNAMIC_FIELD}.${k}`, undefined, dynamic[k]);
    return h.digest();
  };
  return {
    written: (row) =>
      hashOf(
        row,
        row,
        Object.keys(row)
          .filter((k) => k !== DYNAMIC_FIELD && !to.byName.has(k))
          .sort(),
      ),
    read: (row) => {
      const meta = row[DYNAMIC_FIELD];
      const dynamic = meta && typeof meta === 'object' ? (meta as Row) : undefined;
      return hashOf(row, dynamic, dynamic ? Object.keys(dynamic).sort() : []);
    },
  };
}

function entry(h: Hash, name: string, f: FieldShape | undefined, v: unknown): void {
  if (v === null || v === undefined) return;
  const value: string | Uint8Array =
    f?.dataType === 'FloatVector' && Array.isArray(v)
      ? new Uint8Array(new Float32Array(v as number[]).buffer)
      : f?.dataType === 'Float' && typeof v === 'number'
        ? String(Math.fround(v))
        : f?.dataType === 'Int64'
          ? String(v)
          : canonical(v);
  h.update(`${name.length}:${name}${typeof value === 'string' ? 's' : 'b'}${value.length}:`);
  h.update(value);
}

/** JSON with object keys sorted (and BigInts as digits): equal for equal content whatever the key order. */
export function canonical(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : typeof x === 'bigint'
          ? String(x)
          : x,
    ) ?? 'undefined'
  );
}
