import { importModule } from '../util/dynamic-import.js';

/** The Node SDK's module: `MilvusClient`, `DataType`, ... */
export type MilvusSdk = typeof import('@zilliz/milvus2-sdk-node');

let sdk: Promise<MilvusSdk> | undefined;

/**
 * The SDK, imported on first use. It takes ~0.5 s to load (gRPC, protobufs), so nothing imports it
 * at the top of a module: `import { defineMigration } from 'milvus-migrate'` in a code migration,
 * `--help` and offline `validate` never pay for it; the first connection does.
 */
export function loadSdk(): Promise<MilvusSdk> {
  return (sdk ??= importModule<MilvusSdk>('@zilliz/milvus2-sdk-node'));
}
