import { createRequire } from 'node:module';

/** The version the CLI bundle was built with (`define` in scripts/bundle-cli.mjs); absent in dist/. */
declare const __MILVUS_MIGRATE_VERSION__: string | undefined;

/**
 * This package's version, recorded in the state as tool_version. The bundled CLI has it written in
 * at build time (reading package.json at start-up costs ~20 ms of CommonJS loader set-up); the
 * library reads it through the package's own name (its `exports` lists `./package.json`).
 */
export const TOOL_VERSION: string =
  typeof __MILVUS_MIGRATE_VERSION__ === 'string'
    ? __MILVUS_MIGRATE_VERSION__
    : (createRequire(import.meta.url)('milvus-migrate/package.json') as { version: string }).version;
