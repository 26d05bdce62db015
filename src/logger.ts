/**
 * The library never prints: it reports through an injected logger. `cli/` supplies one that
 * writes to stderr; tests and API users may pass their own or `silentLogger`.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** A progress update for a long wait (index build, load, copy). May be rendered in place on a TTY. */
  progress?(message: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
};
