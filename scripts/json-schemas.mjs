// Writes the JSON Schemas of migration files and milvus.config.yaml (schemas/*.json, shipped in
// the package) from the zod schemas, through dist/editor/json-schema.js that tsc has just built.
// Run by `npm run build`; the CLI bundle never loads zod's JSON Schema code. A unit test
// (test/unit/editor/json-schema.test.ts) fails when the committed files are out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaFiles } from '../dist/editor/json-schema.js';

const dir = join(import.meta.dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(jsonSchemaFiles())) writeFileSync(join(dir, name), text);
