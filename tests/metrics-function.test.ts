/**
 * The monitoring job's way to the private database: `mlops-monitor` on the hosted runner hands
 * `store` and `freshness` to the metrics function in the VPC (monitor/remote.ts and
 * function/handler.ts). In-process on each engine, then end to end under plain node on a real server:
 * the committed mlops-monitor bundle, `aws lambda invoke`, the committed function bundle.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { migrate, readMigrations } from "../infra/database/migrate";
import { runMetricsRequest } from "../monitor/function/handler";
import { METRICS_FUNCTION_BUNDLE } from "../infra/monitoring/metrics-function";
import { MetricsRequest, RemoteContext, runRemote } from "../monitor/remote";
import { BUNDLE_DIR } from "../workflows/platform-tools";
import { ENGINES, TestDatabase } from "./database-engines";
import { SAMPLE_METRICS } from "./fixtures/metrics";

interface Run {
  readonly code: number;
  readonly lines: string[];
  readonly outputs: Record<string, string>;
  readonly requests: MetricsRequest[];
}

async function remote(argv: string[], files: Record<string, string>, invoke: (request: MetricsRequest) => Promise<unknown>): Promise<Run> {
  const lines: string[] = [];
  const outputs: Record<string, string> = {};
  const requests: MetricsRequest[] = [];
  const context: RemoteContext = {
    readFile: (file) => {
      if (!(file in files)) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
      return files[file] as string;
    },
    invoke: async (request) => {
      requests.push(request);
      return invoke(request);
    },
    print: (line) => lines.push(line),
    setOutputs: (values) => Object.assign(outputs, values),
  };
  const code = await runRemote(argv, context);
  return { code, lines, outputs, requests };
}

describe.each(ENGINES)("the metrics function on $name", (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
    await migrate(db.sql, readMigrations());
  }, 60_000);
  afterAll(async () => db?.dispose());

  // The request crosses the wire as JSON, both ways, as Lambda carries it.
  const invoke = (now: string) => async (request: MetricsRequest) =>
    JSON.parse(
      JSON.stringify(
        await runMetricsRequest(JSON.parse(JSON.stringify(request)), {
          databaseUrl: async () => "postgresql://writer@metrics/metrics",
          connect: async () => ({ ...db.sql, close: async () => undefined }),
          now: () => new Date(now),
        }),
      ),
    );

  it("stores the window the job computed and sets the job's outputs", async () => {
    const run = await remote(["store", "--file", "report/metrics.json", "--threshold", "0.2"], { "report/metrics.json": JSON.stringify(SAMPLE_METRICS) }, invoke("2026-11-29T07:00:00Z"));
    expect(run.requests).toEqual([{ argv: ["store", "--file", "report/metrics.json", "--threshold", "0.2"], files: { "report/metrics.json": JSON.stringify(SAMPLE_METRICS) } }]);
    expect(run).toMatchObject({
      code: 0,
      lines: ["Stored the 2026-11-29T06:00:00.000Z window of nyc-taxi-trip-duration 3.", "::warning title=Drift detected::drift score 0.31 exceeds the threshold 0.2"],
      outputs: { stored: "inserted", drift_score: "0.31", drift_detected: "true" },
    });
  });

  it("reports freshness from the stored windows", async () => {
    const run = await remote(["freshness", "--model", "nyc-taxi-trip-duration"], {}, invoke("2026-11-29T16:00:00Z"));
    expect(run).toMatchObject({ code: 0, outputs: { stale: "true", newest_age_hours: "10" } });
  });

  it("refuses a malformed metrics file in the function, writing nothing (exit 2)", async () => {
    const run = await remote(["store", "--file=m.json", "--threshold", "0.5"], { "m.json": "{" }, invoke("2026-11-29T07:00:00Z"));
    expect(run.code).toBe(2);
    expect(run.lines.at(-1)).toBe("Nothing was written: fix the drift calculation's output and run again.");
  });
});

describe("mlops-monitor through the function: what never reaches it, and what comes back broken", () => {
  const never = async () => {
    throw new Error("must not be invoked");
  };

  it("keeps migrations to pulumi up (exit 2, nothing invoked)", async () => {
    expect(await remote(["migrate"], {}, never)).toEqual({
      code: 2,
      lines: ['::error::"migrate" does not run through the metrics function: only store, freshness, record-run and record-incident do (migrations run with pulumi up).'],
      outputs: {},
      requests: [],
    });
  });

  it("names a metrics file it cannot read (exit 2, nothing invoked)", async () => {
    const run = await remote(["store", "--file", "missing.json", "--threshold", "0.5"], {}, never);
    expect(run).toMatchObject({ code: 2, requests: [] });
    expect(run.lines).toEqual(["::error file=missing.json::cannot read missing.json: ENOENT: no such file or directory, open 'missing.json'. Nothing was written."]);
  });

  it("fails with one line when the call fails or the answer is not the function's (exit 1, no outputs)", async () => {
    const failed = await remote(["freshness", "--model", "m"], {}, async () => {
      throw new Error("aws lambda invoke mlops-cicd-production-metrics: An error occurred (AccessDeniedException)");
    });
    expect(failed).toMatchObject({ code: 1, outputs: {} });
    expect(failed.lines).toEqual(["::error::The metrics function failed: aws lambda invoke mlops-cicd-production-metrics: An error occurred (AccessDeniedException)"]);
    const garbled = await remote(["freshness", "--model", "m"], {}, async () => ({ exitCode: "0", lines: [] }));
    expect(garbled).toMatchObject({ code: 1, outputs: {} });
    expect(garbled.lines[0]).toMatch(/^::error::The metrics function failed: the metrics function answered something other than \{exitCode, lines, outputs\}/);
  });

  it("in the function: refuses any other request shape with a usage error, never a crash", async () => {
    const context = { databaseUrl: async () => "postgresql://x", connect: never, now: () => new Date() };
    // A --file the request does not carry: the function reads no file system.
    for (const file of ["../../etc/passwd", "constructor"]) {
      expect(await runMetricsRequest({ argv: ["store", `--file=${file}`, "--threshold", "1"], files: {} }, context)).toEqual({
        exitCode: 2,
        lines: [`::error file=${file}::was not sent with the request: mlops-monitor sends the file named by --file`, "Nothing was written: fix the drift calculation's output and run again."],
        outputs: {},
      });
    }
    for (const event of [null, {}, { argv: "store" }, { argv: ["migrate"] }, { argv: [1] }]) {
      const answer = await runMetricsRequest(event, context);
      expect(answer).toMatchObject({ exitCode: 2, outputs: {} });
      expect(answer.lines[0]).toMatch(/^::error::The metrics function runs store, freshness, record-run or record-incident, got /);
    }
  });
});

const WRITER_VERSION = "2b0f6a3c-8d7e-4f21-9c55-0e1d2a3b4c5d";

describe("the function's credentials (monitor/function/handler.ts, against a fake Secrets Manager)", () => {
  const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-cicd-production/db-writer";
  const saved = { ...process.env };
  let requests: Record<string, unknown>[];
  beforeEach(() => {
    requests = [];
    jest.resetModules();
    jest.doMock("@aws-sdk/client-secrets-manager", () => ({
      GetSecretValueCommand: class {
        constructor(readonly input: Record<string, unknown>) {}
      },
      SecretsManagerClient: class {
        async send(command: { input: Record<string, unknown> }) {
          requests.push(command.input);
          // Nothing listens on port 1: the connection is refused at once, after the secret is read.
          return { SecretString: JSON.stringify({ uri: `postgresql://writer@127.0.0.1:1/${command.input.VersionId ?? "AWSCURRENT"}` }) };
        }
      },
    }));
  });
  afterEach(() => {
    process.env = { ...saved };
    jest.dontMock("@aws-sdk/client-secrets-manager");
  });
  const freshness = async () => {
    const { handler } = (await import("../monitor/function/handler")) as typeof import("../monitor/function/handler");
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      return await handler({ argv: ["freshness", "--model", "m"] });
    } finally {
      log.mockRestore();
    }
  };

  it("reads the version of the writer's secret it was given, not AWSCURRENT, which a rotation moves before the server has the password", async () => {
    process.env.WRITER_SECRET_ARN = ARN;
    process.env.WRITER_SECRET_VERSION_ID = WRITER_VERSION;
    const answer = await freshness();
    expect(requests).toEqual([{ SecretId: ARN, VersionId: WRITER_VERSION }]);
    expect(answer.exitCode).toBe(1);
    expect(answer.lines[0]).toMatch(/^::error::Cannot connect to the metrics database: /);
  });

  it("reads AWSCURRENT only when it was given no version (a function deployed before it was)", async () => {
    process.env.WRITER_SECRET_ARN = ARN;
    delete process.env.WRITER_SECRET_VERSION_ID;
    await freshness();
    expect(requests).toEqual([{ SecretId: ARN }]);
  });
});

const serverUrl = process.env.DATABASE_URL;
(serverUrl ? it : it.skip)("end to end under plain node: the committed bundles, aws lambda invoke, the private database", async () => {
  const engine = ENGINES.find((candidate) => candidate.name.startsWith("PostgreSQL server")) as (typeof ENGINES)[number];
  const db = await engine.open();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "metrics-function-"));
  try {
    await migrate(db.sql, readMigrations());
    const url = new URL(serverUrl as string);
    url.pathname = `/${db.database}`;
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "aws"), `#!/bin/bash\nexec node ${JSON.stringify(path.join(__dirname, "fakes", "fake-lambda-aws.js"))} "$@"\n`, { mode: 0o755 });
    const env = {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      GITHUB_OUTPUT: path.join(work, "out"),
      METRICS_FUNCTION: "mlops-cicd-production-metrics",
      // What the fake Lambda needs: the bundle, its name, the SDK stand-in and the writer's secret.
      FAKE_LAMBDA_NAME: "mlops-cicd-production-metrics",
      FAKE_LAMBDA_BUNDLE: METRICS_FUNCTION_BUNDLE,
      NODE_PATH: path.join(__dirname, "fakes", "lambda-sdk"),
      WRITER_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-cicd-production/db-writer",
      // Mid-rotation: AWSCURRENT already holds a password the server does not know yet; the version
      // the function was given (written before, working) holds the one it does.
      WRITER_SECRET_VERSION_ID: WRITER_VERSION,
      FAKE_SECRET_VERSIONS: JSON.stringify({ [WRITER_VERSION]: JSON.stringify({ uri: url.toString() }) }),
      FAKE_SECRET_JSON: JSON.stringify({ uri: "postgresql://nobody@127.0.0.1:1/not-yet" }),
    };
    const bundle = path.join(BUNDLE_DIR, "mlops-monitor.cjs");
    const exec = (extra: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd: work, env: { ...env, ...extra }, encoding: "utf8" });
    fs.writeFileSync(path.join(work, "metrics.json"), JSON.stringify(SAMPLE_METRICS));

    const stored = exec({}, "store", "--file", "metrics.json", "--threshold", "0.5");
    expect({ status: stored.status, stdout: stored.stdout }).toEqual({ status: 0, stdout: "Stored the 2026-11-29T06:00:00.000Z window of nyc-taxi-trip-duration 3.\n" });
    expect(fs.readFileSync(path.join(work, "out"), "utf8")).toBe("stored=inserted\ndrift_score=0.31\ndrift_detected=false\n");
    expect(await db.sql.query("SELECT model_version FROM ml_metrics")).toEqual([{ model_version: "3" }]);

    const wrongName = exec({ METRICS_FUNCTION: "mlops-cicd-staging-metrics" }, "freshness", "--model", "nyc-taxi-trip-duration");
    expect({ status: wrongName.status, stdout: wrongName.stdout }).toEqual({
      status: 1,
      stdout:
        "::error::The metrics function failed: aws lambda invoke mlops-cicd-staging-metrics: An error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: mlops-cicd-staging-metrics\n",
    });
    const unreachable = exec(
      { FAKE_SECRET_VERSIONS: JSON.stringify({ [WRITER_VERSION]: JSON.stringify({ uri: "postgresql://nobody@127.0.0.1:1/none" }) }) },
      "freshness",
      "--model",
      "nyc-taxi-trip-duration",
    );
    expect(unreachable.status).toBe(1);
    expect(unreachable.stdout).toMatch(/^::error::Cannot connect to the metrics database: /);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await db.dispose();
  }
}, 60_000);
