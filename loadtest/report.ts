/**
 * The load test's report: JSON for tools (the artifact), Markdown for people (the artifact and the
 * run's summary). Both are written from the same object, keys in a fixed order.
 */
import type { Breach, Limits, Measurement } from "./measure";
import { percent } from "./measure";
import type { LoadTestService } from "./requests";

export interface LoadTestReport {
  readonly service: LoadTestService;
  readonly url: string;
  /** Header names only: what routed the requests, not what they carried. */
  readonly headers: readonly string[];
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly measured: Measurement;
  readonly limits: Limits;
  readonly passed: boolean;
  readonly breaches: readonly string[];
}

export function reportJson(report: LoadTestReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const ms = (value: number | null) => (value === null ? "–" : `${value} ms`);
const counts = (byKey: Readonly<Record<string, number>>) =>
  Object.keys(byKey).length === 0
    ? "none"
    : Object.entries(byKey)
        .map(([key, count]) => `${key} × ${count}`)
        .join(", ");

export function reportMarkdown(report: LoadTestReport, breaches: readonly Breach[]): string {
  const { measured, limits } = report;
  const verdict = (broken: boolean) => (broken ? "❌" : "✅");
  const broke = (limit: string) => breaches.some((breach) => breach.limit === limit);
  return [
    `## Load test of ${report.service}: ${report.passed ? "passed" : "failed"}`,
    "",
    `${measured.requests} requests from ${report.concurrency} concurrent clients over ${measured.elapsedSeconds} s to ${report.url}` +
      (report.headers.length > 0 ? ` (with ${report.headers.map((name) => `\`${name}\``).join(", ")})` : "") +
      ".",
    "",
    "| measure | measured | limit | |",
    "| --- | --- | --- | --- |",
    `| p50 latency | ${ms(measured.latencyMs.p50)} | | |`,
    `| p95 latency | ${ms(measured.latencyMs.p95)} | ≤ ${limits.maxP95Ms} ms | ${verdict(broke("--max-p95-ms"))} |`,
    `| p99 latency | ${ms(measured.latencyMs.p99)} | ≤ ${limits.maxP99Ms} ms | ${verdict(broke("--max-p99-ms"))} |`,
    `| error rate | ${percent(measured.errorRate)} | ≤ ${percent(limits.maxErrorRate)} | ${verdict(broke("--max-error-rate"))} |`,
    `| throughput | ${measured.throughput} req/s | ≥ ${limits.minThroughput} req/s | ${verdict(broke("--min-throughput"))} |`,
    "",
    `Answers other than 2xx: ${counts(measured.statusErrors)}. Transport errors: ${counts(measured.transportErrors)}.`,
    ...(breaches.length > 0 ? ["", ...breaches.map((breach) => `- **${breach.limit}**: ${breach.message}`)] : []),
    "",
  ].join("\n");
}
