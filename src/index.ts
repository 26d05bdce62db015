/**
 * milvus-migrate's programmatic API: what the CLI uses, for scripts and tests.
 *
 * @example
 * ```ts
 * import { openProject } from 'milvus-migrate';
 * const project = await openProject({ env: 'production', logger: console });
 * try {
 *   console.table(await project.status());
 *   const result = await project.up();
 *   if (result.error) throw result.error;
 * } finally {
 *   await project.close();
 * }
 * ```
 */
import type { CodeFn } from './migrations/model.js';

export type { CodeMigrationContext, Migration, MigrationBody } from './migrations/model.js';
export {
  openProject,
  connectProject,
  createMigrator,
  createLock,
  type OpenProjectOptions,
  type Project,
  type ProjectConnection,
  type MigratorSettings,
} from './project.js';
export { loadConfig, type LoadConfigOptions, type ResolvedConfig } from './config/load.js';
export { Milvus, type ConnectionSettings, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_RETRY_WINDOW_MS } from './milvus/client.js';
export type { TlsSettings } from './milvus/tls.js';
export { startEmbedded, type EmbeddedOptions, type EmbeddedServer } from './milvus/embedded/index.js';
export { Migrator, type MigratorOptions, type UpOptions, type DownOptions, type MarkResult } from './runner/migrator.js';
export { statusOf, type MigrationStatus, type MigrationState } from './runner/history.js';
export { migrationsFolder, loadedMigrations, type MigrationSource } from './migrations/source.js';
export type { RunResult, MigrationResult, StepOutcome, Direction } from './runner/results.js';
export { StepFailedError } from './runner/results.js';
export { MilvusStateStore } from './state/milvus-store.js';
export { DEFAULT_STATE_COLLECTION } from './config/defaults.js';
export { MemoryStateStore, type StateStore, type StateRow } from './state/store.js';
export { loadMigrations } from './migrations/load.js';
export { STEPS, STEP_NAMES, type Steps, type StepName, type StepInput } from './steps/catalogue.js';
export type { StepDefinition, StepCall } from './steps/types.js';
export type { DatabaseSchema, CollectionSchema, FieldSchema, IndexSchema } from './schema/model.js';
export { readSchema, type ReadScope } from './schema/read.js';
export { compareSchemas, describeDifference, type Difference } from './schema/compare.js';
export { expectedSchema, type ExpectedSchema, type FoldOptions } from './runner/fold.js';
export { schemaToYaml, schemaFromYaml } from './schema/yaml.js';
export { openThrowaway, type Throwaway, type ThrowawayOptions } from './verify/throwaway.js';
export { verifyMigrations, type VerifyResult, type VerifiedMigration } from './verify/verify.js';
export * from './errors.js';
export { silentLogger, progressText, type Logger, type ProgressUpdate } from './logger.js';
export { MilvusLock, type LockHolder, type RunLock } from './state/lock.js';

/** A code migration (`.ts`, `.js`, `.mjs`): `export default defineMigration({ up, down })`. */
export interface MigrationDefinition {
  readonly description?: string;
  readonly up: CodeFn;
  readonly down?: CodeFn;
}

/** Declares a code migration; typed identity, so editors check `up`/`down` and their `{ client, steps, log }`. */
export function defineMigration(def: MigrationDefinition): MigrationDefinition {
  return def;
}
