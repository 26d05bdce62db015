/**
 * An order-independent digest of a set of primary keys: the count and the sum of a 64-bit hash
 * of each key, mod 2^64. Streamed: keys are added page by page, never all held in memory. Two
 * sides read in any order give the same digest when they hold the same keys; a sum can also take
 * keys away (rows a transform left out).
 */
import { hash } from 'node:crypto';
import type { PkKind, PkValue } from '../milvus/reads/keys.js';
import type { ColumnPage } from '../milvus/reads/columns.js';
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
export function rowHasher(to: CollectionShape): {
  written(row: Row): Buffer;
  read(row: Row): Buffer;
  /** Row by row, the hashes of a page read as columns: each the same as `read` of that row as the SDK answers it. */
  columns(page: ColumnPage): (i: number) => Buffer;
} {
  const fields = to.fields.filter((f) => f.name !== DYNAMIC_FIELD).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // One buffer per hasher, reused row after row: a row's bytes are gathered, then hashed at once.
  const bytes = new RowBytes();
  const hashOf = (row: Row, dynamic: Row | undefined, keys: readonly string[]) => {
    bytes.clear();
    for (const f of fields) entry(bytes, f.name, f, row[f.name]);
    if (dynamic) for (const k of keys) entry(bytes, `${DYNAMIC_FIELD}.${k}`, undefined, dynamic[k]);
    return hash('sha256', bytes.view(), 'buffer');
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
    columns: (page) => {
      const columns = fields.map((f) => page.column(f.name));
      return (i) => {
        bytes.clear();
        fields.forEach((f, k) => entry(bytes, f.name, f, columns[k]?.(i)));
        return hash('sha256', bytes.view(), 'buffer');
      };
    },
  };
}

/** A growing byte buffer: the bytes of one row, as the hash reads them. */
class RowBytes {
  #buf = Buffer.allocUnsafe(4096);
  #at = 0;

  clear(): void {
    this.#at = 0;
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(next, 0, 0, this.#at);
    this.#buf = next;
  }

  text(s: string): void {
    this.#room(s.length * 3);
    this.#at += this.#buf.write(s, this.#at, 'utf8');
  }

  raw(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#at);
    this.#at += b.length;
  }

  view(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }
}

/** Appends one field's name and value: `<name length>:<name><s|b><value length>:<value>`. */
function entry(out: RowBytes, name: string, f: FieldShape | undefined, v: unknown): void {
  if (v === null || v === undefined) return;
  const value: string | Uint8Array =
    f?.dataType === 'FloatVector' && v instanceof Uint8Array
      ? v // already its float32 bytes (a page read as columns)
      : f?.dataType === 'FloatVector' && Array.isArray(v)
        ? new Uint8Array(new Float32Array(v as number[]).buffer)
        : f?.dataType === 'Float' && typeof v === 'number'
          ? String(Math.fround(v))
          : f?.dataType === 'Int64'
            ? String(v)
            : canonical(v);
  out.text(`${name.length}:${name}${typeof value === 'string' ? 's' : 'b'}${value.length}:`);
  if (typeof value === 'string') out.text(value);
  else out.raw(value);
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
