/**
 * The delivery records: `mlops-monitor record-run` and `record-incident`, their strict files, the
 * tables of migration 0004 and the writer's and reader's grants on them, on each engine; then the
 * path the workflow takes, through the metrics function, under plain node on a real server.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { migrate, readMigrations } from "../infra/database/migrate";
import { grantStatements, roleNames } from "../infra/database/roles";
import type { Sql } from "../infra/database/sql";
import { METRICS_FUNCTION_BUNDLE } from "../infra/monitoring/metrics-function";
import { CommandContext, runMonitorCommand } from "../monitor/command";
import { DEPLOYMENT_CONCLUSIONS, RUN_CONCLUSIONS, parseIncidentRecord, parseRunRecord } from "../monitor/delivery";
import { recordRun } from "../monitor/delivery-store";
import { runMetricsRequest } from "../monitor/function/handler";
import { runRemote } from "../monitor/remote";
import { BUNDLE_DIR } from "../workflows/platform-tools";
import { ENGINES, TestDatabase } from "./database-engines";
import { SAMPLE_INCIDENT, SAMPLE_RUN } from "./fixtures/delivery";

const NOW = new Date("2026-11-29T07:00:00Z");

/** The problems named for a file, one a line, or [] when it is accepted. */
function problems(parse: (text: string, source: string, now: Date) => unknown, document: unknown, text?: string): string[] {
  try {
    parse(text ?? JSON.stringify(document), "run.json", NOW);
  } catch (error) {
    return (error as Error).message.split("\n").slice(1).map((line) => line.replace(/^ {2}• /, ""));
  }
  return [];
}

describe("a run record is checked strictly, naming every problem", () => {
  const run = (changes: Record<string, unknown>) => problems(parseRunRecord, { ...SAMPLE_RUN, ...changes });

  it("accepts the sample, and a run that deployed nowhere", () => {
    expect(run({})).toEqual([]);
    expect(run({ environment: null, deployment_conclusion: null, branch: null, event: "pull_request", conclusion: "failure" })).toEqual([]);
    expect(parseRunRecord(JSON.stringify(SAMPLE_RUN), "run.json", NOW)).toEqual({
      runId: 11223344,
      runAttempt: 1,
      workflow: "Deploy Model Service",
      event: "workflow_dispatch",
      branch: "main",
      commitSha: "0123456789abcdef0123456789abcdef01234567",
      conclusion: "success",
      environment: "production",
      deploymentConclusion: "success",
      startedAt: new Date("2026-11-29T06:00:00Z"),
      completedAt: new Date("2026-11-29T06:14:10Z"),
    });
  });

  it.each([
    ["an attempt 0", { run_attempt: 0 }, ["`run_attempt` must be a whole number from 1 to 2147483647 (got 0)"]],
    ["a run id given as text", { run_id: "11223344" }, ['`run_id` must be a whole number from 1 to 9007199254740991 (got "11223344")']],
    ["a short commit", { commit_sha: "0123456" }, ['`commit_sha` must be a full commit SHA: 40 (or 64) lower-case hex digits (got "0123456")']],
    [
      "a conclusion GitHub does not have",
      { conclusion: "passed" },
      ['`conclusion` must be one of success, failure, cancelled, skipped, neutral, timed_out, action_required, stale, startup_failure (got "passed")'],
    ],
    ["a branch with a line break", { branch: "main\n::stop-commands::x" }, ['`branch` must be a non-empty string of at most 255 characters, valid UTF-8 without control characters, or null (got "main\\n::stop-commands::x")']],
    ["an event that is not an event name", { event: "push; rm -rf" }, ['`event` must be a GitHub event name such as push or workflow_dispatch (got "push; rm -rf")']],
    ["a missing branch (null is how unknown is said)", { branch: undefined }, ["`branch` must be a non-empty string of at most 255 characters, valid UTF-8 without control characters, or null (missing)"]],
    [
      "an environment without its deployment's conclusion",
      { deployment_conclusion: null },
      ["`environment` and `deployment_conclusion` go together: both null when the run deployed nowhere, both set when it did"],
    ],
    ["a deployment that was skipped", { deployment_conclusion: "skipped" }, ['`deployment_conclusion` must be one of success, failure, cancelled, timed_out, or null (got "skipped")']],
    ["an end before the start", { completed_at: "2026-11-29T05:59:00Z" }, ["`completed_at` must not be before `started_at` (2026-11-29T05:59:00Z < 2026-11-29T06:00:00Z)"]],
    ["an end still to come", { completed_at: "2026-11-29T08:00:00Z" }, ['`completed_at` must not be in the future (more than 5 minutes after 2026-11-29T07:00:00.000Z) (got "2026-11-29T08:00:00Z")']],
    ["a start on a day that does not exist", { started_at: "2026-02-30T06:00:00Z" }, ['`started_at` must be a real ISO 8601 instant with its offset, not before 2000, such as 2026-11-29T06:00:00Z (got "2026-02-30T06:00:00Z")']],
    ["a misspelt field", { workflow: undefined, workflw: "CI/CD Pipeline" }, [
      "`workflow` must be a non-empty string of at most 200 characters, valid UTF-8 without control characters (missing)",
      "`workflw` is not a field of a workflow run: did you mean `workflow`?",
    ]],
    ["a field the contract does not have", { display_title: "Deploy" }, [
      "`display_title` is not a field of a workflow run: the fields are run_id, run_attempt, workflow, event, branch, commit_sha, conclusion, environment, deployment_conclusion, started_at, completed_at",
    ]],
  ])("%s", (_, changes, expected) => {
    expect(run(changes)).toEqual(expected);
  });

  it("refuses what is not one JSON object", () => {
    expect(problems(parseRunRecord, undefined, "[]")).toEqual(["must hold one JSON object describing a workflow run"]);
    expect(problems(parseRunRecord, undefined, "{")[0]).toMatch(/^is not JSON: /);
  });
});

describe("an incident record is checked strictly", () => {
  const incident = (changes: Record<string, unknown>) => problems(parseIncidentRecord, { ...SAMPLE_INCIDENT, ...changes });

  it.each([
    ["the sample, open", {}, []],
    ["opened by hand, naming no environment", { environment: null }, []],
    ["closed", { closed_at: "2026-11-29T06:50:00Z", updated_at: "2026-11-29T06:50:00Z" }, []],
    ["closed before it opened", { closed_at: "2026-11-29T06:00:00Z" }, ["`closed_at` must not be before `opened_at` (2026-11-29T06:00:00Z < 2026-11-29T06:20:00Z)"]],
    ["an issue number 0", { issue_number: 0 }, ["`issue_number` must be a whole number from 1 to 2147483647 (got 0)"]],
    ["a missing environment (null is how unknown is said)", { environment: undefined }, [
      "`environment` must be a non-empty string of at most 255 characters, valid UTF-8 without control characters, or null (missing)",
    ]],
    ["a closing time without its offset", { closed_at: "2026-11-29 06:50" }, [
      '`closed_at` must be a real ISO 8601 instant with its offset, not before 2000, such as 2026-11-29T06:00:00Z, or null (got "2026-11-29 06:50")',
    ]],
    ["an update still to come", { updated_at: "2026-12-01T00:00:00Z" }, ['`updated_at` must not be in the future (more than 5 minutes after 2026-11-29T07:00:00.000Z) (got "2026-12-01T00:00:00Z")']],
    ["withdrawn: its label was removed", { withdrawn: true }, []],
    ["a withdrawal said in words", { withdrawn: "yes" }, ['`withdrawn` must be true (the issue lost its incident label) or false (got "yes")']],
    ["a record from before withdrawals were recorded", { withdrawn: undefined }, ["`withdrawn` must be true (the issue lost its incident label) or false (missing)"]],
  ])("%s", (_, changes, expected) => {
    expect(incident(changes)).toEqual(expected);
  });
});

interface Run {
  readonly code: number;
  readonly lines: string[];
  readonly outputs: Record<string, string>;
}

describe.each(ENGINES)("recording on $name", (engine) => {
  let db: TestDatabase;
  let names: ReturnType<typeof roleNames>;

  beforeAll(async () => {
    db = await engine.open();
    names = roleNames(db.rolePrefix);
    await migrate(db.sql, readMigrations());
    for (const key of ["writer", "reader"] as const) await db.sql.exec(`CREATE ROLE "${names[key]}"`);
    for (const statement of grantStatements(db.database, names)) await db.sql.exec(statement);
  }, 60_000);
  afterAll(async () => db?.dispose());

  /** The command as the metrics function runs it: as the writer, the file from the request. */
  async function run(argv: string[], file: unknown, now = NOW): Promise<Run> {
    const lines: string[] = [];
    const outputs: Record<string, string> = {};
    const context: CommandContext = {
      env: { METRICS_DATABASE_URL: "postgresql://writer@metrics/metrics" },
      connect: async () => {
        await db.sql.exec(`SET ROLE "${names.writer}"`);
        const connection: Sql = { ...db.sql, close: async () => db.sql.exec("RESET ROLE") };
        return connection;
      },
      readFile: () => JSON.stringify(file),
      now: () => now,
      migrations: () => [],
      print: (line) => lines.push(line),
      setOutputs: (values) => Object.assign(outputs, values),
    };
    const code = await runMonitorCommand(argv, context);
    return { code, lines, outputs };
  }

  const count = async (table: string) => Number((await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  it("records a run, then updates the same attempt instead of counting it twice", async () => {
    expect(await run(["record-run", "--file", "run.json"], SAMPLE_RUN)).toEqual({
      code: 0,
      lines: ["Recorded attempt 1 of Deploy Model Service run 11223344: success, production deployment: success."],
      outputs: { recorded: "inserted" },
    });
    const again = await run(["record-run", "--file", "run.json"], SAMPLE_RUN);
    expect(again.outputs).toEqual({ recorded: "updated" });
    expect(await count("workflow_runs")).toBe(1);
    const [row] = await db.sql.query<{ duration_seconds: number; updated_at: unknown }>("SELECT duration_seconds, updated_at FROM workflow_runs");
    expect(row?.duration_seconds).toBe(850);
    expect(row?.updated_at).not.toBeNull();
  });

  it("keeps a re-run's attempt beside the first", async () => {
    const rerun = await run(["record-run", "--file", "run.json"], { ...SAMPLE_RUN, run_attempt: 2, environment: null, deployment_conclusion: null, conclusion: "cancelled" });
    expect(rerun.lines).toEqual(["Recorded attempt 2 of Deploy Model Service run 11223344: cancelled, no deployment."]);
    expect(await count("workflow_runs")).toBe(2);
  });

  it("writes nothing for a malformed run record, naming the problem and the fix", async () => {
    expect(await run(["record-run", "--file", "run.json"], { ...SAMPLE_RUN, run_id: 1, conclusion: "green" })).toEqual({
      code: 2,
      lines: [
        "::error file=run.json::`conclusion` must be one of success, failure, cancelled, skipped, neutral, timed_out, action_required, stale, startup_failure (got \"green\")",
        'Nothing was written: fix the run record (docs/monitoring.md, "Delivery metrics") and run again.',
      ],
      outputs: {},
    });
    expect(await count("workflow_runs")).toBe(2);
  });

  it("records an incident open, then closed, and keeps the newer state when an older event arrives late", async () => {
    expect((await run(["record-incident", "--file", "incident.json"], SAMPLE_INCIDENT)).lines).toEqual(["Recorded incident #42: open."]);
    const closed = { ...SAMPLE_INCIDENT, closed_at: "2026-11-29T06:50:00Z", updated_at: "2026-11-29T06:50:00Z" };
    expect(await run(["record-incident", "--file", "incident.json"], closed)).toEqual({ code: 0, lines: ["Updated incident #42: closed after 30 minutes."], outputs: { recorded: "updated" } });
    expect(await run(["record-incident", "--file", "incident.json"], SAMPLE_INCIDENT)).toEqual({
      code: 0,
      lines: ["Incident #42 was recorded from a newer event already; left as it is."],
      outputs: { recorded: "unchanged" },
    });
    const rows = await db.sql.query<{ closed_at: Date | string; environment: string }>("SELECT closed_at, environment FROM incidents WHERE issue_number = 42");
    expect(new Date(rows[0]?.closed_at as string).toISOString()).toBe("2026-11-29T06:50:00.000Z");
    expect(rows[0]?.environment).toBe("production");
  });

  it("marks an incident withdrawn when its label is removed, and an incident again when it is put back", async () => {
    const base = { ...SAMPLE_INCIDENT, issue_number: 43 };
    const withdrawn = async () => (await db.sql.query<{ withdrawn: boolean }>("SELECT withdrawn FROM incidents WHERE issue_number = 43"))[0]?.withdrawn;
    expect((await run(["record-incident", "--file", "incident.json"], base)).lines).toEqual(["Recorded incident #43: open."]);
    // GIVEN the label removed at 06:40, then put back at 06:45
    const unlabelled = { ...base, updated_at: "2026-11-29T06:40:00Z", withdrawn: true };
    expect((await run(["record-incident", "--file", "incident.json"], unlabelled)).lines).toEqual(["Updated incident #43: withdrawn (no longer labelled an incident)."]);
    expect(await withdrawn()).toBe(true);
    expect((await run(["record-incident", "--file", "incident.json"], { ...base, updated_at: "2026-11-29T06:45:00Z" })).lines).toEqual(["Updated incident #43: open."]);
    expect(await withdrawn()).toBe(false);
    // AND the removal delivered late does not withdraw it again
    expect((await run(["record-incident", "--file", "incident.json"], unlabelled)).outputs).toEqual({ recorded: "unchanged" });
    expect(await withdrawn()).toBe(false);
  });

  it("takes every conclusion the record accepts, and refuses what the record refuses", async () => {
    // GIVEN every run conclusion, each once with every deployment conclusion
    const records = RUN_CONCLUSIONS.flatMap((conclusion, i) =>
      DEPLOYMENT_CONCLUSIONS.map((deployment, j) => ({ ...SAMPLE_RUN, run_id: 900_000 + i * 10 + j, conclusion, deployment_conclusion: deployment })),
    );
    // THEN the table stores each as the parser reads it
    for (const record of records) expect(await recordRun(db.sql, parseRunRecord(JSON.stringify(record), "run.json", NOW))).toBe("inserted");
    // AND its own checks hold what the parser holds, for a writer that bypasses it
    await expect(
      db.sql.query(
        "INSERT INTO workflow_runs (run_id, run_attempt, workflow, event, commit_sha, conclusion, environment, started_at, completed_at) VALUES (1, 1, 'w', 'push', $1, 'success', 'production', now(), now())",
        [SAMPLE_RUN.commit_sha],
      ),
    ).rejects.toThrow("workflow_runs_deployment_check");
    await expect(
      db.sql.query("INSERT INTO workflow_runs (run_id, run_attempt, workflow, event, commit_sha, conclusion, started_at, completed_at) VALUES (1, 1, 'w', 'push', $1, 'green', now(), now())", [
        SAMPLE_RUN.commit_sha,
      ]),
    ).rejects.toThrow("workflow_runs_conclusion_check");
    await db.sql.query("DELETE FROM workflow_runs WHERE run_id BETWEEN 900000 AND 900999");
  });

  it("lets the writer insert and update, but not delete; the reader read, and nothing else", async () => {
    for (const table of ["workflow_runs", "incidents"]) {
      await db.sql.exec(`SET ROLE "${names.writer}"`);
      try {
        await expect(db.sql.query(`DELETE FROM ${table}`)).rejects.toThrow(`permission denied for table ${table}`);
        await expect(db.sql.query(`SELECT * FROM ${table}`)).rejects.toThrow(`permission denied for table ${table}`);
      } finally {
        await db.sql.exec("RESET ROLE");
      }
      await db.sql.exec(`SET ROLE "${names.reader}"`);
      try {
        expect((await db.sql.query(`SELECT * FROM ${table}`)).length).toBeGreaterThan(0);
        await expect(db.sql.query(`UPDATE ${table} SET updated_at = now()`)).rejects.toThrow(`permission denied for table ${table}`);
      } finally {
        await db.sql.exec("RESET ROLE");
      }
    }
  });

  it("goes through the metrics function: the job sends the file, the function records it", async () => {
    const lines: string[] = [];
    const outputs: Record<string, string> = {};
    const run3 = { ...SAMPLE_RUN, run_id: 11223345 };
    const code = await runRemote(["record-run", "--file", "delivery/run.json"], {
      readFile: () => JSON.stringify(run3),
      // The request crosses the wire as JSON, as Lambda carries it.
      invoke: async (request) =>
        JSON.parse(
          JSON.stringify(
            await runMetricsRequest(JSON.parse(JSON.stringify(request)), {
              databaseUrl: async () => "postgresql://writer@metrics/metrics",
              connect: async () => ({ ...db.sql, close: async () => undefined }),
              now: () => NOW,
            }),
          ),
        ),
      print: (line) => lines.push(line),
      setOutputs: (values) => Object.assign(outputs, values),
    });
    expect({ code, lines, outputs }).toEqual({ code: 0, lines: ["Recorded attempt 1 of Deploy Model Service run 11223345: success, production deployment: success."], outputs: { recorded: "inserted" } });
  });
});

const serverUrl = process.env.DATABASE_URL;
const server = ENGINES.find((engine) => engine.name.startsWith("PostgreSQL server"));

(server ? it : it.skip)("records a run and an incident with the committed bundles, through aws lambda invoke, on the real server", async () => {
  const db = await (server as NonNullable<typeof server>).open();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "delivery-metrics-"));
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
      FAKE_LAMBDA_NAME: "mlops-cicd-production-metrics",
      FAKE_LAMBDA_BUNDLE: METRICS_FUNCTION_BUNDLE,
      NODE_PATH: path.join(__dirname, "fakes", "lambda-sdk"),
      WRITER_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-cicd-production/db-writer",
      FAKE_SECRET_JSON: JSON.stringify({ uri: url.toString() }),
    };
    const bundle = path.join(BUNDLE_DIR, "mlops-monitor.cjs");
    const exec = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd: work, env, encoding: "utf8" });
    fs.writeFileSync(path.join(work, "run.json"), JSON.stringify(SAMPLE_RUN));
    fs.writeFileSync(path.join(work, "incident.json"), JSON.stringify(SAMPLE_INCIDENT));

    const recorded = exec("record-run", "--file", "run.json");
    expect({ status: recorded.status, stdout: recorded.stdout }).toEqual({
      status: 0,
      stdout: "Recorded attempt 1 of Deploy Model Service run 11223344: success, production deployment: success.\n",
    });
    const incident = exec("record-incident", "--file", "incident.json");
    expect({ status: incident.status, stdout: incident.stdout }).toEqual({ status: 0, stdout: "Recorded incident #42: open.\n" });
    expect(fs.readFileSync(path.join(work, "out"), "utf8")).toBe("recorded=inserted\nrecorded=inserted\n");
    expect(await db.sql.query("SELECT run_id::text AS run_id, environment FROM workflow_runs")).toEqual([{ run_id: "11223344", environment: "production" }]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await db.dispose();
  }
}, 60_000);
