import { createRequire } from 'node:module';

/** This package's version, recorded in the state as tool_version. */
export const TOOL_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
