/**
 * The `npm test` half of `npm run bench`: one full run of the README's test command, timed from
 * outside, with jest's per-suite times and every test's assertion count read back from the run.
 *
 * The figures a regression shows in: wall time against the target, the slowest suites, and the
 * number of tests and of `expect` calls (a suite made faster by asserting less shows as a drop).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
export const TEST_WALL_TARGET_SECONDS = 60;

export interface SuiteTime {
  readonly file: string;
  readonly seconds: number;
  readonly tests: number;
}

export interface TestRunFigures {
  readonly wallSeconds: number;
  /** tsc and eslint, side by side, as tools/test.sh reports them. */
  readonly checkSeconds: number | undefined;
  readonly suites: number;
  readonly tests: number;
  readonly assertions: number;
  readonly failed: number;
  readonly slowest: readonly SuiteTime[];
  readonly loadBefore: number;
  readonly loadAfter: number;
}

interface JestJson {
  numTotalTestSuites: number;
  numTotalTests: number;
  numFailedTests: number;
  numFailedTestSuites: number;
  testResults: { name: string; startTime: number; endTime: number; assertionResults: unknown[] }[];
}

/** Sums the counts tests/assertion-log.js wrote, one line per test: `<count>\t<file>\t<name>`. */
export function countAssertions(log: string): number {
  let total = 0;
  for (const line of log.split("\n")) {
    if (line === "") continue;
    const count = Number(line.slice(0, line.indexOf("\t")));
    if (!Number.isInteger(count) || count < 0) throw new Error(`Unreadable assertion log line: ${JSON.stringify(line)}`);
    total += count;
  }
  return total;
}

/** The `slowest` suites of a jest JSON report, by wall time, slowest first (ties by file name). */
export function slowestSuites(report: Pick<JestJson, "testResults">, slowest: number): SuiteTime[] {
  return report.testResults
    .map((result) => ({
      file: path.relative(ROOT, result.name),
      seconds: (result.endTime - result.startTime) / 1000,
      tests: result.assertionResults.length,
    }))
    .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))
    .slice(0, slowest);
}

/** Runs `npm test` once, as a developer would (the same script, the same caches), and reads its figures. */
export async function measureTestRun(slowest = 8): Promise<TestRunFigures> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tests-"));
  const report = path.join(scratch, "jest.json");
  const assertionLog = path.join(scratch, "assertions.log");
  try {
    const loadBefore = os.loadavg()[0] ?? 0;
    const started = process.hrtime.bigint();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(path.join(ROOT, "tools", "test.sh"), ["--json", `--outputFile=${report}`], {
        cwd: ROOT,
        env: { ...process.env, MLOPS_ASSERTION_LOG: assertionLog },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!fs.existsSync(report)) throw new Error(`npm test stopped before jest reported (tsc or eslint failed?):\n${output.slice(-4000)}`);
    const json = JSON.parse(fs.readFileSync(report, "utf8")) as JestJson;
    const check = /tsc and eslint: clean \((\d+) s\)/.exec(output);
    return {
      wallSeconds,
      checkSeconds: check ? Number(check[1]) : undefined,
      suites: json.numTotalTestSuites,
      tests: json.numTotalTests,
      assertions: countAssertions(fs.existsSync(assertionLog) ? fs.readFileSync(assertionLog, "utf8") : ""),
      failed: json.numFailedTests + json.numFailedTestSuites,
      slowest: slowestSuites(json, slowest),
      loadBefore,
      loadAfter: os.loadavg()[0] ?? 0,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The report's Markdown: a headline, the counts, and the slowest suites. */
export function formatTestRun(figures: TestRunFigures): string {
  const met = figures.failed === 0 && figures.wallSeconds <= TEST_WALL_TARGET_SECONDS;
  const lines = [
    `npm test, one run, ${os.cpus().length} cores, load ${figures.loadBefore.toFixed(2)} before and ${figures.loadAfter.toFixed(2)} after` +
      (process.env.DATABASE_URL ? ", with DATABASE_URL set" : ", PGlite only (DATABASE_URL unset)"),
    "",
    `| wall time | tsc + eslint | suites | tests | assertions | failed |`,
    `| ---: | ---: | ---: | ---: | ---: | ---: |`,
    `| ${figures.wallSeconds.toFixed(1)} s | ${figures.checkSeconds === undefined ? "?" : `${figures.checkSeconds} s`} | ${figures.suites} | ${figures.tests} | ${figures.assertions} | ${figures.failed} |`,
    "",
    "| slowest suites | wall time | tests |",
    "| --- | ---: | ---: |",
    ...figures.slowest.map((suite) => `| ${suite.file} | ${suite.seconds.toFixed(1)} s | ${suite.tests} |`),
    "",
    `Target: npm test within ${TEST_WALL_TARGET_SECONDS} s, every test passing: ${met ? "met" : "MISSED"}.`,
  ];
  return `${lines.join("\n")}\n`;
}
