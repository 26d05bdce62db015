/**
 * `import { defineMigration } from 'milvus-migrate'` in a code migration must stay cheap: the
 * library entry loads the Node SDK (~0.5 s of gRPC and protobufs) only when a connection is made.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('the library entry', () => {
  it('does not load the SDK when imported', async () => {
    const script = `import('./src/index.ts').then((lib) => {
      const sdk = Object.keys(require.cache).filter((k) => k.includes('milvus2-sdk-node'));
      console.log(JSON.stringify({ defineMigration: typeof lib.defineMigration, sdk: sdk.length }));
    })`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({ defineMigration: 'function', sdk: 0 });
  });
});
