import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // One real Milvus for all integration files (only one Embedded Milvus fits a machine).
          globalSetup: ['test/support/global-milvus.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Files share one server and isolate by unique names; run them one at a time so a
          // 2-core machine is not oversubscribed by several CLI processes per file.
          fileParallelism: false,
        },
      },
    ],
  },
});
