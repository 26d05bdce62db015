import { MilvusCallError } from '../errors.js';
import { progressText, type ProgressUpdate } from '../logger.js';
import type { Milvus } from './client.js';

/** Polling starts fast (most DDL on small collections finishes in tens of ms) and backs off. */
export const DEFAULT_POLL_START_MS = 50;
export const DEFAULT_POLL_MAX_MS = 250;
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How far a polled task is, in rows or percent. */
export type PollProgress = Required<Pick<ProgressUpdate, 'done' | 'unit'>> & Pick<ProgressUpdate, 'total'>;

/**
 * Polls `probe` until it returns `done`, reporting progress at most every few seconds (and a
 * final update when it reported any, so a live line ends at 100%).
 * The backoff is capped low so the tool moves on soon after Milvus reports the work done.
 */
export async function pollUntil(
  what: string,
  probe: () => Promise<{ done: boolean; progress?: PollProgress | undefined }>,
  opts: { milvus: Pick<Milvus, 'logger'>; timeoutMs?: number },
): Promise<void> {
  const started = Date.now();
  const timeout = opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const logger = opts.milvus.logger;
  const report = (progress: PollProgress | undefined, now: number, final: boolean) => {
    const elapsedMs = now - started;
    const message = `waiting for ${what}${progress ? `: ${progressText(progress)}` : ''} (${(elapsedMs / 1000).toFixed(0)} s)`;
    if (logger.progress) logger.progress(message, { task: `waiting for ${what}`, ...progress, elapsedMs, final });
    else logger.info(message);
  };
  let delay = DEFAULT_POLL_START_MS;
  let lastReport = started;
  let reported = false;
  for (;;) {
    const { done, progress } = await probe();
    const now = Date.now();
    if (done) {
      if (reported) report(progress && { ...progress, done: progress.total ?? 100 }, now, true);
      return;
    }
    if (now - started > timeout) {
      throw new MilvusCallError('wait', `timed out after ${Math.round(timeout / 1000)} s waiting for ${what}`);
    }
    if (now - lastReport >= 2000) {
      lastReport = now;
      reported = true;
      report(progress, now, false);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, DEFAULT_POLL_MAX_MS);
  }
}

/** Waits until every index of `field_name` (or named `index_name`) of a collection is built. */
export async function waitForIndex(
  milvus: Milvus,
  req: { collection_name: string; field_name?: string; index_name?: string; db_name?: string },
): Promise<void> {
  await pollUntil(
    `index on ${req.collection_name}.${req.index_name ?? req.field_name}`,
    async () => {
      const res = await milvus.call('describeIndex', req);
      const descs = res.index_descriptions.filter(
        (d) => (!req.index_name || d.index_name === req.index_name) && (!req.field_name || d.field_name === req.field_name),
      );
      const failed = descs.find((d) => String(d.state) === 'Failed');
      if (failed) throw new MilvusCallError('createIndex', `index build failed: ${failed.index_state_fail_reason}`);
      const done = descs.length > 0 && descs.every((d) => String(d.state) === 'Finished');
      const d = descs[0];
      return { done, progress: d ? { done: Number(d.indexed_rows), total: Number(d.total_rows), unit: 'rows' as const } : undefined };
    },
    { milvus },
  );
}

/** Waits until a collection (or some of its partitions) is fully loaded. */
export async function waitForLoad(
  milvus: Milvus,
  req: { collection_name: string; partition_names?: string[]; db_name?: string },
): Promise<void> {
  await pollUntil(
    `load of ${req.collection_name}${req.partition_names ? ` partitions ${req.partition_names.join(', ')}` : ''}`,
    async () => {
      const res = await milvus.call('getLoadingProgress', req);
      const pct = Number(res.progress);
      return { done: pct >= 100, progress: { done: pct, unit: 'percent' as const } };
    },
    { milvus },
  );
}

/** Load state of a collection or of some partitions: `LoadStateLoaded`, `LoadStateNotLoad`, ... */
export async function loadState(
  milvus: Milvus,
  req: { collection_name: string; partition_names?: string[]; db_name?: string },
): Promise<string> {
  const res = await milvus.call('getLoadState', req);
  return String(res.state);
}
