import { ConnectionError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Placeholder with the interface of the Docker helper (a Milvus container through
 * testcontainers), which lands in another branch; this build has no Docker support.
 */
export async function startDockerMilvus(opts?: { image?: string; logger?: Logger }): Promise<{ address: string; stop(): Promise<void> }> {
  void opts;
  throw new ConnectionError('docker', 'Docker support is not in this build');
}
