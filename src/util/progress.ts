/** Progress lines of long tasks (copies, writes of rows, backups), throttled. */
import type { Logger, ProgressUpdate } from '../logger.js';

/** At most one progress line every this many ms. */
export const PROGRESS_INTERVAL_MS = 2_000;

/**
 * Calls `progress` (or `info`) at most once per interval, and for the final update when it
 * reported before (a live line then ends at 100%; a short task stays silent).
 */
export function throttled(logger: Logger, intervalMs = PROGRESS_INTERVAL_MS): (message: string, update?: ProgressUpdate) => void {
  let last = Date.now();
  let reported = false;
  return (message, update) => {
    const now = Date.now();
    if (update?.final ? !reported : now - last < intervalMs) return;
    last = now;
    reported = true;
    if (logger.progress) logger.progress(message, update);
    else logger.info(message);
  };
}
