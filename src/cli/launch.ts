/**
 * Starts the bundled CLI with V8's code cache, so that a command does not compile its code anew
 * on every run. Node 22.1+ has this built in (`module.enableCompileCache()`), Node 20 has not; the
 * same is done here with `vm.Script` and `cachedData`, which every supported Node version has.
 *
 * The CLI is one CommonJS file (`dist/bundle/cli.cjs`, made by scripts/bundle-cli.mjs). Its code
 * cache is kept per command under `<cache root>/compile-cache/`, because a cache holds the
 * functions that had been compiled when it was made: `validate`'s cache holds the migration
 * parser, `--help`'s does not. A cache is written once, when a command finds none (or V8 refused
 * the one it found); one from another bundle or Node version never matches its name and is
 * removed then (so two installed versions sharing a cache root replace each other's caches).
 * `MILVUS_MIGRATE_COMPILE_CACHE=0` turns it off; `=DIR` puts it elsewhere.
 *
 * This module only imports Node's built-ins: it runs before anything else.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { resolveCacheRoot } from '../util/cache-root.js';
import { commandOf } from './command-word.js';

/** What became of the code cache on this run: read and used, made anew, refused by V8, or off. */
export type CodeCacheOutcome = 'hit' | 'miss' | 'rejected' | 'off';

export interface LoadedBundle<T> {
  exports: T;
  cache: CodeCacheOutcome;
  /** What names this build and Node in cache files (a hash of both); none when caching is off. */
  key?: string;
}

const PREFIX = 'cli-';

/** Where code caches go: `MILVUS_MIGRATE_COMPILE_CACHE` (`0` for nowhere), else under the cache root. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.MILVUS_MIGRATE_COMPILE_CACHE;
  if (setting === '0' || setting === 'false' || setting === 'off') return undefined;
  if (setting) return path.resolve(setting);
  try {
    return path.join(resolveCacheRoot(env), 'compile-cache');
  } catch {
    // No HOME and no passwd entry (a container run under an arbitrary uid): run without a cache.
    return undefined;
  }
}

/**
 * Which cache a command line uses: its command (`create`, `up`), or without one its first flag
 * (`--help`), when that looks like a command name; else `other`, so that paths and values never
 * become file names.
 */
export function cacheVariant(argv: readonly string[]): string {
  const word = commandOf(argv) ?? argv[0]?.replace(/^--?/, '');
  return word !== undefined && /^[a-z]{1,16}$/.test(word) ? word : 'other';
}

/**
 * Loads the CommonJS file `file` as `require()` would, using and keeping V8's code cache for it in
 * `cacheDir` under the name `variant`. Without `cacheDir` it is a plain `require()`. A cache that
 * cannot be read or written is ignored: the file then just compiles as usual.
 *
 * `import()` inside the file fails (Node loses a cached script's import callback): hand the file
 * an `import()` from outside instead, as bin/milvus-migrate.js does (util/dynamic-import.ts).
 */
export function loadWithCodeCache<T>(file: string, opts: { cacheDir: string | undefined; variant: string }): LoadedBundle<T> {
  const require = createRequire(file);
  if (!opts.cacheDir) return { exports: require(file) as T, cache: 'off' };
  const source = readFileSync(file, 'utf8');
  // V8 checks a cache against the source's length only: the name carries a hash of the source.
  const key = createHash('sha1').update(`${process.version} ${process.arch}\n`).update(source).digest('hex').slice(0, 16);
  const cacheFile = path.join(opts.cacheDir, `${PREFIX}${key}-${opts.variant}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const cache: CodeCacheOutcome = !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, path.dirname(file));
  module.loaded = true;
  // Made at exit, the cache also holds the functions this command compiled while it ran.
  if (cache !== 'hit') process.once('exit', () => saveCache(opts.cacheDir!, cacheFile, key, () => script.createCachedData()));
  return { exports: module.exports as T, cache, key };
}

function saveCache(dir: string, cacheFile: string, key: string, data: () => Buffer): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      if (name.startsWith(PREFIX) && !name.startsWith(`${PREFIX}${key}-`)) rmSync(path.join(dir, name), { force: true });
    }
    // Written whole, then renamed: a process starting meanwhile reads the old file or none.
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, data());
    renameSync(partial, cacheFile);
  } catch {
    // A read-only or full disk costs speed only.
  }
}
