/**
 * The library never prints: it reports through an injected logger. `cli/` supplies one that
 * writes to stderr; tests and API users may pass their own or `silentLogger`.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /**
   * A progress update for a long wait (index build, load, copy, backup). `message` is always the
   * whole update in words, so a logger that only prints strings loses nothing; `update`, when
   * given, is the same in numbers, so the CLI can render rows or percent and elapsed time the
   * same way for every wait (in place on a TTY, every few seconds in CI).
   */
  progress?(message: string, update?: ProgressUpdate): void;
}

/** The structured form of a progress update (see {@link Logger.progress}). */
export interface ProgressUpdate {
  /** What is being waited for, e.g. `index on docs.embedding`. Updates of one task replace each other. */
  readonly task: string;
  /** Rows done, or percent done when `unit` is `percent`; absent when only the time is known. */
  readonly done?: number | undefined;
  /** Rows in all, when known (`percent` implies 100). */
  readonly total?: number | undefined;
  readonly unit?: 'rows' | 'percent' | undefined;
  /** Time since the task started, measured by whoever does the work. */
  readonly elapsedMs?: number | undefined;
  /** The last update of the task: it finished. */
  readonly final?: boolean | undefined;
}

/** `1,234/5,000 rows (24%)`, `1,234 rows` or `40%`: the amount of an update, in words. */
export function progressText(p: Pick<ProgressUpdate, 'done' | 'total' | 'unit'>): string {
  if (p.done === undefined) return '';
  if (p.unit === 'percent') return `${p.done}%`;
  const total = p.total !== undefined ? `/${p.total.toLocaleString('en-US')}` : '';
  const pct = p.total ? ` (${Math.min(100, Math.floor((p.done / p.total) * 100))}%)` : '';
  return `${p.done.toLocaleString('en-US')}${total} rows${pct}`;
}

/** A logger that drops everything (the library's default). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
};
