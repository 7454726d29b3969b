import type { Reporter, TestModule } from "vitest/node";

/** Ends the run with one plain line, `vitest: N passed, N failed`, that CI logs can be read by. */
export class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) count[test.result().state] += 1;
    }
    const skipped = count.skipped + count.pending;
    console.log(`vitest: ${count.passed} passed, ${count.failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  }
}
