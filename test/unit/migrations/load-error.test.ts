/** A code migration that does not compile is reported with its file, line, column and the compiler's message. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { loadMigrations } from '../../../src/migrations/load.js';

const BROKEN = 'export default {\n  async up() { const x = ; },\n};\n';

describe('syntax errors in code migrations', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mm-load-error-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function problemsOf(file: string, text: string) {
    const sub = await mkdtemp(join(dir, 'm-'));
    await writeFile(join(sub, file), text);
    const err = await loadMigrations(sub).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    return { sub, problems: (err as InvalidInputError).problems };
  }

  it(".ts: esbuild's message, at its line and (1-based) column", async () => {
    const { sub, problems } = await problemsOf('001_bad.ts', BROKEN);
    expect(problems).toEqual([{ file: join(sub, '001_bad.ts'), line: 2, column: 26, message: 'syntax error: Unexpected ";"' }]);
  });

  it(".mjs and .js: Node's message, at its line and column", async () => {
    for (const file of ['001_bad.mjs', '001_bad.js']) {
      const { sub, problems } = await problemsOf(file, BROKEN);
      expect(problems, file).toEqual([{ file: join(sub, file), line: 2, column: 26, message: "syntax error: Unexpected token ';'" }]);
    }
  });

  it('an error thrown while the module runs keeps its message', async () => {
    const { sub, problems } = await problemsOf('001_throws.mjs', "throw new Error('no config here');\n");
    expect(problems).toEqual([{ file: join(sub, '001_throws.mjs'), message: 'cannot load: no config here' }]);
  });
});
