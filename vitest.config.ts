import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          // Unit tests first, then integration (projects with other maxWorkers need their own group).
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Type-level tests (`*.test-d.ts`, e.g. the typed `steps` of code migrations), checked by tsc.
          typecheck: { enabled: true, include: ['test/unit/**/*.test-d.ts'] },
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // One real Milvus for all integration files (only one Embedded Milvus fits a machine).
          globalSetup: ['test/support/global-milvus.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Files share one server and isolate by unique names. Two at a time: most of a file's
          // time is spent waiting on Milvus (loads, index builds, Strong reads), so a 2-core
          // machine runs two files in little more than the time of one.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
