#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ by `npm run build`
// (run by `npm ci` through `prepare`).
import module from 'node:module';

// Node 22.1+ keeps the compiled code of the CLI and its libraries on disk between runs, which
// takes a good part of the start-up time off every command; Node 20 has no such cache.
module.enableCompileCache?.();
import('../dist/bundle/main.js').then((m) => m.main(process.argv.slice(2)));
