/**
 * Typed errors. The library throws (or returns) these; only `cli/` maps them to exit codes.
 * Each `kind` corresponds to one exit code of the contract (see `cli/exit-codes.ts`).
 */
export type ErrorKind =
  /** A migration failed while running against Milvus (exit 1). */
  | 'migration-failed'
  /** Usage, config, migration file, checksum mismatch, irreversible down (exit 2). */
  | 'invalid-input'
  /** Another run holds the lock (exit 3). */
  | 'lock-timeout'
  /** Destructive steps refused (exit 4). */
  | 'destructive-refused'
  /** Cannot connect to or authenticate with Milvus (exit 5). */
  | 'connection';

/** Base class of every error milvus-migrate raises on purpose. */
export class MigrateError extends Error {
  readonly kind: ErrorKind;
  /** Optional hint telling the user what to do next. */
  readonly hint?: string;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    if (options?.hint !== undefined) this.hint = options.hint;
  }
}

/** Where in a file a problem is: shown as `file:line:column`. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One problem found while validating input (config or migration file). */
export interface Problem extends SourceLocation {
  /** Dotted path of the offending key, e.g. `up[0].dropPartition.partition_name`. */
  path?: string;
  message: string;
}

/** Bad input: config, migration files, CLI usage. Carries every problem found, not just the first. */
export class InvalidInputError extends MigrateError {
  readonly problems: readonly Problem[];

  constructor(message: string, problems: readonly Problem[] = [], options?: { cause?: unknown; hint?: string }) {
    super('invalid-input', problems.length ? `${message}\n${formatProblems(problems)}` : message, options);
    this.problems = problems;
  }
}

/**
 * `down` was asked to revert migrations that cannot be reverted: no `down`, a step without an
 * inverse, or the file is gone. A kind of invalid input (exit 2); its own class so callers (e.g.
 * `verify`, which reports it instead of failing) tell it apart without reading the message.
 */
export class IrreversibleError extends InvalidInputError {
  constructor(problems: readonly Problem[]) {
    super('Cannot revert; nothing was changed', problems);
  }
}

/**
 * The configured database does not exist on the server. Invalid input (exit 2): the setting is
 * wrong, or the database must be created before this tool can keep its state there.
 */
export class DatabaseNotFoundError extends InvalidInputError {
  readonly database: string;
  /** The databases the server has, in the server's order (the message sorts them); `undefined` when the user may not list them. */
  readonly existing: readonly string[] | undefined;

  constructor(database: string, address: string, existing: readonly string[] | undefined) {
    const there = existing ? `databases there: ${[...existing].sort().join(', ')}` : 'the user may not list the databases there';
    super(`Database ${database} does not exist on Milvus at ${address} (${there})`, [], {
      hint:
        `Check the database setting (--database, MILVUS_DATABASE, or database in milvus.config.yaml). The migrations' state is kept ` +
        `in the configured database, so it must exist before the first run, even when a pending migration creates it: ` +
        `create it first (e.g. in Attu, or with the SDK's createDatabase), or keep database: default and name db_name in the steps.`,
    });
    this.database = database;
    this.existing = existing;
  }
}

/** Formats problems one per line as `file:line:col: path: message`. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => {
      const where = [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
      return `  ${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
    })
    .join('\n');
}

/** Milvus cannot be reached or refuses our credentials. */
export class ConnectionError extends MigrateError {
  readonly address: string;
  constructor(address: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super('connection', message, options);
    this.address = address;
  }
}

/** A Milvus call answered with a failure status, threw, or answered `{}` (not implemented). */
export class MilvusCallError extends MigrateError {
  /** SDK method name, e.g. `dropPartition`. */
  readonly call: string;
  /** Milvus error code (numeric `code` when present, else the `error_code` name). */
  readonly code: string | number | undefined;
  /** What Milvus said. */
  readonly reason: string;

  constructor(call: string, reason: string, code?: string | number, options?: { cause?: unknown; hint?: string }) {
    super('migration-failed', `${call} failed: ${reason}${code !== undefined ? ` (code ${code})` : ''}`, options);
    this.call = call;
    this.reason = reason;
    this.code = code;
  }
}

/** The run would execute destructive steps and `--allow-destructive` was not given. */
export class DestructiveRefusedError extends MigrateError {
  readonly steps: readonly { migration: string; index: number; step: string; summary: string }[];
  constructor(steps: DestructiveRefusedError['steps'], direction: 'up' | 'down') {
    const list = steps.map((s) => `  ${s.migration} (${direction}) step ${s.index + 1} ${s.step}: ${s.summary}`).join('\n');
    super(
      'destructive-refused',
      `Refusing to run: ${steps.length} destructive step${steps.length === 1 ? '' : 's'} would delete data:\n${list}`,
      { hint: 'Nothing was changed. Re-run with --allow-destructive (or allowDestructive: true in the environment) once you are sure.' },
    );
    this.steps = steps;
  }
}

/** Another run holds the lock and did not release it in time. */
export class LockTimeoutError extends MigrateError {
  constructor(message: string, options?: { hint?: string }) {
    super('lock-timeout', message, options);
  }
}

/** Renders any thrown value as a message, without stack traces. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object') {
    const o = err as Record<string, unknown>;
    if (typeof o.reason === 'string' && o.reason) return o.reason;
    if (typeof o.message === 'string') return o.message;
    try {
      return JSON.stringify(err);
    } catch {
      return String(err);
    }
  }
  return String(err);
}
