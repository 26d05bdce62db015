import type { Steps } from '../steps/catalogue.js';
import type { StepCall } from '../steps/types.js';

/** What a code migration's `up`/`down` receive. */
export interface CodeMigrationContext {
  /** The connected `MilvusClient` of `@zilliz/milvus2-sdk-node`, for anything the catalogue lacks. */
  readonly client: import('@zilliz/milvus2-sdk-node').MilvusClient;
  /**
   * The step catalogue: same checks, waits, destructive guard and state recording as YAML steps.
   * Typed: `steps.dropPartition({ collection_name, partition_name })` checks its params at compile time.
   */
  readonly steps: Steps;
  readonly log: (message: string) => void;
}

export type CodeFn = (ctx: CodeMigrationContext) => Promise<void>;

/** A migration's body in one direction: declared steps or code. */
export type MigrationBody =
  { readonly kind: 'steps'; readonly steps: readonly StepCall[] } | { readonly kind: 'code'; readonly fn: CodeFn };

/** A parsed and validated migration. */
export interface Migration {
  readonly name: string;
  readonly path: string;
  readonly format: 'yaml' | 'code';
  /** sha256 of the file. */
  readonly checksum: string;
  readonly description: string | undefined;
  readonly up: MigrationBody;
  /** Undefined: derive it by inverting `up` (YAML only). */
  readonly down: MigrationBody | undefined;
}
