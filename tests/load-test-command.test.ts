/**
 * `mlops-load-test`, the command deploy-service.yml runs against a routed service's new revision:
 * against a real HTTP server on loopback (node:http), in-process and as the committed bundle under
 * plain node. Durations are fractions of a second: what matters is what is measured and judged.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { runLoadTestCommand } from "../loadtest/command";
import { Sample, breaches, measure, percentile } from "../loadtest/measure";
import { BUNDLE_DIR } from "../workflows/platform-tools";

interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly header: string | undefined;
}

/** A model API on loopback: `answer` decides each response from the request's number (0, 1, …). */
async function startServer(answer: (index: number, response: http.ServerResponse) => void): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const index = received.length;
      received.push({ method: request.method ?? "", path: request.url ?? "", body, header: request.headers["x-mlops-test-traffic"] as string | undefined });
      answer(index, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ok = (_: number, response: http.ServerResponse) => response.writeHead(200, { "Content-Type": "application/json" }).end('{"duration": 17.4}');

/** Stands for the stack's generated test-traffic header value (contracts/canary.ts): a secret. */
const HEADER_VALUE = "q7x2m9k4v8c1n5b3z6w0r2t4y7u9i1o3p5a8s6d4f2g0h1j3k5l7z9x8c6v4b2n0";

/** Limits no healthy loopback server breaks. */
const GENEROUS = ["--max-p95-ms", "1000", "--max-p99-ms", "2000", "--max-error-rate", "0.01", "--min-throughput", "1"];

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "load-test-"));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** `--name value` pairs, later ones replacing earlier ones of the same name (the command refuses an option given twice). */
function merged(...lists: (readonly string[])[]): string[] {
  const values = new Map<string, string>();
  for (const list of lists) for (let i = 0; i < list.length; i += 2) values.set(list[i]!, list[i + 1]!);
  return [...values].flat();
}

async function run(url: string, overrides: readonly string[] = [], service = "web-service", env: Readonly<Record<string, string>> = {}) {
  const lines: string[] = [];
  const summary = path.join(work, "summary.md");
  const args = ["--url", url, "--service", service, "--header", `X-Mlops-Test-Traffic: ${HEADER_VALUE}`, "--concurrency", "4", "--duration", "0.3", ...GENEROUS];
  const code = await runLoadTestCommand([...merged(args, overrides), "--report-dir", path.join(work, "report")], {
    env: { GITHUB_STEP_SUMMARY: summary, ...env },
    print: (line) => lines.push(line),
  });
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
  const json = read(path.join(work, "report", "load-test.json"));
  return {
    code,
    lines,
    errors: lines.filter((line) => line.startsWith("::error")),
    report: json === undefined ? undefined : (JSON.parse(json) as Record<string, any>), // eslint-disable-line @typescript-eslint/no-explicit-any -- the report as a reader parses it
    markdown: read(path.join(work, "report", "load-test.md")),
    summary: read(summary),
  };
}

describe("mlops-load-test against a server that keeps up", () => {
  it("sends the web service's request mix with the test-traffic header, reports, and passes", async () => {
    const server = await startServer(ok);
    try {
      const result = await run(server.url);

      expect(result.errors).toEqual([]);
      expect(result.code).toBe(0);
      expect(result.lines.at(-1)).toBe("Every limit held.");
      // Every request is the prediction endpoint, with a trip, routed by the header.
      expect(server.received.length).toBeGreaterThan(8);
      for (const request of server.received) {
        expect(request).toMatchObject({ method: "POST", path: "/predict", header: HEADER_VALUE });
        expect(JSON.parse(request.body)).toEqual({ PULocationID: expect.any(String), DOLocationID: expect.any(String), trip_distance: expect.any(Number) });
      }
      // The mix: four trips in turn.
      expect(new Set(server.received.map((request) => request.body)).size).toBe(4);

      const report = result.report!;
      expect(report).toMatchObject({
        service: "web-service",
        url: `${server.url}/`,
        headers: ["X-Mlops-Test-Traffic"],
        concurrency: 4,
        durationSeconds: 0.3,
        passed: true,
        breaches: [],
        limits: { maxP95Ms: 1000, maxP99Ms: 2000, maxErrorRate: 0.01, minThroughput: 1 },
      });
      expect(report.measured).toMatchObject({ requests: server.received.length, succeeded: server.received.length, errorRate: 0, statusErrors: {}, transportErrors: {} });
      const { p50, p95, p99, max } = report.measured.latencyMs;
      expect(p50).toBeLessThanOrEqual(p95);
      expect(p95).toBeLessThanOrEqual(p99);
      expect(p99).toBeLessThanOrEqual(max);
      expect(report.measured.throughput).toBeGreaterThan(1);
      expect(report.measured.elapsedSeconds).toBeGreaterThanOrEqual(0.3);
      // The header's value routes; it is not the report's business.
      expect(JSON.stringify(report)).not.toContain(HEADER_VALUE);

      expect(result.markdown).toContain("## Load test of web-service: passed");
      expect(result.markdown).toContain("| error rate | 0% | ≤ 1% | ✅ |");
      expect(result.summary).toBe(result.markdown);
    } finally {
      await server.close();
    }
  });

  it("sends MLflow's scoring requests to /invocations for mlflow-service", async () => {
    const server = await startServer((_, response) => response.writeHead(200).end('{"predictions": [17.4]}'));
    try {
      const result = await run(server.url, ["--concurrency", "1", "--duration", "0.1"], "mlflow-service");
      expect(result.code).toBe(0);
      expect(server.received[0]).toMatchObject({ path: "/invocations" });
      expect(JSON.parse(server.received[0]!.body)).toEqual({ dataframe_records: [{ PULocationID: "10", DOLocationID: "50", trip_distance: 40 }] });
    } finally {
      await server.close();
    }
  });
});

describe("mlops-load-test fails, naming each broken limit and the measured value", () => {
  it("a slow revision: p95 and p99 over their limits", async () => {
    const server = await startServer((index, response) => setTimeout(() => ok(index, response), 40));
    try {
      const result = await run(server.url, ["--max-p95-ms", "20", "--max-p99-ms", "25"]);

      expect(result.code).toBe(1);
      const p95 = result.report!.measured.latencyMs.p95 as number;
      const p99 = result.report!.measured.latencyMs.p99 as number;
      expect(p95).toBeGreaterThanOrEqual(40);
      expect(result.errors).toEqual([
        `::error title=Load test failed::p95 latency ${p95} ms exceeds the limit of 20 ms (--max-p95-ms)`,
        `::error title=Load test failed::p99 latency ${p99} ms exceeds the limit of 25 ms (--max-p99-ms)`,
      ]);
      expect(result.report).toMatchObject({ passed: false, breaches: [`--max-p95-ms: p95 latency ${p95} ms exceeds the limit of 20 ms`, `--max-p99-ms: p99 latency ${p99} ms exceeds the limit of 25 ms`] });
      expect(result.markdown).toContain("## Load test of web-service: failed");
      expect(result.markdown).toContain(`| p95 latency | ${p95} ms | ≤ 20 ms | ❌ |`);
    } finally {
      await server.close();
    }
  });

  it("a revision that answers errors: the error rate over its limit, by status code", async () => {
    const server = await startServer((index, response) => (index % 2 === 0 ? response.writeHead(503).end("overloaded") : ok(index, response)));
    try {
      const result = await run(server.url, ["--max-error-rate", "0.1"]);

      expect(result.code).toBe(1);
      const measured = result.report!.measured;
      expect(measured.statusErrors).toEqual({ "503": measured.requests - measured.succeeded });
      expect(measured.errorRate).toBeCloseTo(0.5, 1);
      expect(result.errors).toEqual([
        `::error title=Load test failed::error rate ${Number((measured.errorRate * 100).toFixed(2))}% (${measured.requests - measured.succeeded} of ${measured.requests} requests) exceeds the limit of 10% (--max-error-rate)`,
      ]);
      expect(result.markdown).toContain(`Answers other than 2xx: 503 × ${measured.requests - measured.succeeded}.`);
    } finally {
      await server.close();
    }
  });

  it("too little throughput", async () => {
    const server = await startServer(ok);
    try {
      const result = await run(server.url, ["--min-throughput", "1000000"]);
      expect(result.code).toBe(1);
      expect(result.errors).toEqual([
        `::error title=Load test failed::throughput ${result.report!.measured.throughput} successful requests/s is below the minimum of 1000000/s (--min-throughput)`,
      ]);
    } finally {
      await server.close();
    }
  });

  it("nothing listening: every request a transport error, no latency to measure", async () => {
    const server = await startServer(ok);
    const { url } = server;
    await server.close();

    const result = await run(url, ["--concurrency", "2", "--duration", "0.1"]);

    expect(result.code).toBe(1);
    const measured = result.report!.measured;
    expect(measured.requests).toBeGreaterThan(0);
    expect(measured).toMatchObject({ succeeded: 0, errorRate: 1, throughput: 0, transportErrors: { ECONNREFUSED: measured.requests } });
    expect(result.errors).toEqual([
      "::error title=Load test failed::p95 latency cannot be measured: no request got an answer (limit 1000 ms) (--max-p95-ms)",
      "::error title=Load test failed::p99 latency cannot be measured: no request got an answer (limit 2000 ms) (--max-p99-ms)",
      `::error title=Load test failed::error rate 100% (${measured.requests} of ${measured.requests} requests) exceeds the limit of 1% (--max-error-rate)`,
      "::error title=Load test failed::throughput 0 successful requests/s is below the minimum of 1/s (--min-throughput)",
    ]);
    expect(result.markdown).toContain(`Transport errors: ECONNREFUSED × ${measured.requests}.`);
  });

  it("a revision that never answers: each request times out", async () => {
    const server = await startServer(() => undefined);
    try {
      const result = await run(server.url, ["--concurrency", "2", "--duration", "0.05", "--timeout-ms", "100"]);
      expect(result.code).toBe(1);
      expect(result.report!.measured).toMatchObject({ requests: 2, succeeded: 0, transportErrors: { timeout: 2 } });
      // The run waits for requests in flight, up to their timeout.
      expect(result.report!.measured.elapsedSeconds).toBeGreaterThanOrEqual(0.1);
    } finally {
      await server.close();
    }
  });
});

describe("mlops-load-test's arguments", () => {
  async function refused(args: readonly string[]) {
    const lines: string[] = [];
    const code = await runLoadTestCommand(args, { env: {}, print: (line) => lines.push(line) }, () => {
      throw new Error("nothing is sent with bad arguments");
    });
    return { code, errors: lines.filter((line) => line.startsWith("::error")), usage: lines.some((line) => line.startsWith("usage: mlops-load-test")) };
  }
  const VALID = ["--url", "https://api.example.com", "--service", "web-service", "--concurrency", "10", "--duration", "60", ...GENEROUS];

  it("prints its usage on --help", async () => {
    const lines: string[] = [];
    expect(await runLoadTestCommand(["--help"], { env: {}, print: (line) => lines.push(line) })).toBe(0);
    expect(lines.join("\n")).toContain("usage: mlops-load-test --url");
  });

  it("names every missing argument, sends nothing, exits 2", async () => {
    expect(await refused([])).toEqual({
      code: 2,
      usage: true,
      errors: ["url", "service", "concurrency", "duration", "max-p95-ms", "max-p99-ms", "max-error-rate", "min-throughput", "report-dir"].map((flag) => `::error::--${flag} is required.`),
    });
  });

  it("names every bad value with the rule it breaks", async () => {
    const result = await refused([
      "--url",
      "ftp://api.example.com",
      "--service",
      "batch",
      "--header",
      "X-Test-Traffic",
      "--concurrency",
      "0",
      "--duration",
      "0",
      "--timeout-ms",
      "1.5",
      // A dash-led value must be attached to its option.
      "--max-p95-ms=-1",
      "--max-p99-ms",
      "2000",
      "--max-error-rate",
      "1.5",
      "--min-throughput",
      "fast",
      "--report-dir",
      path.join(work, "out"),
    ]);
    expect(result).toEqual({
      code: 2,
      usage: true,
      errors: [
        '::error::--url must be an http(s) URL without credentials, query or fragment, such as https://api.example.com, got "ftp://api.example.com".',
        '::error::--service must be one of web-service, mlflow-service (the routed services; the batch job takes no requests), got "batch".',
        '::error::--header must be "Name: value" (a header name, a colon, printable ASCII); --header number 1 is not (not shown: a header value may be a secret).',
        '::error::--concurrency must be a whole number from 1 to 1000, got "0".',
        '::error::--duration must be a number of seconds, more than 0 and at most 3600, got "0".',
        '::error::--timeout-ms must be a whole number from 1 to 600000, got "1.5".',
        '::error::--max-p95-ms must be a number of milliseconds, more than 0, got "-1".',
        '::error::--max-error-rate must be a share from 0 to 1 (0.01 is 1%), got "1.5".',
        '::error::--min-throughput must be a number of requests per second, 0 or more, got "fast".',
      ],
    });
  });

  it("suggests the service and the option that were meant", async () => {
    expect((await refused([...merged(VALID, ["--service", "web-servce"]), "--report-dir", work])).errors).toEqual([
      '::error::--service must be one of web-service, mlflow-service (the routed services; the batch job takes no requests), got "web-servce". Did you mean web-service?',
    ]);
    expect((await refused([...VALID, "--max-error-rat", "0.1", "--report-dir", work])).errors).toEqual([
      "::error::Unknown option '--max-error-rat'. Did you mean --max-error-rate?",
    ]);
  });

  it("refuses an option given twice: which limit was meant?", async () => {
    expect((await refused([...VALID, "--max-p95-ms", "500", "--report-dir", work])).errors).toEqual(["::error::--max-p95-ms is given 2 times: give it once."]);
  });

  it("refuses a report directory that is a file, and URL credentials", async () => {
    const file = path.join(work, "file");
    fs.writeFileSync(file, "");
    expect((await refused([...merged(VALID, ["--url", "https://user:secret@api.example.com"]), "--report-dir", file])).errors).toEqual([
      '::error::--url must be an http(s) URL without credentials, query or fragment, such as https://api.example.com, got "https://user:secret@api.example.com".',
      `::error::--report-dir ${JSON.stringify(file)} exists and is not a directory.`,
    ]);
  });
});

describe("the test-traffic header's secret value", () => {
  const VALID = ["--url", "https://api.example.com", "--service", "web-service", "--concurrency", "10", "--duration", "60", ...GENEROUS];
  async function printed(args: readonly string[]) {
    const lines: string[] = [];
    const code = await runLoadTestCommand(args, { env: {}, print: (line) => lines.push(line) }, () => {
      throw new Error("nothing is sent with bad arguments");
    });
    return { code, lines };
  }

  it("never appears in the log, the report or the summary, even when the test fails", async () => {
    const server = await startServer((index, response) => (index % 2 === 0 ? response.writeHead(500).end() : ok(index, response)));
    try {
      const result = await run(server.url, ["--concurrency", "2", "--duration", "0.1"]);
      expect(result.code).toBe(1);
      expect(server.received[0]?.header).toBe(HEADER_VALUE);
      for (const text of [result.lines.join("\n"), JSON.stringify(result.report), result.markdown, result.summary]) expect(text).not.toContain(HEADER_VALUE);
    } finally {
      await server.close();
    }
  });

  it("is masked first thing in a GitHub run, however it was given", async () => {
    const server = await startServer(ok);
    try {
      const result = await run(server.url, ["--concurrency", "1", "--duration", "0.05"], "web-service", { GITHUB_ACTIONS: "true" });
      expect(result.code).toBe(0);
      // Before anything else is printed; no other line carries it.
      expect(result.lines[0]).toBe(`::add-mask::${HEADER_VALUE}`);
      expect(result.lines.slice(1).join("\n")).not.toContain(HEADER_VALUE);
    } finally {
      await server.close();
    }
  });

  it("is never quoted when the arguments are wrong", async () => {
    const report = ["--report-dir", work];
    const cases: [readonly string[], string][] = [
      // The environment's secret missing: the header has a name and no value.
      [["--header", "X-Mlops-Test-Traffic: "], '::error::--header X-Mlops-Test-Traffic has no value: give "X-Mlops-Test-Traffic: value" (in the workflows the value is the environment\'s secret: is it set?).'],
      [["--header", `X-Mlops-Test-Traffic: ${HEADER_VALUE}\t`], "::error::--header X-Mlops-Test-Traffic must have a value of printable ASCII without trailing blanks (not shown: it may be a secret)."],
      [["--header", `X-Mlops-Test-Traffic ${HEADER_VALUE}`], '::error::--header must be "Name: value" (a header name, a colon, printable ASCII); --header number 1 is not (not shown: a header value may be a secret).'],
      // An unquoted header splits into a name and a stray word: the value.
      [["--header", "X-Mlops-Test-Traffic:", HEADER_VALUE], "::error::Unexpected argument (not shown: it may be a header's value; quote a --header as one word). This command does not take positional arguments"],
    ];
    for (const [header, error] of cases) {
      const { code, lines } = await printed([...VALID, ...header, ...report]);
      expect({ header, code, errors: lines.filter((line) => line.startsWith("::error")) }).toEqual({ header, code: 2, errors: [error] });
      expect(lines.join("\n")).not.toContain(HEADER_VALUE);
    }
  });
});

describe("the measurements", () => {
  it("takes nearest-rank percentiles", () => {
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect([percentile(hundred, 50), percentile(hundred, 95), percentile(hundred, 99), percentile(hundred, 100)]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 95)).toBeNull();
  });

  it("counts non-2xx answers and transport errors as errors, latency over every answer", () => {
    const samples: Sample[] = [
      { status: 200, latencyMs: 10 },
      { status: 201, latencyMs: 20 },
      { status: 500, latencyMs: 30 },
      { status: 404, latencyMs: 40 },
      { error: "ECONNRESET" },
    ];
    expect(measure(samples, 2)).toEqual({
      requests: 5,
      succeeded: 2,
      statusErrors: { "404": 1, "500": 1 },
      transportErrors: { ECONNRESET: 1 },
      errorRate: 0.6,
      throughput: 1,
      elapsedSeconds: 2,
      latencyMs: { p50: 20, p95: 40, p99: 40, max: 40 },
    });
  });

  it("holds a limit reached exactly, and calls a run that sent nothing a failure", () => {
    const measured = measure([{ status: 200, latencyMs: 100 }], 1);
    expect(breaches(measured, { maxP95Ms: 100, maxP99Ms: 100, maxErrorRate: 0, minThroughput: 1 })).toEqual([]);
    expect(breaches(measure([], 1), { maxP95Ms: 100, maxP99Ms: 100, maxErrorRate: 0, minThroughput: 0 })).toEqual([
      { limit: "--duration", message: "no request was sent: nothing was measured" },
    ]);
  });
});

describe("the mlops-load-test bundle", () => {
  it("runs under plain node as the workflow runs it, and exits 1 on a breach", async () => {
    const server = await startServer((index, response) => (index % 4 === 0 ? response.writeHead(500).end() : ok(index, response)));
    try {
      const bundle = path.join(BUNDLE_DIR, "mlops-load-test.cjs");
      const args = ["--url", server.url, "--service", "web-service", "--concurrency", "2", "--duration", "0.2", ...GENEROUS, "--report-dir", path.join(work, "report")];
      const failure = await promisify(execFile)(process.execPath, [bundle, ...args], { env: { PATH: process.env.PATH ?? "" } }).then(
        () => undefined,
        (error: { code: number; stdout: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toMatch(/::error title=Load test failed::error rate 2\d(\.\d+)?% \(\d+ of \d+ requests\) exceeds the limit of 1% \(--max-error-rate\)/);
      expect(JSON.parse(fs.readFileSync(path.join(work, "report", "load-test.json"), "utf8"))).toMatchObject({ passed: false });
    } finally {
      await server.close();
    }
  });
});
