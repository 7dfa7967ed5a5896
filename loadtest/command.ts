/**
 * `mlops-load-test`, run by deploy-service.yml against the new revision of a routed service before
 * it takes all production traffic (docs/deploy.md), from the bundle committed to the application
 * repository:
 *
 *   mlops-load-test --url <https://api…> --service <web-service|mlflow-service> [--header "Name: value"]
 *     --concurrency <n> --duration <seconds> --max-p95-ms <ms> --max-p99-ms <ms>
 *     --max-error-rate <0..1> --min-throughput <req/s> --report-dir <dir> [--timeout-ms <ms>]
 *
 * Writes <dir>/load-test.json and <dir>/load-test.md, and the Markdown to $GITHUB_STEP_SUMMARY
 * when set. Exit codes: 0 every limit held (and on --help), 1 a limit was broken (each named, with
 * the measured value) or the report could not be written, 2 bad arguments: nothing was sent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { closestMatch, optionErrorMessage, repeatedOptionProblems } from "../infra/validation";
import { LoadOptions, LoadRun, generateLoad } from "./generate";
import { Limits, breaches, measure } from "./measure";
import { LoadTestReport, reportJson, reportMarkdown } from "./report";
import { LOAD_TEST_SERVICES, LoadTestService, requestMix } from "./requests";

export interface LoadTestContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Lines for the log, GitHub annotations included. */
  readonly print: (line: string) => void;
}

/** How long one request may go unanswered unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

const OPTIONS = {
  url: { type: "string" },
  service: { type: "string" },
  header: { type: "string", multiple: true },
  concurrency: { type: "string" },
  duration: { type: "string" },
  "timeout-ms": { type: "string" },
  "max-p95-ms": { type: "string" },
  "max-p99-ms": { type: "string" },
  "max-error-rate": { type: "string" },
  "min-throughput": { type: "string" },
  "report-dir": { type: "string" },
} as const;

const USAGE = [
  "usage: mlops-load-test --url <https://api…> --service <web-service|mlflow-service> [--header \"Name: value\"]…",
  "         --concurrency <1-1000> --duration <seconds> [--timeout-ms <ms>]",
  "         --max-p95-ms <ms> --max-p99-ms <ms> --max-error-rate <0-1> --min-throughput <requests/s>",
  "         --report-dir <dir>",
  "Sends the service's prediction requests for the duration and fails when a limit is broken.",
].join("\n");

interface Settings {
  readonly url: URL;
  readonly service: LoadTestService;
  readonly headers: Record<string, string>;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly limits: Limits;
  readonly reportDir: string;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Every problem with the arguments, or the settings they make. */
function settingsFrom(values: Record<string, string | string[] | undefined>): { problems: string[]; settings?: Settings } {
  const problems: string[] = [];
  const text = (flag: keyof typeof OPTIONS): string | undefined => {
    const value = values[flag];
    if (value === undefined || value === "") {
      problems.push(`--${flag} is required.`);
      return undefined;
    }
    return String(value);
  };
  /** A decimal number above `above` (or from `from`) up to `max`, as `what` describes it. */
  const decimal = (flag: keyof typeof OPTIONS, range: { readonly above?: number; readonly from?: number; readonly max: number }, what: string): number => {
    const value = text(flag);
    if (value === undefined) return NaN;
    const number = Number(value);
    const low = range.above === undefined ? number >= (range.from ?? 0) : number > range.above;
    if (!DECIMAL.test(value) || !low || number > range.max) problems.push(`--${flag} must be ${what}, got ${JSON.stringify(value)}.`);
    return number;
  };
  const whole = (flag: keyof typeof OPTIONS, min: number, max: number): number => {
    const value = text(flag);
    if (value === undefined) return NaN;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      problems.push(`--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
    }
    return Number(value);
  };

  const rawUrl = text("url");
  let url: URL | undefined;
  if (rawUrl !== undefined) {
    url = URL.canParse(rawUrl) ? new URL(rawUrl) : undefined;
    if (!url || !["http:", "https:"].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
      problems.push(`--url must be an http(s) URL without credentials, query or fragment, such as https://api.example.com, got ${JSON.stringify(rawUrl)}.`);
    }
  }
  const service = text("service");
  if (service !== undefined && !(LOAD_TEST_SERVICES as readonly string[]).includes(service)) {
    const meant = closestMatch(service, LOAD_TEST_SERVICES);
    problems.push(
      `--service must be one of ${LOAD_TEST_SERVICES.join(", ")} (the routed services; the batch job takes no requests), got ${JSON.stringify(service)}.` +
        (meant === undefined ? "" : ` Did you mean ${meant}?`),
    );
  }
  // A header's value may be a secret (the test-traffic header's is): no message quotes one.
  const headers: Record<string, string> = {};
  for (const [index, header] of ((values.header as string[] | undefined) ?? []).entries()) {
    const named = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):[ \t]*(.*)$/s.exec(header);
    const [name, value] = [named?.[1] ?? "", named?.[2] ?? ""];
    if (!named) {
      problems.push(`--header must be "Name: value" (a header name, a colon, printable ASCII); --header number ${index + 1} is not (not shown: a header value may be a secret).`);
    } else if (value.trim() === "") {
      problems.push(`--header ${name} has no value: give "${name}: value" (in the workflows the value is the environment's secret: is it set?).`);
    } else if (!/^[\x20-\x7e]*[\x21-\x7e]$/.test(value)) {
      problems.push(`--header ${name} must have a value of printable ASCII without trailing blanks (not shown: it may be a secret).`);
    } else headers[name] = value;
  }
  const concurrency = whole("concurrency", 1, 1000);
  // Fractions of a second serve the tests; a run longer than an hour is not a deployment step.
  const durationSeconds = decimal("duration", { above: 0, max: 3600 }, "a number of seconds, more than 0 and at most 3600");
  const timeoutMs = values["timeout-ms"] === undefined ? DEFAULT_TIMEOUT_MS : whole("timeout-ms", 1, 600_000);
  const limits: Limits = {
    maxP95Ms: decimal("max-p95-ms", { above: 0, max: Number.MAX_SAFE_INTEGER }, "a number of milliseconds, more than 0"),
    maxP99Ms: decimal("max-p99-ms", { above: 0, max: Number.MAX_SAFE_INTEGER }, "a number of milliseconds, more than 0"),
    maxErrorRate: decimal("max-error-rate", { from: 0, max: 1 }, "a share from 0 to 1 (0.01 is 1%)"),
    minThroughput: decimal("min-throughput", { from: 0, max: Number.MAX_SAFE_INTEGER }, "a number of requests per second, 0 or more"),
  };
  const reportDir = text("report-dir");
  if (reportDir !== undefined && fs.existsSync(reportDir) && !fs.statSync(reportDir).isDirectory()) {
    problems.push(`--report-dir ${JSON.stringify(reportDir)} exists and is not a directory.`);
  }
  if (problems.length > 0 || !url || reportDir === undefined) return { problems };
  return { problems, settings: { url, service: service as LoadTestService, headers, concurrency, durationSeconds, timeoutMs, limits, reportDir } };
}

export async function runLoadTestCommand(
  argv: readonly string[],
  context: LoadTestContext,
  /** What sends the requests; tests replace it to prove that bad arguments send nothing. */
  generate: (options: LoadOptions) => Promise<LoadRun> = generateLoad,
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    context.print(USAGE);
    return 0;
  }
  let settings: Settings | undefined;
  try {
    const parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
    // node:util keeps the last of a repeated option silently: two limits for one measure is a mistake to name.
    const repeated = repeatedOptionProblems(
      argv,
      Object.entries(OPTIONS)
        .filter(([, spec]) => !("multiple" in spec))
        .map(([name]) => name),
    );
    const result = settingsFrom(parsed.values);
    for (const problem of [...repeated, ...result.problems]) context.print(`::error::${problem}`);
    settings = repeated.length === 0 ? result.settings : undefined;
  } catch (error) {
    // An annotation is one line; node's argument errors can span several.
    // A stray word is most likely half of an unquoted --header: its value stays unprinted too.
    const message = oneLine(error).replace(/^Unexpected argument '.*'\. /s, "Unexpected argument (not shown: it may be a header's value; quote a --header as one word). ");
    context.print(`::error::${optionErrorMessage(message, Object.keys(OPTIONS))}`);
  }
  if (!settings) {
    context.print(USAGE);
    return 2;
  }

  // The workflow's secret is masked already; a value given any other way is masked here too, so
  // nothing the run prints later (a proxy's or Node's error text) can show it. Outside Actions the
  // command would only print it.
  if (context.env.GITHUB_ACTIONS === "true") for (const value of Object.values(settings.headers)) context.print(`::add-mask::${value}`);
  context.print(
    `Load testing ${settings.service} at ${settings.url.href} with ${settings.concurrency} concurrent clients for ${settings.durationSeconds} s.`,
  );
  const run = await generate({
    baseUrl: settings.url,
    requests: requestMix(settings.service),
    headers: settings.headers,
    concurrency: settings.concurrency,
    durationMs: settings.durationSeconds * 1000,
    timeoutMs: settings.timeoutMs,
  });
  const measured = measure(run.samples, run.elapsedSeconds);
  const broken = breaches(measured, settings.limits);
  const report: LoadTestReport = {
    service: settings.service,
    url: settings.url.href,
    headers: Object.keys(settings.headers),
    concurrency: settings.concurrency,
    durationSeconds: settings.durationSeconds,
    timeoutMs: settings.timeoutMs,
    measured,
    limits: settings.limits,
    passed: broken.length === 0,
    breaches: broken.map((breach) => `${breach.limit}: ${breach.message}`),
  };
  const markdown = reportMarkdown(report, broken);
  try {
    fs.mkdirSync(settings.reportDir, { recursive: true });
    fs.writeFileSync(path.join(settings.reportDir, "load-test.json"), reportJson(report));
    fs.writeFileSync(path.join(settings.reportDir, "load-test.md"), markdown);
    if (context.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(context.env.GITHUB_STEP_SUMMARY, markdown);
  } catch (error) {
    context.print(`::error::Cannot write the load test's report to ${settings.reportDir}: ${oneLine(error)}`);
    return 1;
  }

  const latency = measured.latencyMs;
  context.print(
    `${measured.requests} requests, ${measured.succeeded} succeeded; p50 ${latency.p50 ?? "–"} ms, p95 ${latency.p95 ?? "–"} ms, ` +
      `p99 ${latency.p99 ?? "–"} ms; error rate ${measured.errorRate}; ${measured.throughput} successful requests/s.`,
  );
  for (const breach of broken) context.print(`::error title=Load test failed::${breach.message} (${breach.limit})`);
  if (broken.length > 0) return 1;
  context.print("Every limit held.");
  return 0;
}

function oneLine(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === "string" ? message : String(error)).replace(/\s*\n\s*/g, " ");
}
