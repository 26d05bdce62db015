import { afterEach, describe, expect, it, vi } from 'vitest';
import { pollUntil } from '../../../src/milvus/wait.js';
import { recordingLogger } from '../../support/fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

/** What pollUntil needs of a Milvus (its logger), and the progress updates it was given. */
function recorder() {
  const logger = recordingLogger();
  return { seen: logger.updates, milvus: { logger } };
}

describe('pollUntil progress', () => {
  it('reports rows every couple of seconds with elapsed time, then a final update at the total', async () => {
    vi.useFakeTimers();
    const { seen, milvus } = recorder();
    let polls = 0;
    const start = Date.now();
    const done = pollUntil(
      'index on c.v',
      async () => {
        polls += 1;
        const elapsed = Date.now() - start;
        return { done: elapsed >= 5_000, progress: { done: Math.min(1000, Math.floor(elapsed / 5)), total: 1000, unit: 'rows' as const } };
      },
      { milvus },
    );
    await vi.advanceTimersByTimeAsync(6_000);
    await done;
    expect(polls).toBeGreaterThan(10);
    const updates = seen.map(([, u]) => u!);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.every((u) => u.task === 'waiting for index on c.v' && u.unit === 'rows' && u.total === 1000)).toBe(true);
    expect(updates.slice(0, -1).every((u) => !u.final && u.elapsedMs! >= 2_000)).toBe(true);
    expect(updates.at(-1)).toMatchObject({ done: 1000, final: true });
    expect(seen[0]![0]).toMatch(/^waiting for index on c\.v: \d[\d,]*\/1,000 rows \(\d+%\) \(\d+ s\)$/);
  });

  it('stays silent for a short wait, and reports percent for loads', async () => {
    vi.useFakeTimers();
    const quick = recorder();
    let n = 0;
    const p = pollUntil('load of c', async () => ({ done: ++n > 3, progress: { done: n * 25, unit: 'percent' as const } }), quick);
    await vi.advanceTimersByTimeAsync(1_000);
    await p;
    expect(quick.seen).toEqual([]);

    const slow = recorder();
    const started = Date.now();
    const q = pollUntil(
      'load of c',
      async () => ({ done: Date.now() - started >= 3_000, progress: { done: 40, unit: 'percent' as const } }),
      slow,
    );
    await vi.advanceTimersByTimeAsync(4_000);
    await q;
    expect(slow.seen.map(([m, u]) => [m.replace(/\(\d+ s\)/, '(N s)'), u?.done, u?.final])).toEqual([
      ['waiting for load of c: 40% (N s)', 40, false],
      ['waiting for load of c: 100% (N s)', 100, true],
    ]);
  });
});
