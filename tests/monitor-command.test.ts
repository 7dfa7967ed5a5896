/**
 * `mlops-monitor`, the command monitor-model.yml and ci-cd.yml run: in-process on each engine, then
 * as the committed bundle, run by node against the server as the workflow runs it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readMigrations } from "../infra/database/migrate";
import { grantStatements, roleNames } from "../infra/database/roles";
import type { Sql } from "../infra/database/sql";
import { CommandContext, runMonitorCommand } from "../monitor/command";
import { bundlePlatformTools } from "../tools/platform-bundle";
import { BUNDLE_DIR } from "../workflows/platform-tools";
import { ENGINES, TestDatabase } from "./database-engines";
import { SAMPLE_METRICS } from "./fixtures/metrics";

const SAMPLE = SAMPLE_METRICS;

interface Run {
  readonly code: number;
  readonly lines: string[];
  readonly outputs: Record<string, string>;
}

describe.each(ENGINES)("mlops-monitor on $name", (engine) => {
  let db: TestDatabase;
  let files: Record<string, string>;
  let writer: string;

  beforeAll(async () => {
    db = await engine.open();
    writer = roleNames(db.rolePrefix).writer;
    await db.sql.exec(`CREATE ROLE "${writer}"`);
  }, 60_000);
  afterAll(async () => db?.dispose());
  beforeEach(() => {
    files = {};
  });

  /** Runs the command with the test database standing in for METRICS_DATABASE_URL, as the writer once migrated. */
  async function run(argv: string[], options: { now?: string; url?: string; asWriter?: boolean } = {}): Promise<Run> {
    const lines: string[] = [];
    const outputs: Record<string, string> = {};
    let connected: Sql | undefined;
    const context: CommandContext = {
      env: { METRICS_DATABASE_URL: options.url ?? "postgresql://test" },
      connect: async () => {
        if (options.asWriter) await db.sql.exec(`SET ROLE "${writer}"`);
        // The test keeps the connection: the command's close() only resets the role.
        connected = { ...db.sql, close: async () => db.sql.exec("RESET ROLE") };
        return connected;
      },
      readFile: (file) => {
        if (!(file in files)) throw Object.assign(new Error(`ENOENT: no such file '${file}'`), { code: "ENOENT" });
        return files[file] as string;
      },
      now: () => new Date(options.now ?? "2026-11-29T07:00:00Z"),
      migrations: () => readMigrations(),
      print: (line) => lines.push(line),
      setOutputs: (values) => Object.assign(outputs, values),
    };
    const code = await runMonitorCommand(argv, context);
    return { code, lines, outputs };
  }

  async function rowCount(): Promise<number> {
    const [row] = await db.sql.query<{ n: string | number }>("SELECT count(*) AS n FROM ml_metrics");
    return Number(row?.n);
  }

  it("migrates, then grants the writer its privileges", async () => {
    const shipped = readMigrations().map((entry) => `${entry.version}_${entry.name}`);
    const result = await run(["migrate"]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.lines).toEqual([
      ...shipped.map((name) => `applied ${name}`),
      `${shipped.length} migrations applied, 0 already applied.`,
    ]);
    for (const statement of grantStatements(db.database, roleNames(db.rolePrefix)).filter((s) => s.includes(writer))) await db.sql.exec(statement);
    expect((await run(["migrate"])).lines).toEqual([`0 migrations applied, ${shipped.length} already applied.`]);
  });

  it("reports freshness before the first window: no metrics is stale", async () => {
    const result = await run(["freshness", "--model", SAMPLE.model_name], { asWriter: true });
    expect(result).toEqual({
      code: 0,
      lines: ["::warning title=No metrics::no metrics stored for nyc-taxi-trip-duration yet"],
      outputs: { stale: "true", newest_age_hours: "" },
    });
  });

  it("stores a window and reports drift against the threshold", async () => {
    files["metrics.json"] = JSON.stringify(SAMPLE);
    const result = await run(["store", "--file", "metrics.json", "--threshold", "0.3"], { asWriter: true });
    expect(result).toEqual({
      code: 0,
      lines: [
        "Stored the 2026-11-29T06:00:00.000Z window of nyc-taxi-trip-duration 3.",
        "::warning title=Drift detected::drift score 0.31 exceeds the threshold 0.3",
      ],
      outputs: { stored: "inserted", drift_score: "0.31", drift_detected: "true" },
    });
  });

  it("updates the window on a re-run instead of counting it twice", async () => {
    files["metrics.json"] = JSON.stringify({ ...SAMPLE, drift_score: 0.2 });
    const before = await rowCount();
    const result = await run(["store", "--file", "metrics.json", "--threshold", "0.3"], { asWriter: true });
    expect(result.outputs).toEqual({ stored: "updated", drift_score: "0.2", drift_detected: "false" });
    expect(await rowCount()).toBe(before);
  });

  it("reports fresh metrics, then stale ones once the schedule's limit has passed", async () => {
    expect((await run(["freshness", "--model", SAMPLE.model_name], { asWriter: true, now: "2026-11-29T12:00:00Z" })).outputs).toEqual({
      stale: "false",
      newest_age_hours: "6",
    });
    const late = await run(["freshness", "--model", SAMPLE.model_name, "--max-age-hours", "7"], { asWriter: true, now: "2026-11-29T14:00:00Z" });
    expect(late.outputs).toEqual({ stale: "true", newest_age_hours: "8" });
    expect(late.lines).toEqual(["::warning title=Metrics are stale::the newest window of nyc-taxi-trip-duration is 8 hours old (limit 7)"]);
  });

  it("leaves the table unchanged for a malformed file, naming every problem", async () => {
    const before = await rowCount();
    files["metrics.json"] = JSON.stringify({ ...SAMPLE, drift_score: "high", dataset_drift: undefined });
    const result = await run(["store", "--file", "metrics.json", "--threshold", "0.3"], { asWriter: true });
    expect(result).toEqual({
      code: 2,
      lines: [
        "::error file=metrics.json::`dataset_drift` must be true or false (missing)",
        '::error file=metrics.json::`drift_score` must be a finite number, 0 or more (got "high")',
        "Nothing was written: fix the drift calculation's output and run again.",
      ],
      outputs: {},
    });
    expect(await rowCount()).toBe(before);
  });

  it("refuses bad arguments and a missing database before touching anything", async () => {
    expect((await run(["store", "--file", "metrics.json", "--threshold=-1"])).lines[0]).toBe('::error::--threshold must be a number, 0 or more, got "-1".');
    expect((await run(["store", "--file", "metrics.json", "--threshold", "-1"])).lines[0]).toMatch(/^::error::Option '--threshold' argument is ambiguous\. [^\n]+$/);
    expect((await run(["drop-everything"])).lines[0]).toBe('::error::Unknown command "drop-everything".');
    // node:util would keep the last silently: which threshold was meant is the caller's to say.
    expect((await run(["store", "--file", "m.json", "--threshold", "0.5", "--threshold=5"])).lines[0]).toBe("::error::--threshold is given 2 times: give it once.");
    files["metrics.json"] = JSON.stringify(SAMPLE);
    expect(await run(["store", "--file", "metrics.json", "--threshold", "0.5"], { url: "" })).toEqual({
      code: 2,
      lines: ["::error::METRICS_DATABASE_URL is not set: the job has no database to use."],
      outputs: {},
    });
  });
});

describe("the mlops-monitor bundle", () => {
  it("is current (npm run gen:workflows)", () => {
    for (const [name, content] of bundlePlatformTools()) {
      const committed = fs.readFileSync(path.join(BUNDLE_DIR, name), "utf8");
      expect({ name, current: committed === content }).toEqual({ name, current: true });
    }
  });

  const serverUrl = process.env.DATABASE_URL;
  (serverUrl ? it : it.skip)("runs under plain node against the server, as the workflow runs it", async () => {
    const engine = ENGINES.find((candidate) => candidate.name.startsWith("PostgreSQL server")) as (typeof ENGINES)[number];
    const db = await engine.open();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
    try {
      const url = new URL(serverUrl as string);
      url.pathname = `/${db.database}`;
      const env = { PATH: process.env.PATH ?? "", METRICS_DATABASE_URL: url.toString(), GITHUB_OUTPUT: path.join(work, "out") };
      const bundle = path.join(BUNDLE_DIR, "mlops-monitor.cjs");
      const exec = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd: work, env, encoding: "utf8" });
      fs.writeFileSync(path.join(work, "metrics.json"), JSON.stringify(SAMPLE));
      expect(exec("migrate").status).toBe(0);
      const stored = exec("store", "--file", "metrics.json", "--threshold", "0.5");
      expect(stored.stdout).toBe("Stored the 2026-11-29T06:00:00.000Z window of nyc-taxi-trip-duration 3.\n");
      expect(fs.readFileSync(path.join(work, "out"), "utf8")).toBe("stored=inserted\ndrift_score=0.31\ndrift_detected=false\n");
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
      await db.dispose();
    }
  });
});
