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
