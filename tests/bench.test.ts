/** The figures `npm run bench` reads back from a test run: assertion counts and the slowest suites. */
import * as path from "node:path";
import { countAssertions, formatTestRun, slowestSuites } from "../tools/bench-tests";

const ROOT = path.resolve(__dirname, "..");

describe("the test half of the benchmark", () => {
  it("sums the assertion log, one test per line", () => {
    expect(countAssertions('3\ttests/a.test.ts\t"one"\n0\ttests/a.test.ts\t"two"\n12\ttests/b.test.ts\t"three"\n')).toBe(15);
    expect(countAssertions("")).toBe(0);
  });

  it("refuses a line it cannot read rather than undercounting", () => {
    expect(() => countAssertions("3\ta\tb\nx\ta\tb\n")).toThrow('Unreadable assertion log line: "x\\ta\\tb"');
  });

  it("ranks suites by wall time, slowest first, ties by name", () => {
    const report = {
      testResults: [
        { name: path.join(ROOT, "tests/fast.test.ts"), startTime: 0, endTime: 500, assertionResults: [{}] },
        { name: path.join(ROOT, "tests/slow.test.ts"), startTime: 100, endTime: 4100, assertionResults: [{}, {}] },
        { name: path.join(ROOT, "tests/b.test.ts"), startTime: 0, endTime: 500, assertionResults: [] },
      ],
    };
    expect(slowestSuites(report, 2)).toEqual([
      { file: "tests/slow.test.ts", seconds: 4, tests: 2 },
      { file: "tests/b.test.ts", seconds: 0.5, tests: 0 },
    ]);
  });

  it("says the target is missed when a test failed, however fast the run", () => {
    const figures = { wallSeconds: 30, checkSeconds: 9, suites: 2, tests: 10, assertions: 40, failed: 1, slowest: [], loadBefore: 0.5, loadAfter: 1.5 };
    expect(formatTestRun(figures)).toContain("| 30.0 s | 9 s | 2 | 10 | 40 | 1 |");
    expect(formatTestRun(figures)).toContain("Target: npm test within 60 s, every test passing: MISSED.");
    expect(formatTestRun({ ...figures, failed: 0 })).toContain("every test passing: met.");
    expect(formatTestRun({ ...figures, failed: 0, wallSeconds: 61 })).toContain("every test passing: MISSED.");
  });
});
