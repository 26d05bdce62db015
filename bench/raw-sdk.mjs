// P1 baseline: what a plain Node script pays to make the same calls as `milvus-migrate up`:
// start, load the SDK, connect, then one createPartition per migration, each answer checked.
import { MilvusClient } from '@zilliz/milvus2-sdk-node';

const { MILVUS_ADDRESS: address, MILVUS_TOKEN: token, BENCH_COLLECTION: collection, BENCH_COUNT } = process.env;
const client = new MilvusClient({ address, token, logLevel: 'error' });
await client.connectPromise;
for (let i = 0; i < Number(BENCH_COUNT); i++) {
  const res = await client.createPartition({ collection_name: collection, partition_name: `p${i}` });
  if (res.error_code !== 'Success') throw new Error(`createPartition p${i}: ${res.reason}`);
}
await client.closeConnection();
process.exit(0);
