import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorShape, JSON_DOCUMENTS } from '../../../src/cli/json-shapes.js';
import { COMPLETION_COMMAND } from '../../../src/cli/main.js';
import { registeredCommands, runInProcess } from '../../support/cli-help.js';

const DOC = resolve(import.meta.dirname, '../../../docs/json.md');
/** Fields every document starts with, documented once at the top of docs/json.md. */
const COMMON = ['command', 'ok', 'exitCode'];

/** Dotted paths of every field, `migrations[].steps[].index` style; the shared error object is a leaf. */
function fieldPaths(schema: z.ZodType, prefix = ''): string[] {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodArray) {
      s = s.element as z.ZodType;
      prefix = prefix ? `${prefix}[]` : prefix;
    } else break;
  }
  if (!(s instanceof z.ZodObject) || (s === errorShape && prefix !== '')) return [];
  return Object.entries(s.shape).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...fieldPaths(child as z.ZodType, path)];
  });
}

/** The section of docs/json.md whose `## ` heading names `name` (in backticks), up to the next one. */
function section(doc: string, heading: (h: string) => boolean): string {
  const parts = doc.split(/^## /m).slice(1);
  const found = parts.find((p) => heading(p.split('\n')[0]!));
  if (!found) throw new Error('no such section');
  return found;
}

describe('JSON shapes and their documentation', () => {
  it('every field of every document is in docs/json.md, in its section', async () => {
    const doc = await readFile(DOC, 'utf8');
    const header = doc.split(/^## /m)[0]!;
    for (const f of COMMON) expect(header, f).toContain(`| \`${f}\` |`);
    const missing: string[] = [];
    for (const [name, schema] of Object.entries(JSON_DOCUMENTS)) {
      const text = section(doc, (h) => (name === 'failure' ? h.trim() === 'failure' : h.includes(`\`${name}\``)));
      for (const path of fieldPaths(schema)) {
        if (name !== 'failure' && COMMON.includes(path)) continue;
        if (!text.includes(`| \`${path}\` |`)) missing.push(`${name}: ${path}`);
      }
    }
    const errorSection = section(doc, (h) => h.trim() === 'Error object');
    for (const path of fieldPaths(errorShape)) if (!errorSection.includes(`| \`${path}\` |`)) missing.push(`error: ${path}`);
    expect(missing).toEqual([]);
  });

  it('the walker sees nested fields (so the check above can fail)', () => {
    expect(fieldPaths(JSON_DOCUMENTS.up)).toContain('migrations[].steps[].index');
    expect(fieldPaths(JSON_DOCUMENTS.up)).toContain('migrations[].error.stepIndex');
    expect(fieldPaths(errorShape)).toContain('problems[].line');
  });

  it('every command the CLI registers has a documented shape', async () => {
    const commands = (await registeredCommands()).filter((c) => c !== COMPLETION_COMMAND);
    expect(commands.filter((c) => !(c in JSON_DOCUMENTS))).toEqual([]);
  });

  it('shapes are strict: an undocumented field fails', () => {
    const doc = { command: 'mark', ok: true, exitCode: 0, name: 'x', status: 'applied' };
    expect(JSON_DOCUMENTS.mark.safeParse(doc).success).toBe(true);
    expect(JSON_DOCUMENTS.mark.safeParse({ ...doc, extra: 1 }).success).toBe(false);
    expect(JSON_DOCUMENTS.mark.safeParse({ ...doc, name: undefined }).success).toBe(false);
  });
});

describe('--json failure documents without Milvus', () => {
  it('bad usage: one failure document on stdout, the message on stderr', async () => {
    const r = await runInProcess(['up', '--step', '0', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON_DOCUMENTS.failure.parse(JSON.parse(r.stdout));
    expect(doc).toMatchObject({ command: 'up', ok: false, exitCode: 2, error: { kind: 'invalid-input' } });
    expect(doc.error.message).toMatchInlineSnapshot(`"--step must be a positive whole number, got 0"`);
    expect(r.stderr).toContain('--step must be a positive whole number');
  });

  it('an unknown command: command is null', async () => {
    const r = await runInProcess(['upp', '--json']);
    expect(r.code).toBe(2);
    expect(JSON_DOCUMENTS.failure.parse(JSON.parse(r.stdout))).toMatchObject({ command: null, exitCode: 2 });
  });
});
