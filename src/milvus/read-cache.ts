import type { Milvus } from './client.js';

/**
 * A view of `milvus` that answers each distinct call once, for read-only phases such as the
 * preflight, where many steps ask the same question: 200 `createPartition` steps on one
 * collection would otherwise each ask whether it exists and whether it uses a partition key.
 * Nothing may change Milvus through it, or later answers would be stale.
 */
export function cachingReads(milvus: Milvus): Milvus {
  const answers = new Map<string, Promise<unknown>>();
  return new Proxy(milvus, {
    get(target, prop) {
      if (prop === 'call') {
        return (method: Parameters<Milvus['call']>[0], req: unknown) => {
          const key = `${method} ${JSON.stringify(req)}`;
          let answer = answers.get(key);
          if (!answer) answers.set(key, (answer = target.call(method, req as never)));
          return answer;
        };
      }
      // Private fields (#version) need the real object as `this`.
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
