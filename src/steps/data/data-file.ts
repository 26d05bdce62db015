/**
 * Rows from a file beside the migration (`data_file: seed/titles.jsonl`): JSON (one array of
 * rows) or JSONL (one row per line, streamed, so a file of any size is never held in memory).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { MigrateError } from '../../errors.js';
import type { Row } from '../../milvus/reads/shape.js';

/** `json`: one array of rows, read whole; `jsonl`: one row per line, streamed. */
export type DataFileFormat = 'json' | 'jsonl';

/** File extensions of data files and their format. */
export const DATA_FILE_FORMATS: Readonly<Record<string, DataFileFormat>> = {
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/** The format a data file's extension says, if it is one of {@link DATA_FILE_FORMATS}. */
export function dataFileFormat(path: string): DataFileFormat | undefined {
  return DATA_FILE_FORMATS[extname(path).toLowerCase()];
}

/**
 * Problems with a `data_file` param that need no file system (for the step's `check`): the
 * extension, and that the path is relative (to the migration's folder, so the repo works on any machine).
 */
export function dataFileParamProblem(path: string): string | undefined {
  if (isAbsolute(path)) return `must be a path relative to the migration's folder, got the absolute path ${JSON.stringify(path)}`;
  if (!dataFileFormat(path)) {
    return `must end in ${Object.keys(DATA_FILE_FORMATS).join(', ')} (JSON: one array of rows; JSONL: one row per line), got ${JSON.stringify(path)}`;
  }
  return undefined;
}

/** A data file that is missing or malformed: names the file and, where it can, the line and column. */
export class DataFileError extends MigrateError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
    options?: { hint?: string },
  ) {
    super('invalid-input', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`, options);
  }
}

/** One row and where it came from: `line` in a JSONL file, `index` (0-based) in a JSON array or inline `data`. */
export interface LocatedRow {
  readonly row: Row;
  readonly line?: number;
  readonly index: number;
}

/** `line 12` / `row 4`: where a row is, for messages. */
export function whereIs(r: { line?: number | undefined; index: number }): string {
  return r.line !== undefined ? `line ${r.line}` : `row ${r.index + 1}`;
}

/**
 * Parses one JSONL line. Blank lines (and a trailing one) are skipped: `undefined`.
 * Throws {@link DataFileError} with the line (and column, when JSON.parse gives a position).
 */
export function parseJsonlLine(text: string, line: number, file: string): Row | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    const { message, position } = jsonError(err);
    const column = position === undefined ? undefined : text.length - text.trimStart().length + position + 1;
    throw new DataFileError(file, line, `not valid JSON${column !== undefined ? ` (column ${column})` : ''}: ${message}`, {
      hint: 'A JSONL file holds one JSON object per line.',
    });
  }
  if (!isRow(value)) throw new DataFileError(file, line, `a row must be a JSON object (field name → value), got ${kindOf(value)}`);
  return value;
}

/**
 * Parses a whole JSON data file: an array of row objects. Syntax errors name the line and column.
 */
export function parseJsonRows(text: string, file: string): Row[] {
  const body = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const { message, position } = jsonError(err);
    const pos = position === undefined ? undefined : lineColumn(body, position);
    throw new DataFileError(file, pos?.line, `not valid JSON${pos ? ` (column ${pos.column})` : ''}: ${message}`);
  }
  if (!Array.isArray(value)) {
    throw new DataFileError(file, undefined, `a .json data file must hold one array of rows, got ${kindOf(value)}`, {
      hint: 'Write `[{...}, {...}]`, or use a .jsonl file with one row per line.',
    });
  }
  value.forEach((v, i) => {
    if (!isRow(v))
      throw new DataFileError(file, undefined, `row ${i + 1} of the array must be a JSON object (field name → value), got ${kindOf(v)}`);
  });
  return value as Row[];
}

/** Where a data file is: the param as written (for messages) and its absolute path. */
export interface DataFile {
  readonly param: string;
  readonly path: string;
  readonly format: DataFileFormat;
}

/** Resolves `data_file` against the migration's folder. */
export function resolveDataFile(param: string, migrationDir: string): DataFile {
  const format = dataFileFormat(param);
  if (!format) throw new DataFileError(param, undefined, dataFileParamProblem(param) ?? 'unknown format');
  return { param, path: resolve(migrationDir, param), format };
}

/**
 * Reads the rows of a data file one by one. JSONL is streamed line by line; JSON is parsed whole
 * (it is one value), so large data belongs in JSONL.
 */
export async function* readDataFile(file: DataFile): AsyncGenerator<LocatedRow> {
  await assertReadable(file);
  if (file.format === 'json') {
    const rows = parseJsonRows(await readFile(file.path, 'utf8'), file.param);
    for (const [index, row] of rows.entries()) yield { row, index };
    return;
  }
  const input = createReadStream(file.path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  try {
    for await (const text of lines) {
      line++;
      const row = parseJsonlLine(line === 1 ? text.replace(/^\uFEFF/, '') : text, line, file.param);
      if (row) yield { row, line, index: index++ };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

async function assertReadable(file: DataFile): Promise<void> {
  try {
    const s = await stat(file.path);
    if (!s.isFile()) throw new DataFileError(file.param, undefined, `is not a file (${file.path})`);
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(
      file.param,
      undefined,
      code === 'ENOENT' ? `data file not found (looked for ${file.path})` : `cannot read ${file.path}: ${code ?? String(err)}`,
      code === 'ENOENT' ? { hint: "data_file is relative to the migration's folder" } : undefined,
    );
  }
}

/** Groups items into arrays of `size` (the last one shorter), without reading ahead further. */
export async function* inBatches<T>(items: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a positive integer, got ${size}`);
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * JSON.parse's message and the offset it names. Node 20 says "... in JSON at position 12"
 * (some messages also quote the input, which can be long: only the first sentence is kept).
 */
function jsonError(err: unknown): { message: string; position?: number } {
  const raw = err instanceof Error ? err.message : String(err);
  const m = /at position (\d+)/.exec(raw);
  const message = raw
    .replace(/,? ".*" is not valid JSON$/s, '')
    .replace(/ (in JSON )?at position \d+.*$/s, '')
    .trim();
  return { message: message || raw, ...(m ? { position: Number(m[1]) } : {}) };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
