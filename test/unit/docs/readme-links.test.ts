/**
 * The README is the package's page on npm, where docs/, examples and the repository's other files
 * are not (only bin/, dist/ and schemas/ are packed), so a relative link there leads nowhere.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');
const BLOB = /^https:\/\/github\.com\/milvus-migrate\/milvus-migrate\/(?:blob|tree)\/main\/([^#?]*)/;

/** Targets of inline links `[text](target)` (text may span lines) and of reference definitions `[ref]: target`. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const inline = [...prose.matchAll(/\]\(\s*([^)\s]+)[^)]*\)/g)].map((m) => m[1]!);
  const references = [...prose.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

describe('README links', () => {
  it('are absolute (or anchors in the README), and those into the repository name files that exist', async () => {
    const targets = linkTargets(await readFile(join(REPO, 'README.md'), 'utf8'));
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => !/^(https?:\/\/|#)/.test(t))).toEqual([]);
    const repoPaths = targets.map((t) => BLOB.exec(t)?.[1]).filter((p) => p !== undefined);
    expect(repoPaths.length).toBeGreaterThan(0);
    expect(repoPaths.filter((p) => !existsSync(join(REPO, p)))).toEqual([]);
  });
});
