import { MilvusCallError } from '../errors.js';
import type { Milvus } from './client.js';

/** Polling starts fast (most DDL on small collections finishes in tens of ms) and backs off. */
export const DEFAULT_POLL_START_MS = 50;
export const DEFAULT_POLL_MAX_MS = 250;
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns `done`, logging progress at most every few seconds.
 * The backoff is capped low so the tool moves on soon after Milvus reports the work done.
 */
export async function pollUntil(
  what: string,
  probe: () => Promise<{ done: boolean; progress?: string }>,
  opts: { milvus: Milvus; timeoutMs?: number },
): Promise<void> {
  const started = Date.now();
  const timeout = opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  let delay = DEFAULT_POLL_START_MS;
  let lastReport = started;
  for (;;) {
    const { done, progress } = await probe();
    if (done) return;
    const now = Date.now();
    if (now - started > timeout) {
      throw new MilvusCallError('wait', `timed out after ${Math.round(timeout / 1000)} s waiting for ${what}`);
    }
    if (now - lastReport >= 2000) {
      lastReport = now;
      const elapsed = ((now - started) / 1000).toFixed(0);
      (opts.milvus.logger.progress ?? opts.milvus.logger.info)(`waiting for ${what}${progress ? `: ${progress}` : ''} (${elapsed} s)`);
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
      return { done, progress: d ? `${d.indexed_rows}/${d.total_rows} rows` : undefined };
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
      return { done: pct >= 100, progress: `${pct}%` };
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
