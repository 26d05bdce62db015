import type { StepCall } from '../steps/types.js';

/** One step of a generated migration, with the reason a reviewer reads above it. */
export interface GeneratedStep {
  readonly call: StepCall;
  /** Why this step is there: written as a `#` comment above it (one or more lines). */
  readonly why: string;
  /** It deletes data: marked in the file (`up` needs `--allow-destructive`). */
  readonly destructive?: boolean;
  /**
   * What the user must fill in: written as a `TODO:` param, which no step accepts, so the file
   * does not validate until it is done and the line removed.
   */
  readonly todo?: string;
  /**
   * What its derived `down` would not give back (set by the generator, see reversible.ts):
   * written as a comment on the step and printed by `generate`.
   */
  readonly downGap?: string;
}

/** A file the user fills in before the migration validates (a transform), written next to the migration. */
export interface Template {
  /** Relative to the migration's folder, as the step names it. */
  readonly path: string;
  readonly text: string;
}

/** A migration the generator wrote: steps in run order, files to fill in, and what the user must do. */
export interface GeneratedMigration {
  readonly description: string;
  readonly up: readonly GeneratedStep[];
  /** Only where the derived down would not restore the schema. */
  readonly down?: readonly GeneratedStep[] | undefined;
  readonly templates: readonly Template[];
  /** What must be filled in before the file validates; empty when it is ready to run. */
  readonly todos: readonly string[];
  /** Worth knowing before running it (a rebuild keeps the old collection, writes must pause, ...). */
  readonly notes: readonly string[];
}
