// Loaded with `node --import`: counts the Milvus SDK calls the process makes, by method, and
// writes them as JSON to BENCH_RPC_FILE when it exits.
import { writeFileSync } from 'node:fs';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';

const counts = {};
const methods = new Set();
for (let p = MilvusClient.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
  for (const name of Object.getOwnPropertyNames(p)) methods.add(name);
}
for (const name of methods) {
  const fn = MilvusClient.prototype[name];
  if (name === 'constructor' || name.startsWith('_') || typeof fn !== 'function') continue;
  MilvusClient.prototype[name] = function (...args) {
    counts[name] = (counts[name] ?? 0) + 1;
    return fn.apply(this, args);
  };
}
process.on('exit', () => writeFileSync(process.env.BENCH_RPC_FILE, JSON.stringify(counts)));
