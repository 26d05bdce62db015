import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Milvus } from '../../../src/milvus/client.js';
import { MAX_SHORT_PAGES_READ_ON, nextPage, pages } from '../../../src/milvus/reads/paging.js';
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
    expect(await nextPage(milvus, req, 'id', 'Int64', 'year > 1', '5', 3)).toEqual({ rows: rows(6, 7, 9), end: false });
    expect(milvus.requests).toEqual([
      { method: 'query', filter: '(year > 1) && (id > 5)', limit: 3 },
      { method: 'query', filter: '(year > 1) && (id > 5) && (id <= 9)' },
    ]);
  });

  it('re-reads the whole key range when a page skipped keys, so no row is lost', async () => {
    // A server that answered keys 6, 7 and 12 although 8 and 10 lie between them.
    const milvus = scripted([rows(12, 6, 7), [{ 'count(*)': '5' }], rows(10, 6, 12, 8, 7)]);
    expect(await nextPage(milvus, req, 'id', 'Int64', undefined, '5', 3)).toEqual({ rows: rows(6, 7, 8, 10, 12), end: false });
    expect(milvus.requests.at(-1)).toEqual({ method: 'query', filter: '(id > 5) && (id <= 12)', limit: 5 });
  });

  it('a short page is the last one once a count finds no other row after the cursor', async () => {
    const milvus = scripted([rows(1, 2), [{ 'count(*)': '2' }]]);
    expect(await nextPage(milvus, req, 'id', 'Int64', 'year > 1', undefined, 3)).toEqual({ rows: rows(1, 2), end: true });
    expect(milvus.requests).toEqual([
      { method: 'query', filter: 'year > 1', limit: 3 },
      { method: 'query', filter: 'year > 1' },
    ]);
  });

  it('a short page with more rows counted after the cursor is checked as a full one and is not the last', async () => {
    // Keys 6 and 9 answered, but 4 rows lie after 5: key 7 was skipped, and one lies above 9.
    const milvus = scripted([rows(6, 9), [{ 'count(*)': '4' }], [{ 'count(*)': '3' }], rows(9, 6, 7)]);
    // Re-read for skipped keys: a short answer of Milvus, not rows arriving (no `short`).
    expect(await nextPage(milvus, req, 'id', 'Int64', undefined, '5', 3)).toEqual({ rows: rows(6, 7, 9), end: false });
    expect(milvus.requests.slice(1)).toEqual([
      { method: 'query', filter: 'id > 5' },
      { method: 'query', filter: '(id > 5) && (id <= 9)' },
      { method: 'query', filter: '(id > 5) && (id <= 9)', limit: 3 },
    ]);
  });

  it('a short page that holds every row up to its largest key, with more counted after it, is short and not the last', async () => {
    const milvus = scripted([rows(6, 7), [{ 'count(*)': '3' }], [{ 'count(*)': '2' }]]);
    expect(await nextPage(milvus, req, 'id', 'Int64', undefined, '5', 3)).toEqual({ rows: rows(6, 7), end: false, short: true });
  });

  it('a re-read never asks for fewer rows than the page holds (rows updated out of the filter in between)', async () => {
    const milvus = scripted([rows(6, 7, 9), [{ 'count(*)': '2' }], rows(6, 7, 9)]);
    expect((await nextPage(milvus, req, 'id', 'Int64', undefined, '5', 3)).rows).toEqual(rows(6, 7, 9));
    expect(milvus.requests.at(-1)).toEqual({ method: 'query', filter: '(id > 5) && (id <= 9)', limit: 3 });
  });

  it('unchecked, a page is taken as it is and a short one ends the read', async () => {
    const milvus = scripted([rows(1, 2)]);
    expect(await nextPage(milvus, req, 'id', 'Int64', undefined, undefined, 3, ['*'], false)).toEqual({ rows: rows(1, 2), end: true });
    expect(milvus.requests).toHaveLength(1);
  });

  it('quotes VarChar cursors', async () => {
    const milvus = scripted([[{ key: 'b' }], [{ 'count(*)': '1' }]]);
    await nextPage(milvus, req, 'key', 'VarChar', undefined, 'a"', 3);
    expect(milvus.requests[0]!.filter).toBe('key > "a\\""');
  });
});

/** Every page `pages` yields, flattened to keys. */
async function readAll(milvus: Pick<Milvus, 'call'>, size: number, after?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of pages(milvus, req, { name: 'id', kind: 'Int64' }, undefined, size, ['*'], true, after))
    out.push(...page.map((r) => String(r.id)));
  return out;
}

describe('pages: a read ends only where nothing lies after it', () => {
  it('reads on after a short page when rows are counted after it, and every row is read once', async () => {
    // Rows 1..5; the server answers 1, 2 (short) although 3, 4, 5 follow.
    const milvus = scripted([
      rows(1, 2),
      [{ 'count(*)': '5' }],
      [{ 'count(*)': '2' }],
      rows(3, 4, 5),
      [{ 'count(*)': '3' }],
      [],
      [{ 'count(*)': '0' }],
    ]);
    expect(await readAll(milvus, 3)).toEqual(['1', '2', '3', '4', '5']);
    expect(milvus.requests.map((r) => r.filter)).toEqual(['', '', 'id <= 2', 'id > 2', '(id > 2) && (id <= 5)', 'id > 5', 'id > 5']);
  });

  it('starts after the cursor it is given', async () => {
    const milvus = scripted([rows(8), [{ 'count(*)': '1' }]]);
    expect(await readAll(milvus, 3, '7')).toEqual(['8']);
    expect(milvus.requests[0]).toEqual({ method: 'query', filter: 'id > 7', limit: 3 });
  });

  it('fails, naming the cursor, when the server keeps answering nothing while it counts rows after it', async () => {
    const milvus = scripted([
      rows(1),
      [{ 'count(*)': '3' }],
      [{ 'count(*)': '1' }],
      [],
      [{ 'count(*)': '2' }],
      [],
      [{ 'count(*)': '2' }],
      [],
      [{ 'count(*)': '2' }],
    ]);
    await expect(readAll(milvus, 3)).rejects.toThrow(
      'src: Milvus counts rows with id > 1 but answers none of them, 3 times; the read cannot be completed',
    );
  });

  it(`reads on through more than ${MAX_SHORT_PAGES_READ_ON} pages in a row that came back short from a re-read (rows updated out of the filter)`, async () => {
    const answers: unknown[] = [];
    const pagesRead = MAX_SHORT_PAGES_READ_ON + 2;
    for (let p = 0; p < pagesRead; p++) {
      const [a, b, c] = [p * 3 + 1, p * 3 + 2, p * 3 + 3];
      // A full page of 3; 2 of them still match when counted, and the re-read answers those 2.
      answers.push(rows(a, b, c), [{ 'count(*)': '2' }], rows(a, c));
    }
    answers.push([], [{ 'count(*)': '0' }]);
    const milvus = scripted(answers);
    expect(await readAll(milvus, 3)).toHaveLength(pagesRead * 2);
    expect(answers).toEqual([]);
  });

  it(`stops reading on after ${MAX_SHORT_PAGES_READ_ON} short pages in a row (rows arriving as fast as they are read)`, async () => {
    // Each answer is one new row, and the count always finds one more after it.
    const answers: unknown[] = [];
    for (let id = 1; id <= MAX_SHORT_PAGES_READ_ON + 1; id++) answers.push(rows(id), [{ 'count(*)': '2' }], [{ 'count(*)': '1' }]);
    const milvus = scripted(answers);
    expect(await readAll(milvus, 3)).toHaveLength(MAX_SHORT_PAGES_READ_ON + 1);
    expect(answers).toEqual([]);
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
