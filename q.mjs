import { MilvusClient } from '@zilliz/milvus2-sdk-node';
const c = new MilvusClient({ address: '127.0.0.1:19530', token: 'root:Milvus', logLevel: 'error' });
console.log((await c.listDatabases()).db_names.filter(n=>n.startsWith('mm_verify')));
await c.closeConnection();
