import type { ErrorKind } from '../errors.js';

/** Exit codes of the contract. */
export const EXIT = {
  ok: 0,
  migrationFailed: 1,
  invalidInput: 2,
  lockTimeout: 3,
  destructiveRefused: 4,
  connection: 5,
} as const;

const BY_KIND: Record<ErrorKind, number> = {
  'migration-failed': EXIT.migrationFailed,
  'invalid-input': EXIT.invalidInput,
  'lock-timeout': EXIT.lockTimeout,
  'destructive-refused': EXIT.destructiveRefused,
  connection: EXIT.connection,
};

export function exitCodeOf(kind: ErrorKind | undefined): number {
  return kind ? BY_KIND[kind] : EXIT.migrationFailed;
}

/**
 * Worst first: a migration that failed while running (a database was left part-way, and needs a
 * look before anything else), then the refusals, which changed nothing in that target: cannot
 * connect, lock held, destructive steps refused, invalid input. 0 is best.
 */
const SEVERITY: readonly number[] = [EXIT.migrationFailed, EXIT.connection, EXIT.lockTimeout, EXIT.destructiveRefused, EXIT.invalidInput];

/** The exit code of a fan-out: the worst of its targets' codes by {@link SEVERITY}; 0 when all are 0 (or there are none). */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (code: number) => (code === 0 ? SEVERITY.length : Math.max(0, SEVERITY.indexOf(code)));
  return codes.reduce((worst, code) => (rank(code) < rank(worst) ? code : worst), 0);
}
