/**
 * JSON Schemas of migration files and milvus.config.yaml, generated from the zod schemas the tool
 * validates with, for editors (the YAML language server completes step names and params and flags
 * errors as one types). Not imported by the CLI: zod's JSON Schema code stays out of its bundle;
 * `npm run build` writes the files to `schemas/` (scripts/json-schemas.mjs), and a unit test
 * fails when the committed files and the zod schemas drift apart.
 *
 * What JSON Schema cannot say is left to `validate` and `lint`: a step's `check` (e.g. give
 * `data` or `data_file`, not both). Milvus' name rule, a refinement in zod, becomes a pattern.
 */
import * as z from 'zod';
import { LayerSchema } from '../config/schema.js';
import { MILVUS_NAME_MAX_LENGTH, MILVUS_NAME_PATTERN } from '../config/names.js';
import { STEP_DEFINITIONS } from '../steps/catalogue.js';
import { milvusName } from '../steps/params.js';
import { SCHEMA_FILES } from './schema-paths.js';

export { INSTALLED_SCHEMA_DIR, SCHEMA_FILES } from './schema-paths.js';

type JsonSchema = Record<string, unknown>;

/** Draft-07: the YAML language server and most validators read it. */
function toJson(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      // Refinements are not representable: Milvus' name rule is, as a pattern.
      if (ctx.zodSchema === milvusName)
        Object.assign(ctx.jsonSchema, { pattern: MILVUS_NAME_PATTERN.source, maxLength: MILVUS_NAME_MAX_LENGTH });
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** The schema of a YAML migration: `description`, `up` (steps), `down` (steps); a step is a one-key map. */
export function migrationJsonSchema(): JsonSchema {
  const step = {
    type: 'object',
    description: 'A step: a one-key map <stepName>: <params>',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: Object.fromEntries(STEP_DEFINITIONS.map((s) => [s.name, toJson(s.params)])),
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/milvus-migrate/milvus-migrate/schemas/migration.schema.json',
    title: 'milvus-migrate YAML migration',
    type: 'object',
    additionalProperties: false,
    required: ['up'],
    properties: {
      description: { type: 'string', description: 'Shown by status and plan: what this migration changes and why' },
      up: { type: 'array', minItems: 1, items: { $ref: '#/definitions/step' }, description: 'Steps to apply, in order' },
      down: {
        anyOf: [{ type: 'array', items: { $ref: '#/definitions/step' } }, { type: 'null' }],
        description: 'Steps that undo up; absent: the inverse of each up step, in reverse order',
      },
    },
    definitions: { step },
  };
}

/** Config keys that hold Milvus names (a refinement in zod each, so written out here). */
const CONFIG_NAME_KEYS = ['stateCollection', 'database'];

/**
 * `${VAR}` interpolates any value to a string, and the config coerces 'true'/'false' and numeric
 * strings (src/config/schema.ts): so booleans and numbers may be written as such strings too.
 */
function interpolatable(schema: JsonSchema): JsonSchema {
  const nameRule = { pattern: MILVUS_NAME_PATTERN.source, maxLength: MILVUS_NAME_MAX_LENGTH };
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (!props) return schema;
  const variable = { type: 'string', pattern: '\\$\\{' };
  const out: Record<string, JsonSchema> = {};
  for (const [key, p] of Object.entries(props)) {
    if (CONFIG_NAME_KEYS.includes(key)) out[key] = { anyOf: [{ ...p, ...nameRule }, variable] };
    else if (p.type === 'boolean') out[key] = { anyOf: [p, { type: 'string', enum: ['true', 'false'] }, variable] };
    else if (p.type === 'number') out[key] = { anyOf: [p, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*$' }, variable] };
    else if (Array.isArray(p.anyOf)) {
      // `embedded`: true, false, or a map of its own settings.
      out[key] = { anyOf: [...(p.anyOf as JsonSchema[]).map(interpolatable), { type: 'string', enum: ['true', 'false'] }, variable] };
    } else out[key] = p;
  }
  return { ...schema, properties: out };
}

/** The schema of milvus.config.yaml: a settings layer at the top, and one per `environments` entry. */
export function configJsonSchema(): JsonSchema {
  const layer = interpolatable(toJson(LayerSchema));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/milvus-migrate/milvus-migrate/schemas/config.schema.json',
    title: 'milvus-migrate milvus.config.yaml',
    ...layer,
    properties: {
      ...(layer.properties as JsonSchema),
      environments: {
        description: '--env NAME picks one; its keys override the top level (any key but environments)',
        anyOf: [{ type: 'object', additionalProperties: { $ref: '#/definitions/layer' } }, { type: 'null' }],
      },
      // Hand-written: `targets` is checked by a transform (config/targets.ts), which has no JSON Schema form.
      targets: {
        description: 'What --targets all fans out over: database names, patterns (tenant_*) and { env: NAME } entries',
        anyOf: [{ $ref: '#/definitions/target' }, { type: 'array', minItems: 1, items: { $ref: '#/definitions/target' } }],
      },
    },
    definitions: {
      layer,
      target: {
        anyOf: [
          { type: 'string', pattern: '^[A-Za-z0-9_*?]+$', description: 'a database name, or a pattern with * and ?' },
          {
            type: 'object',
            properties: { env: { type: 'string', description: 'an environment of this file: its address, credentials and database' } },
            required: ['env'],
            additionalProperties: false,
          },
        ],
      },
    },
  };
}

/** Every schema file by name, as `npm run build` writes it. */
export function jsonSchemaFiles(): Record<string, string> {
  return {
    [SCHEMA_FILES.migration]: `${JSON.stringify(migrationJsonSchema(), null, 2)}\n`,
    [SCHEMA_FILES.config]: `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
  };
}
