import { createRequire } from 'node:module';

/**
 * This package's version, recorded in the state as tool_version. Read through the package's own
 * name (its `exports` lists `./package.json`), so it resolves from `dist/` and from the bundled CLI
 * in `dist/bundle/` alike.
 */
export const TOOL_VERSION: string = (createRequire(import.meta.url)('milvus-migrate/package.json') as { version: string }).version;
