#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/cli.cjs by
// `npm run build` (run by `npm ci` through `prepare`, see scripts/prepare.mjs), and started with V8's code cache
// (src/cli/launch.ts).
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { cacheVariant, compileCacheDir, loadWithCodeCache } from '../dist/cli/launch.js';

// Node 22.1+ also keeps the compiled code of the dependencies loaded later (the SDK) on disk.
module.enableCompileCache?.();
const argv = process.argv.slice(2);
const cacheDir = compileCacheDir();
const { exports: cli, key } = loadWithCodeCache(fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url)), {
  cacheDir,
  variant: cacheVariant(argv),
});
// The bundle cannot call import() itself (see src/util/dynamic-import.ts): it uses this one.
cli.setImporter((specifier) => import(specifier));
// Parsed YAML migrations are kept beside the code caches, for this build only (src/migrations/parse-cache.ts).
cli.useParseCache(cacheDir && key ? { dir: cacheDir, key } : undefined);
cli.main(argv);
