/**
 * An order-independent digest of a set of primary keys: the count and the sum of a 64-bit hash
 * of each key, mod 2^64. Streamed: keys are added page by page, never all held in memory. Two
 * sides read in any order give the same digest when they hold the same keys; a sum can also take
 * keys away (rows a transform left out).
 */
import { createHash } from 'node:crypto';
import type { PkKind, PkValue } from '../milvus/reads/keys.js';

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
  return createHash('sha256').update(text).digest().readBigUInt64BE(0);
}
