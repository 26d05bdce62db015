import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../../src/util/concurrent.js';

/** A promise resolved from outside, to finish the items in an order the test picks. */
function gate<T>() {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('mapConcurrent', () => {
  it('keeps the items order in its results, whatever order they finish in', async () => {
    const gates = [gate<string>(), gate<string>(), gate<string>()];
    const all = mapConcurrent(['a', 'b', 'c'], 3, (_, i) => gates[i]!.promise);
    gates[2]!.open('C');
    gates[0]!.open('A');
    gates[1]!.open('B');
    expect(await all).toEqual(['A', 'B', 'C']);
  });

  it('runs at most `limit` at once and starts the next item as soon as one finishes (no batches)', async () => {
    const gates = Array.from({ length: 5 }, () => gate<number>());
    const started: number[] = [];
    const all = mapConcurrent([0, 1, 2, 3, 4], 2, (n) => {
      started.push(n);
      return gates[n]!.promise;
    });
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.open(1); // item 0 still runs: a batch of two would wait for it
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[2]!.open(2);
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open(-1);
    expect(await all).toEqual([-1, 1, 2, -1, -1]);
  });

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    const err = await mapConcurrent([0, 1, 2, 3], 1, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      return n;
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('boom');
    expect(started).toEqual([0, 1]);
  });

  it('gives an empty list for no items, and runs one at a time for a limit below 1', async () => {
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
    let running = 0;
    let most = 0;
    await mapConcurrent([1, 2, 3], 0, async () => {
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(most).toBe(1);
  });
});
