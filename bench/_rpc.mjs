import { MilvusClient } from '@zilliz/milvus2-sdk-node';
const stats = new Map();
const t0 = performance.now();
const names = new Set();
for (let p = MilvusClient.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) for (const n of Object.getOwnPropertyNames(p)) names.add(n);
for (const n of names) {
  if (n === 'constructor' || n.startsWith('_')) continue;
  const d = Object.getOwnPropertyDescriptor(MilvusClient.prototype, n) ?? (() => { for (let p = MilvusClient.prototype; p; p = Object.getPrototypeOf(p)) { const x = Object.getOwnPropertyDescriptor(p, n); if (x) return x; } })();
  if (!d || typeof d.value !== 'function') continue;
  const orig = d.value;
  MilvusClient.prototype[n] = function (...a) {
    const s = performance.now(); const r = orig.apply(this, a);
    if (r && typeof r.then === 'function') r.then(() => { const e = performance.now(); const st = stats.get(n) ?? { n: 0, ms: 0, first: s - t0 }; st.n++; st.ms += e - s; stats.set(n, st); }, () => {});
    return r;
  };
}
process.on('exit', () => { for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) process.stderr.write(`RPC ${k} n=${v.n} total=${v.ms.toFixed(0)}ms first@${v.first.toFixed(0)}\n`); process.stderr.write(`RPC wall ${(performance.now() - t0).toFixed(0)}\n`); });
