import type * as z from 'zod';
import type { Milvus } from '../milvus/client.js';
import type { Logger } from '../logger.js';
import type { BackupSettings } from '../backup/format.js';
import type { StepRecord } from '../step-record.js';
import type { SchemaModel } from '../schema/plan-model.js';

export type { StepRecord };

/** A step as written in a migration: `{ dropPartition: { collection_name, partition_name } }`, normalised. */
export interface StepCall {
  readonly step: string;
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * 1-based line of the step in its YAML file, for problems found before anything runs (a derived
   * `down` step: the line of the `up` step it undoes). None for the calls of code migrations.
   */
  readonly line?: number | undefined;
}

/** What a step hands to its runner at run time. */
export interface StepContext {
  readonly milvus: Milvus;
  readonly logger: Logger;
  /** The migration that runs the step: its name and the folder its file lives in. */
  readonly migration: { readonly name: string; readonly dir: string };
  /** Index of the step in its migration (0-based). */
  readonly index: number;
  /** Where backups go, and whether destructive steps take one by default (`--backup`). */
  readonly backup?: BackupSettings | undefined;
  /**
   * True when this step was in progress or failed when a previous run stopped. Its effect may
   * already be in Milvus, so "already done" must count as done (e.g. a partition to drop that is
   * already gone).
   */
  readonly resumed: boolean;
  /** What this step last saved with {@link StepContext.checkpoint} in the run that stopped, when {@link resumed}. */
  readonly previous: StepRecord | undefined;
  /**
   * Saves progress of a long step (e.g. the last primary key copied) in the state, so a run that
   * dies mid-step resumes from there: the next run gets it back as {@link previous}.
   */
  checkpoint(progress: StepRecord): Promise<void>;
}

/** The answer of {@link StepDefinition.inverse}: the steps that undo it, or why there are none. */
export type InverseResult = { readonly steps: readonly StepCall[]; readonly note?: string } | { readonly irreversible: string };

/**
 * What a step's {@link StepDefinition.expect} checks a call against before anything runs: the
 * schema model as it will be when the call runs (the live schema of what the plan names, with
 * every earlier pending step's effect folded in).
 */
export interface ExpectContext {
  readonly model: SchemaModel;
  /** The migration whose step is checked: files it names (e.g. `data_file`) are relative to `dir`. */
  readonly migration: { readonly name: string; readonly dir: string };
  /** Absolute folder holding backups (a `restoreBackup` step verifies its backup there). */
  readonly backupDir?: string | undefined;
  /** The server's version, for limits that changed between versions. */
  readonly serverVersion?: string | undefined;
  /**
   * The preflight's cached, read-only view of Milvus, for what the model does not hold (a rebuild
   * reads its source's whole description). Absent when folding without a server.
   */
  readonly reads?: Milvus | undefined;
}

/** A live fact shown by `plan` / `--dry-run`, e.g. "holds 1,200 rows". */
export type StepFact = string;

/** A collection or alias a step call names, and the database it names it in (none: the connection's). */
export interface NamedInDatabase {
  readonly name: string;
  readonly db_name?: string | undefined;
}

/** What one call of a step names, as {@link StepDefinition.touches} declares it. */
export interface StepTouches {
  /** Collections it reads or changes (a rename: both names; a copy: source and target). */
  readonly collections?: readonly NamedInDatabase[];
  readonly aliases?: readonly NamedInDatabase[];
  /** Databases it creates or drops. */
  readonly databases?: readonly string[];
}

/**
 * One step of the catalogue. One file per step exports one of these; YAML and code migrations
 * use the same definitions, so they get the same checks, waits and guard.
 */
export interface StepDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  /** Strict schema of the step's params: SDK request fields plus snake_case options. */
  readonly params: z.ZodType<P>;
  /** Whether the step deletes data (always, or for these params). Destructive steps need `--allow-destructive`. */
  readonly destructive: boolean | ((params: P) => boolean);
  /**
   * Oldest Milvus version that supports the step (or these params), e.g. `2.6.0`. Checked
   * against the server before anything runs: on 2.3 some newer calls answer `{}` and change nothing.
   */
  readonly minVersion?: string | ((params: P) => string);
  /**
   * Running the step again after it completed, as a fresh run (not resumed), leaves Milvus as one
   * run would and records nothing: e.g. creating a partition that exists is a success in Milvus.
   * A migration made only of such steps needs no "started" row and may have its final row
   * written a little later, batched with others (see `StateWriter`): a run killed in between
   * leaves it pending, and the next run simply runs it again.
   */
  readonly repeatable?: boolean;
  /**
   * The step takes a `backup` param (back up what it deletes first) and follows `--backup` /
   * `backup: true` in the config when a migration leaves the param out.
   */
  readonly backsUp?: boolean;
  /**
   * What a call names: the collections and aliases `drift` reads, and the databases a throwaway
   * database refuses to reach. Absent: the call names none (e.g. `exec`).
   */
  touches?(params: P): StepTouches;
  /** One line saying what the step does, for plans and errors. */
  describe(params: P): string;
  /** Checks that need no server (beyond the schema). Returns problems as `[paramKey, message]`. */
  check?(params: P): readonly (readonly [key: string, message: string])[];
  /**
   * Checks a call against the schema model as it will be when the call runs (collections, fields,
   * partitions, indexes, aliases, databases, rows, server limits), before anything runs. Returns
   * problems in words, naming what the database will hold ("collection docs has no field x (fields: id, v)").
   */
  expect?(ctx: ExpectContext, params: P): readonly string[] | Promise<readonly string[]>;
  /**
   * What the call does to the schema model (createCollection adds a collection, dropPartition
   * removes a partition, ...). Applied after {@link expect}, also when it found problems, so one
   * mistake is reported once and not again by every later step. Absent: no schema change.
   */
  effect?(model: SchemaModel, params: P): void;
  /** Live facts for `plan`: what is at stake, whether the target exists. Never writes. */
  facts?(milvus: Milvus, params: P): Promise<readonly StepFact[]>;
  /** Applies the step and waits until Milvus has done it. May return facts for the inverse. */
  run(ctx: StepContext, params: P): Promise<StepRecord | void>;
  /** The steps that undo this one, given what it recorded. Absent: irreversible. */
  inverse?(params: P, recorded: StepRecord | undefined): InverseResult;
}

/** Whether this call of a step deletes data. */
export function isDestructive(def: StepDefinition, params: Readonly<Record<string, unknown>>): boolean {
  return typeof def.destructive === 'function' ? def.destructive(params) : def.destructive;
}

/**
 * A step as {@link defineStep} returns it: its literal name and its params schema's own type
 * are kept, so the catalogue can type code migrations' `steps` and {@link callOf} can check params.
 */
export type DefinedStep<N extends string, S extends z.ZodType<Record<string, unknown>>> = StepDefinition<z.output<S>> & {
  readonly name: N;
  readonly params: S;
};

/** Helper that keeps each step file's types tight. */
export function defineStep<const N extends string, S extends z.ZodType<Record<string, unknown>>>(
  def: StepDefinition<z.output<S>> & { readonly name: N; readonly params: S },
): DefinedStep<N, S> {
  return def;
}

/** What a step acting on one collection (`collection_name`, `db_name`) names: that collection. */
export function oneCollection(p: { collection_name: string; db_name?: string | undefined }): StepTouches {
  return { collections: [{ name: p.collection_name, db_name: p.db_name }] };
}

/** Any step from {@link defineStep}, whatever its name and params. */
// `any`: a step's params type sits in both in and out positions, so no narrower type admits every step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type AnyDefinedStep = DefinedStep<string, any>;

/**
 * A call of `def` with `params`, as an inverse returns it: the step is named by its definition,
 * not by a string, so renaming a step or one of its params breaks the inverses that call it.
 *
 * Steps that undo each other (createPartition and dropPartition) import each other; the
 * definitions are used only when an inverse runs, so the cycle is harmless at load time. Their
 * `inverse` declares its return type (`: InverseResult`): TypeScript otherwise meets the cycle
 * while inferring the two definitions (error TS7022).
 */
export function callOf<D extends AnyDefinedStep>(def: D, params: z.output<D['params']>): StepCall {
  return { step: def.name, params };
}
