import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStateStore, type StateRow } from '../../../src/state/store.js';
import { StateWriter } from '../../../src/state/writer.js';
import { stateRow } from '../../support/fixtures.js';

const row = (name: string, status: StateRow['status'] = 'applied') => stateRow(name, { status });

afterEach(() => {
  vi.useRealTimers();
});

describe('StateWriter', () => {
  it('keeps deferred rows back and sends them with the next write, in one request', async () => {
    const store = new MemoryStateStore();
    const writer = new StateWriter(store);
    await writer.defer(row('001'));
    await writer.defer(row('002'));
    expect(store.writes).toBe(0);
    expect([...store.rows.keys()]).toEqual([]);
    await writer.put(row('003', 'failed'));
    expect(store.writes).toBe(1);
    expect([...store.rows.keys()].sort()).toEqual(['001', '002', '003']);
    await writer.flush();
    expect(store.writes).toBe(1);
  });

  it('flushes at the end, before a remove, and once the first deferred row has waited long enough', async () => {
    const store = new MemoryStateStore();
    const writer = new StateWriter(store, 0);
    await writer.defer(row('001'));
    expect(store.rows.has('001')).toBe(true);

    const later = new StateWriter(store);
    await later.defer(row('002'));
    await later.remove('001');
    expect([...store.rows.keys()]).toEqual(['002']);
    await later.defer(row('003'));
    await later.flush();
    expect([...store.rows.keys()].sort()).toEqual(['002', '003']);
  });

  it('sends rows kept back on its own after the wait, when the run writes nothing meanwhile (a long next step)', async () => {
    vi.useFakeTimers();
    const store = new MemoryStateStore();
    const writer = new StateWriter(store);
    await writer.defer(row('001'));
    await vi.advanceTimersByTimeAsync(999);
    expect(store.rows.has('001')).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.rows.has('001')).toBe(true);
    expect(store.writes).toBe(1);
    await writer.flush();
    expect(store.writes).toBe(1);
  });

  it('a write that fails keeps its rows for the next one', async () => {
    const store = new MemoryStateStore();
    const writer = new StateWriter(store);
    await writer.defer(row('001'));
    const putAll = store.putAll.bind(store);
    store.putAll = async () => {
      throw new Error('Milvus is gone');
    };
    await expect(writer.put(row('002', 'failed'))).rejects.toThrow('Milvus is gone');
    store.putAll = putAll;
    await writer.flush();
    expect([...store.rows.keys()].sort()).toEqual(['001', '002']);
  });

  it('writes row by row to a store without putAll, and the latest row of a name wins', async () => {
    const puts: string[] = [];
    const inner = new MemoryStateStore();
    const store = {
      location: 'test',
      ensure: async () => {},
      readAll: () => inner.readAll(),
      remove: (n: string) => inner.remove(n),
      put: async (r: StateRow) => void puts.push(`${r.name}:${r.status}`),
    };
    const writer = new StateWriter(store);
    await writer.defer(row('001', 'failed'));
    await writer.defer(row('001'));
    await writer.put(row('002', 'failed'));
    expect(puts).toEqual(['001:applied', '002:failed']);
  });
});
