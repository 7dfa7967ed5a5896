/**
 * `mlops-monitor` under bad input and faults: files it cannot read and URLs that are not URLs are
 * the job's mistakes (exit 2, nothing connected); a connection the server kills is tried once more
 * for the idempotent commands, then reported in one `::error::` line (exit 1), never as a crash.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { migrate, readMigrations } from "../infra/database/migrate";
import { readInputFile } from "../infra/input-file";
import { Sql, connectPostgres } from "../infra/database/sql";
import { CommandContext, runMonitorCommand } from "../monitor/command";
import { ENGINES } from "./database-engines";
import { SAMPLE_METRICS } from "./fixtures/metrics";

async function run(argv: string[], overrides: Partial<CommandContext> = {}) {
  const lines: string[] = [];
  const outputs: Record<string, string> = {};
  let connected = 0;
  const code = await runMonitorCommand(argv, {
    env: { METRICS_DATABASE_URL: "postgresql://writer@db/metrics" },
    connect: async () => {
      connected++;
      throw new Error("must not connect");
    },
    readFile: (file) => fs.readFileSync(file, "utf8"),
    now: () => new Date("2026-11-29T07:00:00Z"),
    migrations: () => readMigrations(),
    print: (line) => lines.push(line),
    setOutputs: (values) => Object.assign(outputs, values),
    ...overrides,
  });
  return { code, lines, outputs, connected };
}

it("prints its usage on --help and exits 0, connecting to nothing", async () => {
  const result = await run(["store", "--help"]);
  expect(result).toMatchObject({ code: 0, connected: 0 });
  expect(result.lines[0]).toMatch(/^usage: mlops-monitor store --file <metrics\.json> --threshold <number>\n/);
});

describe("the job's mistakes: exit 2, nothing connected", () => {
  it.each([
    [["store", "--treshold", "0.3", "--file", "m.json"], "::error::Unknown option '--treshold'. Did you mean --threshold?"],
    [["stor", "--file", "m.json"], '::error::Unknown command "stor". Did you mean store?'],
    [["freshness", "--model", "taxi\u0007\u202e"], '::error::--model must be a model name of at most 200 characters, valid UTF-8 without control characters, got "taxi\\u0007\u202e".'],
  ])("%j", async (argv, message) => {
    const result = await run(argv);
    expect(result).toMatchObject({ code: 2, connected: 0 });
    expect(result.lines[0]).toBe(message);
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-faults-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["a metrics file that is not there", path.join(dir, "missing.json"), /^::error file=.*missing\.json::cannot be read: ENOENT: no such file or directory/],
    ["a directory for the metrics file", dir, /^::error file=.*::cannot be read: EISDIR: illegal operation on a directory/],
  ])("%s", async (_, file, message) => {
    const result = await run(["store", "--file", file, "--threshold", "0.5"]);
    expect(result).toMatchObject({ code: 2, connected: 0, outputs: {} });
    expect(result.lines[0]).toMatch(message);
    expect(result.lines.at(-1)).toBe("Nothing was written: fix the drift calculation's output and run again.");
  });

  it("a device for the metrics file, read as the bundle reads it", async () => {
    const result = await run(["store", "--file", "/dev/zero", "--threshold", "0.5"], { readFile: (file) => readInputFile(file, 1024 * 1024) });
    expect(result).toMatchObject({ code: 2, connected: 0 });
    expect(result.lines[0]).toBe("::error file=/dev/zero::cannot be read: /dev/zero: not a regular file (a device, a pipe or a socket)");
  });

  it.each(["not a url", "mysql://writer@db/metrics", "postgresql://"])("METRICS_DATABASE_URL=%s", async (url) => {
    const result = await run(["freshness", "--model", "m"], { env: { METRICS_DATABASE_URL: url } });
    expect(result).toEqual({
      code: 2,
      connected: 0,
      outputs: {},
      lines: ["::error::METRICS_DATABASE_URL is not a postgresql://<role>@<host>:<port>/<database> URL."],
    });
  });
});

const server = ENGINES.find((engine) => engine.name.startsWith("PostgreSQL server"));
(server ? describe : describe.skip)("a connection the server kills, on the real server", () => {
  let admin: Sql;
  let url: string;
  let dispose: () => Promise<void>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-kill-"));
  const file = path.join(dir, "metrics.json");

  beforeAll(async () => {
    const db = await (server as NonNullable<typeof server>).open();
    await migrate(db.sql, readMigrations());
    dispose = db.dispose;
    const target = new URL(process.env.DATABASE_URL as string);
    target.pathname = `/${db.database}`;
    url = target.toString();
    admin = await connectPostgres(process.env.DATABASE_URL as string);
    fs.writeFileSync(file, JSON.stringify(SAMPLE_METRICS));
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await dispose?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Connects as the job does, then has the server terminate the first `kills` sessions. */
  const killing = (kills: number) => {
    let connections = 0;
    return async (target: string) => {
      const sql = await connectPostgres(target);
      if (connections++ < kills) {
        const [own] = await sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await admin.query("SELECT pg_terminate_backend($1)", [own?.pid]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return sql;
    };
  };

  it("store: tries once more and stores the window", async () => {
    const result = await run(["store", "--file", file, "--threshold", "0.5"], { env: { METRICS_DATABASE_URL: url }, connect: killing(1) });
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      "The connection to the metrics database was lost (the connection to the database was lost: terminating connection due to administrator command); trying once more.",
      "Stored the 2026-11-29T06:00:00.000Z window of nyc-taxi-trip-duration 3.",
    ]);
    expect(result.outputs).toEqual({ stored: "inserted", drift_score: "0.31", drift_detected: "false" });
  });

  it("freshness: gives up after the second loss with one ::error:: line and no outputs (exit 1)", async () => {
    const result = await run(["freshness", "--model", "nyc-taxi-trip-duration"], { env: { METRICS_DATABASE_URL: url }, connect: killing(2) });
    expect(result.code).toBe(1);
    expect(result.outputs).toEqual({});
    expect(result.lines.at(-1)).toBe(
      "::error::Lost the connection to the metrics database: the connection to the database was lost: terminating connection due to administrator command",
    );
  });

  it("store: gives up on a table lock another session holds, saying so (exit 1), instead of waiting forever", async () => {
    const holder = await connectPostgres(url);
    try {
      await holder.exec("BEGIN");
      await holder.exec("LOCK TABLE ml_metrics IN EXCLUSIVE MODE");
      const result = await run(["store", "--file", file, "--threshold", "0.5"], { env: { METRICS_DATABASE_URL: url }, connect: connectPostgres, lockTimeoutSeconds: 1 });
      expect(result.code).toBe(1);
      expect(result.lines.at(-1)).toBe(
        "::error::Gave up after 1 s waiting for a lock on the metrics table that another session holds: canceling statement due to lock timeout",
      );
    } finally {
      await holder.exec("ROLLBACK");
      await holder.close();
    }
  }, 20_000);

  it("migrate: not retried; reported in one line (exit 1)", async () => {
    const result = await run(["migrate"], { env: { METRICS_DATABASE_URL: url }, connect: killing(1) });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      "::error::Lost the connection to the metrics database: the connection to the database was lost: terminating connection due to administrator command",
    ]);
  });
});
