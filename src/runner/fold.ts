/**
 * The schema migrations produce, computed without a server (here in runner/, not schema/: it
 * folds the steps' effects, and the steps sit above schema/): their YAML steps folded over an empty
 * schema model (each step's `effect`, checked first by its `expect`), as `diff` expects it and the
 * schema-as-code generator starts from. The result is the {@link DatabaseSchema} that `snapshot`
 * writes and `diff` compares, normalised as a read of Milvus is.
 */
import type { Problem } from '../errors.js';
import type { Migration } from '../migrations/model.js';
import { emptySchema, type DatabaseSchema } from '../schema/model.js';
import { normaliseSchema } from '../schema/normalise.js';
import { emptyModel, type SchemaModel } from '../schema/plan-model.js';
import type { PlannedMigration } from './plan.js';
import { foldPlan } from './preflight.js';

/** Options of {@link expectedSchema}. */
export interface FoldOptions {
  /** The connection's database: where steps without `db_name` act, and the one returned. Default `default`. */
  readonly database?: string | undefined;
  /**
   * Also return the other databases the migrations create and fill, their collections and aliases
   * named `db.collection` (as `verify` reads a server of its own). Default: only {@link database}.
   */
  readonly allDatabases?: boolean | undefined;
  /** Absolute folder holding backups (a `restoreBackup` step reads its manifest there). */
  readonly backupDir?: string | undefined;
  /**
   * The version of the server the schema is compared with, for Milvus defaults that changed
   * between versions (a partition key's partitions: 64 before 2.5, 16 since). Default: before 2.5.
   */
  readonly serverVersion?: string | undefined;
}

/**
 * What {@link expectedSchema} computed: the schema, with the problems the fold met on the way (a
 * step naming what does not exist at that point: the migrations would fail on an empty server
 * too); or, when some migration is code, nothing: its steps are known only when it runs, so the
 * schema can only be had by running it (`diff --replay`).
 */
export type ExpectedSchema =
  | { readonly folded: true; readonly schema: DatabaseSchema; readonly problems: readonly Problem[] }
  | { readonly folded: false; readonly code: readonly string[]; readonly reason: string };

/**
 * The schema `migrations` produce when applied in the order given (name order, as the runner
 * applies them) to an empty database, computed by folding their `up` steps over an empty model.
 * Reads their data files (an `insert` is checked against the fields) but never Milvus.
 */
export async function expectedSchema(migrations: readonly Migration[], opts: FoldOptions = {}): Promise<ExpectedSchema> {
  const code = migrations.filter((m) => m.up.kind === 'code').map((m) => m.name);
  if (code.length) {
    return {
      folded: false,
      code,
      reason: `${code.join(', ')} ${code.length === 1 ? 'is a code migration' : 'are code migrations'}: their steps are known only when they run, so the expected schema needs a replay`,
    };
  }
  const database = opts.database ?? 'default';
  const model = emptyModel(database, opts.serverVersion);
  const plan = migrations.map(plannedUp);
  const problems = await foldPlan(model, plan, { backupDir: opts.backupDir, serverVersion: opts.serverVersion });
  return { folded: true, schema: schemaOfModel(model, { database, allDatabases: opts.allDatabases }), problems };
}

/** `m`'s `up` as the runner plans it for an empty server: every step, nothing resumed. */
function plannedUp(m: Migration): PlannedMigration {
  const steps = m.up.kind === 'steps' ? m.up.steps : undefined;
  return { migration: m, direction: 'up', steps, body: m.up, notes: [], resumeFrom: 0, row: undefined };
}

/** A model's collections and aliases as a normalised {@link DatabaseSchema} (copies: the model is not shared). */
export function schemaOfModel(model: SchemaModel, opts: { database: string; allDatabases?: boolean | undefined }): DatabaseSchema {
  const schema = emptySchema();
  const own = model.databases.get(opts.database);
  if (own) {
    Object.assign(schema.collections, structuredClone(own.collections));
    Object.assign(schema.aliases, own.aliases);
  }
  if (opts.allDatabases) {
    for (const [name, db] of model.databases) {
      if (name === opts.database) continue;
      for (const [c, s] of Object.entries(db.collections)) schema.collections[`${name}.${c}`] = structuredClone(s);
      for (const [alias, target] of Object.entries(db.aliases)) schema.aliases[`${name}.${alias}`] = `${name}.${target}`;
    }
  }
  return normaliseSchema(schema);
}
