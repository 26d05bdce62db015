/** Flags that take a value and may come before the command: their value is not the command. */
const TAKES_VALUE = new Set(['--config', '--env', '--address', '--uri', '--token', '--database', '--lock-timeout']);

/**
 * The command a command line runs (`up` in `--env production up --json`), read before yargs has
 * parsed it: the first word that is neither a flag nor the value of one. Imports nothing, so the
 * launcher can use it too.
 */
export function commandOf(argv: readonly string[]): string | null {
  return argv.find((a, i) => !a.startsWith('-') && !TAKES_VALUE.has(argv[i - 1] ?? '')) ?? null;
}
