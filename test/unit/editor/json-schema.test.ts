import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
// ajv 6 (draft-07) is in node_modules as ESLint's dependency; only this test uses it.
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEMPLATES } from '../../../src/cli/commands/create.js';
import { CONFIG_TEMPLATE, EXAMPLE_MIGRATION } from '../../../src/cli/commands/init.js';
import { configJsonSchema, jsonSchemaFiles, migrationJsonSchema, SCHEMA_FILES } from '../../../src/editor/json-schema.js';
import { BAD_INPUT_CASES } from '../../support/bad-input-cases.js';

const ROOT = resolve(import.meta.dirname, '../../..');

const ajv = new Ajv({ allErrors: true });
const migration = ajv.compile(migrationJsonSchema());
const config = ajv.compile(configJsonSchema());

/** Every YAML file under `dir`, recursively (examples live in subfolders). */
async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(e.name)) out.push(path);
  }
  return out;
}

/**
 * Bad-input cases the validator rejects with a step's `check` (a rule across params that JSON
 * Schema does not express), or that are about two files, a flag (`--env`) or the environment, or
 * that YAML itself refuses to parse: the schema cannot reject those, and says nothing of them.
 */
const BEYOND_THE_SCHEMA = [
  'YAML syntax error',
  'duplicate YAML key',
  'two files, one name',
  'dropping _default',
  'no primary key',
  'vector without dim',
  'duplicate field names',
  'num_partitions without a partition key',
  'config syntax error',
  'unset variable',
  'unknown environment',
];

describe('JSON Schemas for editors', () => {
  it('the committed schemas/ are what the zod schemas generate (run npm run build after changing a schema)', async () => {
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      // Compared as JSON, so a formatter's layout of the files does not count.
      expect(JSON.parse(await readFile(join(ROOT, 'schemas', name), 'utf8')), name).toEqual(JSON.parse(text));
    }
    expect(Object.keys(jsonSchemaFiles())).toEqual(Object.values(SCHEMA_FILES));
  });

  it('accepts every example migration of the repository and every template create and init write', async () => {
    const files = await yamlFiles(join(ROOT, 'migrations'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const texts = [...(await Promise.all(files.map((f) => readFile(f, 'utf8')))), TEMPLATES.yaml, EXAMPLE_MIGRATION];
    for (const [i, text] of texts.entries()) {
      expect(migration(parse(text)), `${files[i] ?? 'template'}: ${ajv.errorsText(migration.errors)}`).toBe(true);
    }
  });

  it('accepts the config init writes and the repository config', async () => {
    for (const text of [CONFIG_TEMPLATE, await readFile(join(ROOT, 'milvus.config.yaml'), 'utf8')]) {
      expect(config(parse(text)), ajv.errorsText(config.errors)).toBe(true);
    }
    expect(config(parse('ssl: ${SSL}\nembedded: { port: "${PORT}" }\ndatabase: ${MILVUS_DATABASE}\n'))).toBe(true);
  });

  it('rejects the malformed files of the bad-input suite (but those beyond what JSON Schema says)', () => {
    const rejected: string[] = [];
    const accepted: string[] = [];
    for (const [label, c] of Object.entries(BAD_INPUT_CASES)) {
      const yamlFiles = Object.entries(c.files ?? {}).filter(([n]) => /\.ya?ml$/.test(n));
      if (!yamlFiles.length && c.config === undefined) continue;
      let ok = true;
      for (const [, text] of yamlFiles) {
        try {
          if (!migration(parse(text))) ok = false;
        } catch {
          ok = true; // YAML syntax: the parser's business, not the schema's
        }
      }
      if (c.config !== undefined) {
        try {
          if (!config(parse(c.config))) ok = false;
        } catch {
          ok = true;
        }
      }
      (ok ? accepted : rejected).push(label);
    }
    expect(accepted.sort()).toEqual([...BEYOND_THE_SCHEMA].sort());
    expect(rejected.length).toBeGreaterThanOrEqual(20);
  });

  it('completes step names and params: each step is a property with its params', () => {
    const step = (migrationJsonSchema().definitions as Record<string, { properties: Record<string, { properties: object }> }>).step!;
    expect(Object.keys(step.properties)).toContain('dropPartition');
    expect(Object.keys(step.properties.dropPartition!.properties)).toEqual([
      'collection_name',
      'db_name',
      'partition_name',
      'if_exists',
      'backup',
    ]);
  });
});
