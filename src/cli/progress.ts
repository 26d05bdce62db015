import { progressText, type ProgressUpdate } from '../logger.js';

/** In CI (no TTY), at most one line per task every this many ms, plus its final one. */
export const DEFAULT_PLAIN_INTERVAL_MS = 10_000;

/** Erase the current terminal line: carriage return, then CSI 2K. */
const CLEAR_LINE = '\r\x1b[2K';

export interface ProgressRendererOptions {
  /** stderr is a terminal: one live line rewritten in place. Otherwise plain, periodic lines. */
  readonly tty: boolean;
  /** Writes to stderr (the caller scrubs secrets). */
  readonly write: (text: string) => void;
  /** Clock, injected by tests; default `Date.now`. */
  readonly now?: () => number;
  /** Plain mode: least time between two lines of one task; default {@link DEFAULT_PLAIN_INTERVAL_MS}. */
  readonly intervalMs?: number;
  /** Terminal width: a live line longer than this would wrap and could not be rewritten. */
  readonly columns?: number | undefined;
  /** Colour of the live line (dim); identity without colours. */
  readonly style?: (text: string) => string;
}

/**
 * Renders the library's progress updates (`logger.progress`) for a person or for a CI log.
 *
 * On a TTY the current task has one line, rewritten in place with rows or percent and elapsed
 * time; a final update, or any other output ({@link interrupt}), or the end of the command
 * ({@link end}) ends it with a newline so nothing is overwritten. Without a TTY, rewriting is
 * impossible, so each task prints a plain line when it starts, then at most every
 * `intervalMs`, then its final one: CI logs stay short.
 *
 * Updates with no structured form (`progress(message)` alone) are shown as they are: live on a
 * TTY, every one of them otherwise (their callers throttle them).
 */
export class ProgressRenderer {
  readonly #opts: ProgressRendererOptions;
  readonly #now: () => number;
  /** The live line on screen (TTY), if any. */
  #live = false;
  #task: Task | undefined;

  constructor(opts: ProgressRendererOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  update(message: string, update?: ProgressUpdate): void {
    const now = this.#now();
    let line = message;
    let task: Task | undefined;
    if (update) {
      if (this.#task?.name !== update.task) this.#task = { name: update.task, started: now - (update.elapsedMs ?? 0), printed: undefined };
      task = this.#task;
      const amount = progressText(update);
      line = `${update.task}${amount ? `: ${amount}` : ''} · ${formatElapsed(update.elapsedMs ?? now - task.started)}${update.final ? ' done' : ''}`;
    }
    if (this.#opts.tty) {
      const width = (this.#opts.columns ?? 0) - 1;
      const shown = width > 0 && line.length > width ? `${line.slice(0, width - 1)}…` : line;
      this.#opts.write(`${CLEAR_LINE}${this.#style(shown)}${update?.final ? '\n' : ''}`);
      this.#live = !update?.final;
      return;
    }
    if (task && !update?.final && task.printed !== undefined && now - task.printed < (this.#opts.intervalMs ?? DEFAULT_PLAIN_INTERVAL_MS))
      return;
    if (task) task.printed = now;
    this.#opts.write(`${line}\n`);
  }

  /** Call before writing anything else: ends the live line so the next text starts on a line of its own. */
  interrupt(): void {
    if (!this.#live) return;
    this.#opts.write('\n');
    this.#live = false;
  }

  /** Call when the command ends (also on failure). */
  end(): void {
    this.interrupt();
    this.#task = undefined;
  }

  #style(text: string): string {
    return this.#opts.style ? this.#opts.style(text) : text;
  }
}

interface Task {
  readonly name: string;
  readonly started: number;
  /** When plain mode last printed it. */
  printed: number | undefined;
}

/** `850 ms`, `12 s`, `2 min 05 s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
