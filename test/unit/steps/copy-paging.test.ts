import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Milvus } from '../../../src/milvus/client.js';
import { nextPage } from '../../../src/milvus/reads/paging.js';
import { throttled } from '../../../src/steps/data/rows.js';

/** A Milvus whose `call` answers from a script and records each request. */
function scripted(answers: unknown[]): Pick<Milvus, 'call'> & { requests: { method: string; filter: string; limit?: number }[] } {
  const requests: { method: string; filter: string; limit?: number }[] = [];
  return {
    requests,
    call: (async (method: string, req: { filter: string; limit?: number }) => {
      requests.push({ method, filter: req.filter, ...(req.limit !== undefined ? { limit: req.limit } : {}) });
      return { data: answers.shift() };
    }) as never,
  };
}
const rows = (...ids: number[]) => ids.map((id) => ({ id: String(id) }));
const req = { collection_name: 'src' };

describe('copyRows paging by primary key', () => {
  it('takes a full page as it is when exactly its rows lie up to its largest key (Milvus 2.3+ answers lowest keys first)', async () => {
    const milvus = scripted([rows(6, 7, 9), [{ 'count(*)': '3' }]]);
    expect(await nextPage(milvus, req, 'id', 'Int64', 'year > 1', '5', 3)).toEqual(rows(6, 7, 9));
    expect(milvus.requests).toEqual([
      { method: 'query', filter: '(year > 1) && (id > 5)', limit: 3 },
      { method: 'query', filter: '(year > 1) && (id > 5) && (id <= 9)' },
    ]);
  });

  it('re-reads the whole key range when a page skipped keys, so no row is lost', async () => {
    // A server that answered keys 6, 7 and 12 although 8 and 10 lie between them.
    const milvus = scripted([rows(12, 6, 7), [{ 'count(*)': '5' }], rows(10, 6, 12, 8, 7)]);
    expect(await nextPage(milvus, req, 'id', 'Int64', undefined, '5', 3)).toEqual(rows(6, 7, 8, 10, 12));
    expect(milvus.requests.at(-1)).toEqual({ method: 'query', filter: '(id > 5) && (id <= 12)', limit: 5 });
  });

  it('a short page is the last one: no check needed', async () => {
    const milvus = scripted([rows(1, 2)]);
    expect(await nextPage(milvus, req, 'id', 'Int64', undefined, undefined, 3)).toEqual(rows(1, 2));
    expect(milvus.requests).toEqual([{ method: 'query', filter: '', limit: 3 }]);
  });

  it('quotes VarChar cursors', async () => {
    const milvus = scripted([[{ key: 'b' }]]);
    await nextPage(milvus, req, 'key', 'VarChar', undefined, 'a"', 3);
    expect(milvus.requests[0]!.filter).toBe('key > "a\\""');
  });
});

describe('progress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports at most once per interval, through progress when the logger has it', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const report = throttled(
      { debug() {}, info: (m) => seen.push(`info ${m}`), warn() {}, progress: (m) => seen.push(`progress ${m}`) },
      2_000,
    );
    report('a');
    vi.advanceTimersByTime(1_999);
    report('b');
    vi.advanceTimersByTime(1);
    report('c');
    report('d');
    vi.advanceTimersByTime(2_000);
    report('e');
    expect(seen).toEqual(['progress c', 'progress e']);

    const infoOnly: string[] = [];
    const viaInfo = throttled({ debug() {}, info: (m) => infoOnly.push(m), warn() {} }, 10);
    vi.advanceTimersByTime(10);
    viaInfo('x');
    expect(infoOnly).toEqual(['x']);
  });
});
