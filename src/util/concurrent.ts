/**
 * `fn` over every item, at most `limit` at a time, results in the items' order. A new item starts
 * as soon as one finishes (no batches waiting for their slowest member). The first rejection
 * rejects the whole, and no further item starts after it; those already running finish.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, Math.floor(limit)), items.length) }, worker));
  return results;
}

/**
 * The items of `source`, asking it for the next one as soon as the current one is handed out:
 * the next page is fetched while the caller works on this one. A failure of the fetch ahead
 * surfaces when the caller asks for that item.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      yield r.value;
    }
  } finally {
    // A caller that stops early leaves one fetch in flight: its failure is nobody's.
    next.catch(() => undefined);
  }
}
