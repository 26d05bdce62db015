/**
 * Where the JSON Schemas are, and the comment that points an editor at them. Kept apart from
 * json-schema.ts, which imports zod's JSON Schema code: `init` and `create` import only this.
 */
import { dirname, join, relative, sep } from 'node:path';

/** The files `npm run build` writes to `schemas/`, shipped in the package. */
export const SCHEMA_FILES = {
  migration: 'migration.schema.json',
  config: 'config.schema.json',
} as const;

/** Where an installed package's schemas are, from the folder holding node_modules. */
export const INSTALLED_SCHEMA_DIR = 'node_modules/milvus-migrate/schemas';

/**
 * `# yaml-language-server: $schema=<path>`, the first line of the files `init` and `create` write:
 * the path of the installed schema relative to the file (the YAML language server resolves it
 * from the file), assuming node_modules sits beside milvus.config.yaml in `projectDir`.
 */
export function schemaComment(kind: keyof typeof SCHEMA_FILES, file: string, projectDir: string): string {
  const target = join(projectDir, INSTALLED_SCHEMA_DIR, SCHEMA_FILES[kind]);
  return `# yaml-language-server: $schema=${relative(dirname(file), target).split(sep).join('/')}\n`;
}
