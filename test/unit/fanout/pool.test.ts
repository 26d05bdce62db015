import { describe, expect, it } from 'vitest';
import { worstExitCode } from '../../../src/cli/exit-codes.js';
import { InvalidInputError, MigrateError } from '../../../src/errors.js';
import { runPool, type PoolItem, type PoolResult } from '../../../src/fanout/pool.js';

/** Fake work: each target settles when the test says, so every interleaving is chosen, not timed. */
function fakeTargets(names: string[], failing: string[] = []) {
  const log: string[] = [];
  const gates = new Map<string, () => void>();
  const work = async (name: string) => {
    log.push(`start ${name}`);
    await new Promise<void>((resolve) => gates.set(name, resolve));
    log.push(`end ${name}`);
    if (failing.includes(name)) return { error: new MigrateError('migration-failed', `${name} failed`) };
    return { value: name.toUpperCase() };
  };
  /** Lets the running targets finish one at a time, in start order, until nothing runs. */
  const drain = async () => {
    for (;;) {
      await new Promise((r) => setTimeout(r, 0));
      const next = [...gates.entries()][0];
      if (!next) return;
      gates.delete(next[0]);
      next[1]();
    }
  };
  return { items: names.map((target): PoolItem<string> => ({ target })), work, log, drain, running: () => [...gates.keys()] };
}

const states = (results: PoolResult<string, unknown>[]) =>
  results.map((r) => `${r.target}:${r.state}${r.state === 'not-started' ? `(${r.reason})` : ''}`);

describe('runPool', () => {
  it('runs at most `parallel` at once, in order, and returns results in the given order', async () => {
    const f = fakeTargets(['a', 'b', 'c', 'd', 'e']);
    const settled: string[] = [];
    const done = runPool(f.items, f.work, { parallel: 2, onSettled: (r) => settled.push(r.target) });
    await new Promise((r) => setTimeout(r, 0));
    expect(f.running()).toEqual(['a', 'b']);
    await f.drain();
    const results = await done;
    expect(states(results)).toEqual(['a:succeeded', 'b:succeeded', 'c:succeeded', 'd:succeeded', 'e:succeeded']);
    expect(results.map((r) => (r.state === 'succeeded' ? r.value : undefined))).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(f.log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d', 'start e']);
    expect(settled).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('default (parallel 1): one at a time', async () => {
    const f = fakeTargets(['a', 'b', 'c']);
    const done = runPool(f.items, f.work);
    await f.drain();
    await done;
    expect(f.log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('after a failure no new target starts; the running ones finish', async () => {
    const f = fakeTargets(['a', 'b', 'c', 'd', 'e'], ['a']);
    const done = runPool(f.items, f.work, { parallel: 2 });
    await f.drain();
    const results = await done;
    // b was running when a failed: it finishes; c, d and e never start.
    expect(states(results)).toEqual([
      'a:failed',
      'b:succeeded',
      'c:not-started(stopped)',
      'd:not-started(stopped)',
      'e:not-started(stopped)',
    ]);
    expect(f.log).not.toContain('start c');
  });

  it('--continue-on-error: every target runs', async () => {
    const f = fakeTargets(['a', 'b', 'c'], ['a', 'c']);
    const done = runPool(f.items, f.work, { parallel: 2, continueOnError: true });
    await f.drain();
    expect(states(await done)).toEqual(['a:failed', 'b:succeeded', 'c:failed']);
  });

  it('--canary 2: the canaries first; the rest only after all of them succeeded', async () => {
    const f = fakeTargets(['a', 'b', 'c', 'd']);
    const done = runPool(f.items, f.work, { parallel: 4, canary: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(f.running()).toEqual(['a', 'b']);
    await f.drain();
    const results = await done;
    expect(states(results)).toEqual(['a:succeeded', 'b:succeeded', 'c:succeeded', 'd:succeeded']);
    expect(results.map((r) => r.canary)).toEqual([true, true, false, false]);
    expect(f.log.indexOf('start c')).toBeGreaterThan(f.log.indexOf('end b'));
  });

  it('a failing canary stops the rest, even with --continue-on-error (the other canaries finish)', async () => {
    const f = fakeTargets(['a', 'b', 'c', 'd'], ['b']);
    const done = runPool(f.items, f.work, { parallel: 1, canary: 2, continueOnError: true });
    await f.drain();
    expect(states(await done)).toEqual(['a:succeeded', 'b:failed', 'c:not-started(canary-failed)', 'd:not-started(canary-failed)']);
  });

  it('a target with a problem (its database does not exist): nothing starts, unless --continue-on-error', async () => {
    const problem = new InvalidInputError('Target x: database x does not exist');
    const items = (f: ReturnType<typeof fakeTargets>) => [f.items[0]!, { target: 'x', problem }, f.items[1]!];
    const f = fakeTargets(['a', 'b']);
    const refused = await runPool(items(f), f.work, { parallel: 2 });
    expect(states(refused)).toEqual(['a:not-started(stopped)', 'x:failed', 'b:not-started(stopped)']);
    expect(f.log).toEqual([]);
    expect(refused[1]).toMatchObject({ state: 'failed', error: problem });

    const g = fakeTargets(['a', 'b']);
    const done = runPool(items(g), g.work, { parallel: 2, continueOnError: true });
    await g.drain();
    expect(states(await done)).toEqual(['a:succeeded', 'x:failed', 'b:succeeded']);
  });

  it('a thrown error is that target failing (exit 1), not a rejection', async () => {
    const results = await runPool([{ target: 'a' }, { target: 'b' }], async (t) => {
      if (t === 'a') throw new Error('boom');
      return {};
    });
    expect(states(results)).toEqual(['a:failed', 'b:not-started(stopped)']);
    expect(results[0]).toMatchObject({ error: { kind: 'migration-failed', message: 'boom' } });
  });

  it('`failed: true` without an error counts as a failure (drift found)', async () => {
    const results = await runPool([{ target: 'a' }, { target: 'b' }], async () => ({ value: 1, failed: true }));
    expect(states(results)).toEqual(['a:failed', 'b:not-started(stopped)']);
  });
});

describe('worstExitCode', () => {
  it('a failed migration beats every refusal; then connection, lock, destructive, invalid input; 0 is best', () => {
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([0, 0])).toBe(0);
    expect(worstExitCode([0, 2, 0])).toBe(2);
    expect(worstExitCode([2, 4])).toBe(4);
    expect(worstExitCode([4, 3])).toBe(3);
    expect(worstExitCode([3, 5, 2])).toBe(5);
    expect(worstExitCode([5, 1, 2])).toBe(1);
  });
});
