import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataFileParamProblem,
  inBatches,
  parseJsonlLine,
  parseJsonRows,
  readDataFile,
  resolveDataFile,
  type LocatedRow,
} from '../../../src/steps/data/data-file.js';
import { checkRowsSource } from '../../../src/steps/data/rows.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mm-datafile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(file: string): Promise<LocatedRow[]> {
  const out: LocatedRow[] = [];
  for await (const r of readDataFile(resolveDataFile(file, dir))) out.push(r);
  return out;
}
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

describe('JSONL lines', () => {
  it('parses a row and skips blank lines', () => {
    expect(parseJsonlLine('{"id": 1, "v": [0.5]}', 1, 'f.jsonl')).toEqual({ id: 1, v: [0.5] });
    expect(parseJsonlLine('   ', 2, 'f.jsonl')).toBeUndefined();
  });

  it('names the file, line and column of a syntax error', () => {
    expect(() => parseJsonlLine('{"id": 1 "v": 2}', 7, 'seed/t.jsonl')).toThrowErrorMatchingInlineSnapshot(
      `[DataFileError: seed/t.jsonl:7: not valid JSON (column 10): Expected ',' or '}' after property value]`,
    );
    expect(() => parseJsonlLine('  {"id": }', 3, 'seed/t.jsonl')).toThrowErrorMatchingInlineSnapshot(
      `[DataFileError: seed/t.jsonl:3: not valid JSON: Unexpected token '}']`,
    );
  });

  it('refuses a line that is not an object', () => {
    expect(() => parseJsonlLine('[1, 2]', 4, 'f.jsonl')).toThrowErrorMatchingInlineSnapshot(
      `[DataFileError: f.jsonl:4: a row must be a JSON object (field name → value), got a list]`,
    );
    expect(() => parseJsonlLine('42', 5, 'f.jsonl')).toThrow('f.jsonl:5: a row must be a JSON object (field name → value), got number 42');
  });
});

describe('JSON files', () => {
  it('parses an array of rows', () => {
    expect(parseJsonRows('\uFEFF[{"id": 1}, {"id": 2}]', 'f.json')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('names the line and column of a syntax error', () => {
    expect(() => parseJsonRows('[\n  {"id": 1},\n  {"id": 2,}\n]', 'seed/t.json')).toThrowErrorMatchingInlineSnapshot(
      `[DataFileError: seed/t.json:3: not valid JSON (column 12): Expected double-quoted property name]`,
    );
  });

  it('needs an array of objects', () => {
    expect(() => parseJsonRows('{"id": 1}', 'f.json')).toThrow('f.json: a .json data file must hold one array of rows, got a map');
    expect(() => parseJsonRows('[{"id": 1}, null]', 'f.json')).toThrow(
      'f.json: row 2 of the array must be a JSON object (field name → value), got null',
    );
  });
});

describe('reading data files', () => {
  it('streams JSONL rows with their line numbers (CRLF, blank lines, BOM)', async () => {
    await writeFile(join(dir, 'rows.jsonl'), '\uFEFF{"id": 1}\r\n\r\n{"id": 2}\r\n{"id": 3}');
    expect(await all('rows.jsonl')).toEqual([
      { row: { id: 1 }, line: 1, index: 0 },
      { row: { id: 2 }, line: 3, index: 1 },
      { row: { id: 3 }, line: 4, index: 2 },
    ]);
  });

  it('reads JSON arrays, with .ndjson as JSONL', async () => {
    await writeFile(join(dir, 'rows.json'), '[{"id": 1}, {"id": 2}]');
    await writeFile(join(dir, 'rows.ndjson'), '{"id": 1}\n');
    expect((await all('rows.json')).map((r) => r.row)).toEqual([{ id: 1 }, { id: 2 }]);
    expect((await all('rows.ndjson')).map((r) => r.row)).toEqual([{ id: 1 }]);
  });

  it('fails on the first bad line, naming it, after yielding the rows before it', async () => {
    await writeFile(join(dir, 'bad.jsonl'), '{"id": 1}\n{"id": 2}\n{"id": 3,\n{"id": 4}\n');
    const seen: unknown[] = [];
    const message = await failure(
      (async () => {
        for await (const r of readDataFile(resolveDataFile('bad.jsonl', dir))) seen.push(r.row);
      })(),
    );
    expect(seen).toEqual([{ id: 1 }, { id: 2 }]);
    expect(message).toMatch(/^bad\.jsonl:3: not valid JSON/);
  });

  it('says where it looked for a missing file', async () => {
    expect(await failure(all('seed/missing.jsonl'))).toBe(
      `seed/missing.jsonl: data file not found (looked for ${join(dir, 'seed/missing.jsonl')})`,
    );
  });
});

describe('data_file param', () => {
  it('needs a relative path with a known extension', () => {
    expect(dataFileParamProblem('seed/rows.jsonl')).toBeUndefined();
    expect(dataFileParamProblem('../shared/rows.JSON')).toBeUndefined();
    expect(dataFileParamProblem('/abs/rows.jsonl')).toBe(
      'must be a path relative to the migration\'s folder, got the absolute path "/abs/rows.jsonl"',
    );
    expect(dataFileParamProblem('rows.csv')).toBe(
      'must end in .json, .jsonl, .ndjson (JSON: one array of rows; JSONL: one row per line), got "rows.csv"',
    );
  });

  it('insert/upsert need exactly one of data and data_file', () => {
    expect(checkRowsSource({ collection_name: 'c', data: [{ id: 1 }] })).toEqual([]);
    expect(checkRowsSource({ collection_name: 'c', data_file: 'a.jsonl' })).toEqual([]);
    expect(checkRowsSource({ collection_name: 'c', data: [{ id: 1 }], data_file: 'a.jsonl' })).toEqual([
      ['data_file', 'give either data (rows inline) or data_file, not both'],
    ]);
    expect(checkRowsSource({ collection_name: 'c' })).toEqual([
      ['data', 'missing: give data (rows inline) or data_file (a .json or .jsonl file, relative to the migration)'],
    ]);
    expect(checkRowsSource({ collection_name: 'c', data_file: 'a.txt' })[0]?.[0]).toBe('data_file');
  });
});

describe('batching', () => {
  async function collect<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
    const out: T[][] = [];
    for await (const b of it) out.push(b);
    return out;
  }

  it('groups items, the last batch shorter', async () => {
    expect(await collect(inBatches([1, 2, 3, 4, 5], 2))).toEqual([[1, 2], [3, 4], [5]]);
    expect(await collect(inBatches([1, 2, 3, 4], 2))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await collect(inBatches([], 2))).toEqual([]);
  });

  it('reads no further ahead than one batch', async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 10; i++) {
        produced++;
        yield i;
      }
    }
    const it = inBatches(source(), 3)[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
    await it.return?.(undefined);
  });

  it('refuses a batch size below 1', async () => {
    await expect(collect(inBatches([1], 0))).rejects.toThrow('batch size must be a positive integer, got 0');
  });
});
