/**
 * The shared frame of an integration test file: an SDK client for checking Milvus behind the
 * tool's back, and throwaway projects that are removed after the file.
 */
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll } from 'vitest';
import { sdkClient } from './milvus.js';
import { createProject, type TestProject } from './project.js';

export interface MilvusTest {
  /** Connected in `beforeAll`, closed in `afterAll`. */
  readonly client: MilvusClient;
  /** A new project (see {@link createProject}), cleaned up after the file. */
  project(opts?: { config?: string }): Promise<TestProject>;
}

export function useMilvusTest(): MilvusTest {
  let client: MilvusClient | undefined;
  const projects: TestProject[] = [];
  beforeAll(async () => {
    client = await sdkClient();
  });
  afterAll(async () => {
    await Promise.all(projects.map((p) => p.cleanup()));
    await client?.closeConnection();
  });
  return {
    get client() {
      if (!client) throw new Error('the SDK client is connected in beforeAll');
      return client;
    },
    async project(opts) {
      const p = await createProject(opts);
      projects.push(p);
      return p;
    },
  };
}
