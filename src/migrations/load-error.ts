import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { errorMessage, type Problem } from '../errors.js';

/** One compiler message with where it points, as esbuild reports it (`errors[]` of a failed transform). */
interface EsbuildMessage {
  text: string;
  location?: { file?: string; line?: number; column?: number } | null;
}

/**
 * What went wrong importing a code migration, as problems with file, line and column where the
 * compiler gave them. esbuild (through tsx, for `.ts`) throws "Transform failed with N errors:"
 * with the located messages on the following lines (and in `errors[]` when tsx keeps them);
 * Node's SyntaxError for `.js`/`.mjs` carries no position a program can read, so a `.js`/`.mjs`
 * file that failed to load is checked once more with `node --check`, whose report has it.
 */
export async function loadProblems(path: string, err: unknown): Promise<Problem[]> {
  const esbuild = esbuildProblems(path, err);
  if (esbuild.length) return esbuild;
  // Any failure, not only a SyntaxError: a loader in between (vitest's) words it its own way.
  if (!path.endsWith('.ts')) {
    const checked = await nodeCheck(path);
    if (checked) return [checked];
  }
  return [{ file: path, message: `cannot load: ${errorMessage(err).split('\n')[0]}` }];
}

function esbuildProblems(path: string, err: unknown): Problem[] {
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length && errors.every((e) => typeof (e as EsbuildMessage)?.text === 'string')) {
    return (errors as EsbuildMessage[]).map((e) => located(e.location?.file || path, e.location?.line, e.location?.column, e.text));
  }
  const message = errorMessage(err);
  if (!/^Transform failed with \d+ errors?:/.test(message)) return [];
  // `<file>:<line>:<column>: ERROR: <text>`; esbuild's columns count from 0.
  return [...message.matchAll(/^(.+?):(\d+):(\d+): ERROR: (.+)$/gm)].map((m) => located(m[1]!, Number(m[2]), Number(m[3]), m[4]!));
}

function located(file: string, line: number | undefined, column0: number | undefined, text: string): Problem {
  return {
    file,
    ...(line ? { line } : {}),
    ...(line && column0 !== undefined ? { column: column0 + 1 } : {}),
    message: `syntax error: ${text}`,
  };
}

/**
 * `node --check`, given the file's source on stdin as an ES module, prints `[stdin]:<line>`, the
 * source line, a caret under the column, then `SyntaxError: <message>`. (Given the path instead,
 * Node 20 passes a `.js` file with `export` outside a `"type": "module"` package without a look.)
 * Undefined when the source checks (the SyntaxError came from linking, e.g. a missing named
 * export) or the report has another form.
 */
async function nodeCheck(path: string): Promise<Problem | undefined> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const stderr = await new Promise<string | undefined>((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '--check'], { stdio: ['pipe', 'ignore', 'pipe'], timeout: 10_000 });
    let text = '';
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? undefined : text));
    child.stdin.on('error', () => {});
    child.stdin.end(source);
  });
  if (!stderr) return undefined;
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => /^\[stdin\]:\d+$/.test(l));
  const message = lines.find((l) => l.startsWith('SyntaxError: '));
  if (at < 0 || !message) return undefined;
  const caret = lines[at + 2]?.indexOf('^') ?? -1;
  return {
    file: path,
    line: Number(lines[at]!.slice('[stdin]:'.length)),
    ...(caret >= 0 ? { column: caret + 1 } : {}),
    message: `syntax error: ${message.slice('SyntaxError: '.length)}`,
  };
}
