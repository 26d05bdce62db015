import * as z from 'zod';

/**
 * The documents `--json` prints, one per command, as zod schemas: the single definition of the
 * public JSON interface. `render.ts` and the commands build their documents with these types,
 * tests parse real output with them, and `docs/json.md` documents every field (a unit test checks
 * that every field here appears there). Objects are strict, so an undocumented or a missing field
 * fails the tests. Add a field: here, in docs/json.md, and where the document is built.
 */

/** One problem of invalid input: file (or flag, or variable), position, dotted key, message. */
export const problemShape = z.strictObject({
  file: z.string(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  path: z.string().optional(),
  message: z.string(),
});

/** Why a command or run failed; `kind` maps to the exit code. */
export const errorShape = z.strictObject({
  kind: z.enum(['migration-failed', 'invalid-input', 'lock-timeout', 'destructive-refused', 'connection']),
  message: z.string(),
  hint: z.string().optional(),
  problems: z.array(problemShape).optional(),
});

/** The fields every command's document starts with, plus its own. */
function commandDocument<C extends string, F extends z.ZodRawShape>(command: C | readonly C[], fields: F) {
  const name = typeof command === 'string' ? z.literal(command) : z.enum(command as readonly [C, ...C[]]);
  return z.strictObject({ command: name, ok: z.boolean(), exitCode: z.number().int().min(0).max(5), ...fields });
}

const stepShape = z.strictObject({
  index: z.number().int().min(0),
  step: z.string(),
  summary: z.string(),
  destructive: z.boolean(),
  status: z.enum(['planned', 'done', 'skipped', 'failed', 'not-run']),
  facts: z.array(z.string()).optional(),
  note: z.string().optional(),
});

const migrationResultShape = z.strictObject({
  name: z.string(),
  status: z.enum(['success', 'error', 'not-executed']),
  description: z.string().nullable(),
  format: z.enum(['yaml', 'code']),
  durationMs: z.number().nullable(),
  resumeFrom: z.number().int().min(0),
  steps: z.array(stepShape),
  error: z.strictObject({ stepIndex: z.number().int().min(0).nullable(), step: z.string().nullable(), message: z.string() }).nullable(),
});

/** An old collection a rebuild kept aside (`status`, `cleanup`). */
export const leftoverShape = z.strictObject({
  name: z.string(),
  rebuiltInto: z.string(),
  rows: z.number().int(),
  rowsExact: z.boolean(),
  migration: z.string().nullable(),
  neededByDown: z.boolean(),
});

/** `up`, `down`, `plan`. */
export const runDocument = commandDocument(['up', 'down', 'plan'], {
  direction: z.enum(['up', 'down']),
  dryRun: z.boolean(),
  migrations: z.array(migrationResultShape),
  error: errorShape.nullable(),
  /** `plan` (and `--dry-run`): the old collections earlier rebuilds kept for rollback (absent under `--targets`). */
  keptByRebuilds: z.array(leftoverShape).optional(),
});

export const statusDocument = commandDocument('status', {
  upToDate: z.boolean(),
  migrationsDir: z.string(),
  state: z.string(),
  address: z.string(),
  counts: z.strictObject({
    applied: z.number().int(),
    pending: z.number().int(),
    failed: z.number().int(),
    changed: z.number().int(),
    missing: z.number().int(),
  }),
  migrations: z.array(
    z.strictObject({
      name: z.string(),
      status: z.enum(['applied', 'pending', 'failed', 'changed', 'missing']),
      description: z.string().nullable(),
      appliedAt: z.string().nullable(),
      durationMs: z.number().nullable(),
      appliedBy: z.string().nullable(),
      checksum: z.string().nullable(),
      stepsDone: z.number().int().nullable(),
      toolVersion: z.string().nullable(),
      lastError: z.string().nullable(),
      marked: z.boolean(),
      /** What steps proved about their copies (rebuildCollection, copyRows with verify: true), by step. */
      verifications: z.array(z.strictObject({ step: z.number().int().min(0), report: z.record(z.string(), z.unknown()) })).optional(),
    }),
  ),
  /** The old collections rebuilds kept for rollback (absent under `--targets`). */
  keptByRebuilds: z.array(leftoverShape).optional(),
});

export const cleanupDocument = commandDocument('cleanup', {
  dryRun: z.boolean(),
  allowDestructive: z.boolean(),
  /** What the command drops (or, refused or with `--dry-run`, would drop). */
  toDrop: z.array(leftoverShape),
  /** Kept by `--keep-latest`. */
  kept: z.array(leftoverShape),
  /** Names actually dropped. */
  dropped: z.array(z.string()),
  error: errorShape.nullable(),
});

export const initDocument = commandDocument('init', {
  created: z.array(z.string()),
  kept: z.array(z.string()),
  updated: z.array(z.string()),
});

export const createDocument = commandDocument('create', { path: z.string(), name: z.string(), format: z.enum(['yaml', 'ts', 'js']) });

export const validateDocument = commandDocument('validate', {
  offline: z.boolean(),
  migrations: z.array(z.strictObject({ name: z.string(), format: z.enum(['yaml', 'code']), checksum: z.string() })),
});

export const markDocument = commandDocument('mark', { name: z.string(), status: z.enum(['applied', 'pending']) });

export const unlockDocument = commandDocument('unlock', {
  released: z.strictObject({ id: z.string(), host: z.string(), pid: z.number().int(), command: z.string(), since: z.string() }).nullable(),
});

/** One schema difference found by `verify` or `diff`. */
export const differenceShape = z.strictObject({
  path: z.string(),
  kind: z.enum(['missing', 'unexpected', 'changed']),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
});

export const backupsDocument = commandDocument('backups', {
  dir: z.string(),
  backups: z.array(
    z.strictObject({
      migration: z.string(),
      step: z.number().int().nullable(),
      stepName: z.string().nullable(),
      kind: z.enum(['partition', 'collection', 'rows']).nullable(),
      database: z.string().nullable(),
      collection: z.string().nullable(),
      partition: z.string().nullable(),
      filter: z.string().nullable(),
      rows: z.number().int().nullable(),
      bytes: z.number().int(),
      createdAt: z.string().nullable(),
      path: z.string(),
      verified: z.boolean().nullable(),
      problem: z.string().nullable(),
    }),
  ),
});

export const verifyDocument = commandDocument('verify', {
  where: z.string(),
  strict: z.boolean(),
  migrations: z.array(
    z.strictObject({
      name: z.string(),
      up: z.enum(['ok', 'failed', 'not-run']),
      down: z.enum(['ok', 'mismatch', 'irreversible', 'failed', 'not-run']),
      reup: z.enum(['ok', 'mismatch', 'failed', 'not-run']),
      differences: z.array(differenceShape),
      message: z.string().nullable(),
    }),
  ),
  error: errorShape.nullable(),
});

export const diffDocument = commandDocument('diff', {
  database: z.string(),
  against: z.string(),
  /** Where the expected schema came from: the migrations folded without a server, replayed on a throwaway Milvus (`where`), or the `against` snapshot. */
  by: z.enum(['fold', 'replay', 'snapshot']),
  where: z.string().nullable(),
  /** With `--replay` where the migrations can also be folded: whether the fold agrees with the replay (`differences`: expected is the replay's, actual the fold's). */
  foldCheck: z.strictObject({ agrees: z.boolean(), differences: z.array(differenceShape) }).nullable(),
  differences: z.array(differenceShape),
});

export const snapshotDocument = commandDocument('snapshot', {
  file: z.string(),
  changed: z.boolean(),
  collections: z.array(z.string()),
  aliases: z.array(z.string()),
});

const generatedMigration = z.strictObject({ name: z.string(), path: z.string() }).nullable();

/** `baseline`: the migration written from the live database, and whether it was recorded as applied. */
export const baselineDocument = commandDocument('baseline', {
  database: z.string(),
  dryRun: z.boolean(),
  migration: generatedMigration,
  marked: z.boolean(),
  schemaFile: z.string().nullable(),
  collections: z.array(z.string()),
  aliases: z.array(z.string()),
  /** The databases `--databases` named besides the configured one, each with its own schema file. */
  otherDatabases: z.array(
    z.strictObject({
      database: z.string(),
      collections: z.array(z.string()),
      aliases: z.array(z.string()),
      schemaFile: z.string().nullable(),
    }),
  ),
  yaml: z.string().optional(),
});

/** `generate`: the migration from the schema the migrations produce to the schema file. */
export const generateDocument = commandDocument('generate', {
  dryRun: z.boolean(),
  schemaFile: z.string(),
  serverVersion: z.string(),
  /** How the schema the migrations produce was had: folded from their steps, or replayed on a throwaway Milvus (`where`). */
  by: z.enum(['fold', 'replay']),
  where: z.string().nullable(),
  migration: generatedMigration,
  steps: z.array(z.strictObject({ step: z.string(), why: z.string(), destructive: z.boolean() })),
  templates: z.array(z.string()),
  todos: z.array(z.string()),
  notes: z.array(z.string()),
  yaml: z.string().optional(),
});

/** `lint`: the findings of the analyzers (docs/lint.md), in file and line order. */
export const lintDocument = commandDocument('lint', {
  migrationsDir: z.string(),
  base: z.string().nullable(),
  failOn: z.enum(['error', 'warning']),
  counts: z.strictObject({ error: z.number().int(), warning: z.number().int() }),
  findings: z.array(
    z.strictObject({
      code: z.string(),
      severity: z.enum(['error', 'warning']),
      message: z.string(),
      file: z.string(),
      line: z.number().int().nullable(),
      migration: z.string(),
      docs: z.string(),
    }),
  ),
});

/** `dev start`, `dev stop`, `dev status`: the project's Embedded Milvus that stays up between commands. */
export const devDocument = commandDocument('dev', {
  action: z.enum(['start', 'stop', 'status']),
  dataDir: z.string(),
  running: z.boolean(),
  changed: z.boolean(),
  server: z
    .strictObject({
      address: z.string().nullable(),
      pid: z.number().int(),
      role: z.enum(['dev', 'command', 'orphan', 'unrecorded']),
      ownerPid: z.number().int().nullable(),
      startedAt: z.string().nullable(),
      uptimeMs: z.number().int().nullable(),
      version: z.string().nullable(),
      authorization: z.boolean().nullable(),
      reachable: z.boolean(),
      logsDir: z.string(),
    })
    .nullable(),
  killed: z.boolean(),
  staleRecordRemoved: z.boolean(),
  notes: z.array(z.string()),
});

/**
 * `--targets`: one document for the whole fan-out, with each target's own document (as the command
 * prints it for one database) in `targets[].result`.
 */
export const fanOutDocument = commandDocument(['up', 'down', 'plan', 'status', 'validate', 'verify', 'diff'], {
  fanOut: z.literal(true),
  summary: z.strictObject({
    targets: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    notStarted: z.number().int(),
  }),
  targets: z.array(
    z.strictObject({
      target: z.string(),
      kind: z.enum(['database', 'environment']),
      database: z.string(),
      address: z.string(),
      state: z.enum(['succeeded', 'failed', 'not-started']),
      reason: z.enum(['stopped', 'canary-failed']).nullable(),
      canary: z.boolean(),
      exitCode: z.number().int().min(0).max(5),
      durationMs: z.number().nullable(),
      counts: z.strictObject({ applied: z.number().int(), pending: z.number().int(), failed: z.number().int() }).nullable(),
      result: z.unknown(),
      error: errorShape.nullable(),
    }),
  ),
});

/** What any command prints instead of its own document when it fails before it has a result. */
export const failureDocument = z.strictObject({
  command: z.string().nullable(),
  ok: z.literal(false),
  exitCode: z.number().int().min(1).max(5),
  error: errorShape,
});

/**
 * Every document by name: each command's, and `failure`. A new command adds one line here (and
 * its section in docs/json.md); the tests then hold it to both.
 */
export const JSON_DOCUMENTS = {
  init: initDocument,
  create: createDocument,
  status: statusDocument,
  up: runDocument,
  down: runDocument,
  plan: runDocument,
  validate: validateDocument,
  mark: markDocument,
  unlock: unlockDocument,
  cleanup: cleanupDocument,
  backups: backupsDocument,
  verify: verifyDocument,
  diff: diffDocument,
  snapshot: snapshotDocument,
  lint: lintDocument,
  dev: devDocument,
  fanout: fanOutDocument,
  baseline: baselineDocument,
  generate: generateDocument,
  failure: failureDocument,
} as const;

/** The type of a document by name, e.g. `JsonDocument<'init'>`, for `satisfies` where it is built. */
export type JsonDocument<K extends keyof typeof JSON_DOCUMENTS> = z.infer<(typeof JSON_DOCUMENTS)[K]>;
export type RunDocument = z.infer<typeof runDocument>;
export type StatusDocument = z.infer<typeof statusDocument>;
export type FailureDocument = z.infer<typeof failureDocument>;
export type ErrorDocument = z.infer<typeof errorShape>;
