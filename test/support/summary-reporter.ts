/**
 * Prints one closing line `N passed, N failed, N skipped` after vitest's own summary, the plain
 * form CI tooling reads to know how many tests ran. Above it, the skipped tests by name with the
 * reason `ctx.skip(reason)` gave: a test that needs what this server lacks (authorization, a newer
 * Milvus) says so in its name or its reason, so the report shows what did not run here.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** More skips than this are not a server's missing features but a filter (`-t`, `.only`): counted, not listed. */
const MAX_LISTED = 40;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped: { module: TestModule; test: TestCase }[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped.push({ module: mod, test });
      }
      // A file that failed outside its tests (in a hook, or while loading) must count as a
      // failure even when none of its tests did.
      if (mod.state() === 'failed' && ![...mod.children.allTests()].some((t) => t.result().state === 'failed')) failed++;
    }
    if (skipped.length > 0 && skipped.length <= MAX_LISTED) {
      process.stdout.write(`\nSkipped (${skipped.length}):\n`);
      for (const { module, test } of skipped) process.stdout.write(`  ${skippedLine(module, test)}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped.length} skipped\n`);
  }
}

/** `test/integration/a.test.ts > describe > test name: reason`. */
function skippedLine(module: TestModule, test: TestCase): string {
  const result = test.result();
  const note = result.state === 'skipped' && result.note ? `: ${result.note}` : '';
  const todo = test.options.mode === 'todo' ? ' (todo)' : '';
  return `${module.relativeModuleId} > ${test.fullName}${todo}${note}`;
}
