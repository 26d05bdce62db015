/** A state store that dies part-way, as a process killed at that moment: for resume tests. */
import type { StateRow, StateStore } from '../../src/index.js';

/** Fails every write from the first row for which `dies(row)` is true on. */
export class DyingStore implements StateStore {
  #dead = false;
  constructor(
    private readonly inner: StateStore,
    private readonly dies: (row: StateRow) => boolean,
  ) {}
  get location() {
    return this.inner.location;
  }
  ensure() {
    return this.inner.ensure();
  }
  readAll() {
    return this.inner.readAll();
  }
  async put(row: StateRow) {
    if (!this.#dead && this.dies(row)) this.#dead = true;
    if (this.#dead) throw new Error('state store died');
    return this.inner.put(row);
  }
  async remove(name: string) {
    if (this.#dead) throw new Error('state store died');
    return this.inner.remove(name);
  }
}

/** Dies at the `n`-th checkpoint of a step (a row saying "interrupted during step"). */
export function atCheckpoint(n: number): (row: StateRow) => boolean {
  let seen = 0;
  return (row) => row.last_error.startsWith('interrupted during step') && ++seen >= n;
}
