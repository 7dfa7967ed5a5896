/**
 * The delivery dashboard: its file in the Grafana image, and every panel's SQL, with Grafana's
 * macros expanded, run as the reader role against seeded runs and incidents on each engine, the
 * numbers each panel shows worked out by hand.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { grantStatements, roleNames } from "../infra/database/roles";
import { migrate, readMigrations } from "../infra/database/migrate";
import { DELIVERY_DASHBOARD_UID, METRICS_DATASOURCE, deliveryDashboard, grafanaImageFiles } from "../tools/grafana";
import type { PostgresQuery } from "../tools/grafana";
import { ENGINES, TestDatabase } from "./database-engines";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a built dashboard document
const dashboard = deliveryDashboard() as any;
const panels = (): { title: string; targets: PostgresQuery[] }[] => dashboard.panels;
const queryOf = (title: string): PostgresQuery => {
  const panel = panels().find((candidate) => candidate.title === title);
  if (!panel) throw new Error(`No panel ${title}`);
  return panel.targets[0] as PostgresQuery;
};

describe("the dashboard file", () => {
  it("is baked into the Grafana image beside the monitoring dashboard, where the provider loads it", () => {
    const file = grafanaImageFiles().find((entry) => entry.path === `dashboards/${DELIVERY_DASHBOARD_UID}.json`);
    expect(JSON.parse(file?.content ?? "{}")).toEqual(JSON.parse(JSON.stringify(dashboard)));
    expect(fs.readFileSync(path.join(__dirname, "..", "images", "grafana", "dashboards", `${DELIVERY_DASHBOARD_UID}.json`), "utf8")).toBe(file?.content);
  });

  it("has the spec's workflow metrics, read-only, every query on the metrics data source", () => {
    expect(dashboard).toMatchObject({ title: "Delivery", uid: "mlops-delivery", editable: false, timezone: "utc" });
    expect(panels().map((panel) => panel.title)).toEqual([
      "Success rate per workflow",
      "Execution time per workflow",
      "Production deployments per day",
      "Deployment frequency",
      "Change failure rate",
      "Mean time to restore",
      "Open incidents",
      "Incidents",
    ]);
    for (const panel of panels()) {
      expect(panel.targets).toHaveLength(1);
      expect(panel.targets[0]?.datasource).toEqual({ ...METRICS_DATASOURCE });
    }
  });
});

/**
 * Grafana's PostgreSQL macros, expanded as its data source does for a fixed time range. Anything
 * else that looks like a macro or a variable fails the test.
 * @see https://grafana.com/docs/grafana/latest/datasources/postgres/query-editor/#macros
 */
function expandMacros(sql: string, range: { from: string; to: string }): string {
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, column: string) => `${column} BETWEEN '${range.from}' AND '${range.to}'`)
    .replace(/\$__timeFrom\(\)/g, `'${range.from}'`)
    .replace(/\$__timeTo\(\)/g, `'${range.to}'`);
  const leftover = /\$__\w+|\$\{[^}]+\}|\$\w+/.exec(expanded);
  if (leftover) throw new Error(`No expansion for ${leftover[0]} in: ${sql}`);
  return expanded;
}

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe.each(ENGINES)("every panel against seeded runs and incidents on $name", (engine) => {
  let db: TestDatabase;
  const reader = () => roleNames(db.rolePrefix).reader;

  beforeAll(async () => {
    db = await engine.open();
    await migrate(db.sql, readMigrations());
    await db.sql.exec(`CREATE ROLE "${reader()}"`);
    for (const statement of grantStatements(db.database, roleNames(db.rolePrefix)).filter((s) => s.includes(reader()))) await db.sql.exec(statement);
    // run id, attempt, workflow, conclusion, environment, deployment conclusion, start, seconds
    const runs: [number, number, string, string, string | null, string | null, string, number][] = [
      [1, 1, "CI/CD Pipeline", "success", "production", "success", "2026-11-02T10:00:00Z", 600],
      [2, 1, "CI/CD Pipeline", "failure", null, null, "2026-11-03T10:00:00Z", 300],
      [3, 1, "CI/CD Pipeline", "success", "production", "success", "2026-11-10T10:00:00Z", 900],
      [4, 1, "CI/CD Pipeline", "cancelled", null, null, "2026-11-11T10:00:00Z", 100],
      [5, 1, "CI/CD Pipeline", "failure", "staging", "failure", "2026-11-12T10:00:00Z", 1200],
      [11, 1, "Deploy Model Service", "success", "production", "success", "2026-11-05T10:00:00Z", 850],
      [12, 1, "Deploy Model Service", "failure", "production", "failure", "2026-11-06T10:00:00Z", 400],
      [12, 2, "Deploy Model Service", "success", "production", "success", "2026-11-06T12:00:00Z", 800],
      [13, 1, "Deploy Model Service", "success", "staging", "success", "2026-11-07T10:00:00Z", 700],
      [21, 1, "Model Training Pipeline", "success", null, null, "2026-11-08T10:00:00Z", 3600],
      [22, 1, "Model Training Pipeline", "timed_out", null, null, "2026-11-09T00:00:00Z", 21600],
      // Before the time range: counted nowhere.
      [0, 1, "CI/CD Pipeline", "failure", "production", "failure", "2026-10-15T10:00:00Z", 60],
    ];
    for (const [runId, attempt, workflow, conclusion, environment, deployment, start, seconds] of runs) {
      await db.sql.query(
        `INSERT INTO workflow_runs (run_id, run_attempt, workflow, event, branch, commit_sha, conclusion, environment, deployment_conclusion, started_at, completed_at)
         VALUES ($1 + 100, $2, $3, 'push', 'main', $4, $5, $6, $7, $8::timestamptz, $8::timestamptz + make_interval(secs => $9))`,
        [runId, attempt, workflow, SHA, conclusion, environment, deployment, start, seconds],
      );
    }
    // Production's, one opened by hand (no environment), and staging's, which restore nothing in production.
    await db.sql.exec(`INSERT INTO incidents (issue_number, environment, opened_at, closed_at, issue_updated_at) VALUES
      (9, 'production', '2026-10-01T10:00:00Z', '2026-10-02T10:00:00Z', '2026-10-02T10:00:00Z'),
      (8, 'production', '2026-10-20T10:00:00Z', NULL, '2026-10-20T10:00:00Z'),
      (10, 'production', '2026-11-06T10:00:00Z', '2026-11-06T11:30:00Z', '2026-11-06T11:30:00Z'),
      (11, NULL, '2026-11-12T09:00:00Z', '2026-11-13T09:00:00Z', '2026-11-13T09:00:00Z'),
      (12, 'production', '2026-11-20T09:00:00Z', NULL, '2026-11-20T09:00:00Z'),
      (13, 'staging', '2026-11-15T09:00:00Z', '2026-11-17T09:00:00Z', '2026-11-17T09:00:00Z'),
      (14, 'staging', '2026-11-21T09:00:00Z', NULL, '2026-11-21T09:00:00Z')`);
    // Issues that lost their incident label: no longer incidents, in no panel.
    await db.sql.exec(`INSERT INTO incidents (issue_number, environment, opened_at, closed_at, issue_updated_at, withdrawn) VALUES
      (15, 'production', '2026-11-10T09:00:00Z', '2026-11-25T09:00:00Z', '2026-11-25T09:00:00Z', true),
      (16, NULL, '2026-11-22T09:00:00Z', NULL, '2026-11-22T10:00:00Z', true)`);
  }, 60_000);
  afterAll(async () => db?.dispose());

  // Four weeks.
  const range = { from: "2026-11-01T00:00:00Z", to: "2026-11-29T00:00:00Z" };

  /** The panel's query as the reader, numbers as numbers and instants as ISO strings. */
  async function rows(title: string): Promise<Record<string, unknown>[]> {
    await db.sql.exec(`SET ROLE "${reader()}"`);
    try {
      const result = await db.sql.query(expandMacros(queryOf(title).rawSql, range));
      return result.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([key, value]) => [
            key,
            value instanceof Date ? value.toISOString() : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : typeof value === "bigint" ? Number(value) : value,
          ]),
        ),
      );
    } finally {
      await db.sql.exec("RESET ROLE");
    }
  }

  it("success rate per workflow: cancelled attempts left out, a timeout counted as a failure", async () => {
    expect(await rows("Success rate per workflow")).toEqual([
      { workflow: "CI/CD Pipeline", "success rate": 0.5 },
      { workflow: "Deploy Model Service", "success rate": 0.75 },
      { workflow: "Model Training Pipeline", "success rate": 0.5 },
    ]);
  });

  it("execution time per workflow: mean and 95th percentile", async () => {
    const found = await rows("Execution time per workflow");
    expect(found).toEqual([
      { workflow: "CI/CD Pipeline", runs: 4, mean: 750, p95: expect.closeTo(1155, 6) },
      { workflow: "Deploy Model Service", runs: 4, mean: 687.5, p95: expect.closeTo(842.5, 6) },
      { workflow: "Model Training Pipeline", runs: 2, mean: 12600, p95: expect.closeTo(20700, 6) },
    ]);
  });

  it("production deployments per day: successful ones, re-run attempts included, by UTC day", async () => {
    expect(await rows("Production deployments per day")).toEqual([
      { time: "2026-11-02T00:00:00.000Z", deployments: 1 },
      { time: "2026-11-05T00:00:00.000Z", deployments: 1 },
      { time: "2026-11-06T00:00:00.000Z", deployments: 1 },
      { time: "2026-11-10T00:00:00.000Z", deployments: 1 },
    ]);
  });

  it("deployment frequency: four production deployments in four weeks is one a week", async () => {
    expect(await rows("Deployment frequency")).toEqual([{ "deployments per week": 1 }]);
  });

  it("change failure rate: one failed production deployment of five; staging's failure is not counted", async () => {
    expect(await rows("Change failure rate")).toEqual([{ "change failure rate": 0.2 }]);
  });

  it("mean time to restore: production incidents closed in the range, opening to closing; staging's and withdrawn ones left out", async () => {
    // (90 minutes + 24 hours) / 2
    expect(await rows("Mean time to restore")).toEqual([{ "mean time to restore": 45_900 }]);
  });

  it("open incidents: every production one still open, whenever it opened, not one withdrawn", async () => {
    expect(await rows("Open incidents")).toEqual([{ "open incidents": 2 }]);
  });

  it("incidents: of every environment, those opened in the range and any still open, newest first, none withdrawn", async () => {
    expect(await rows("Incidents")).toEqual([
      { issue: 14, environment: "staging", opened: "2026-11-21T09:00:00.000Z", closed: null, "time to restore": null },
      { issue: 12, environment: "production", opened: "2026-11-20T09:00:00.000Z", closed: null, "time to restore": null },
      { issue: 13, environment: "staging", opened: "2026-11-15T09:00:00.000Z", closed: "2026-11-17T09:00:00.000Z", "time to restore": 172_800 },
      { issue: 11, environment: null, opened: "2026-11-12T09:00:00.000Z", closed: "2026-11-13T09:00:00.000Z", "time to restore": 86_400 },
      { issue: 10, environment: "production", opened: "2026-11-06T10:00:00.000Z", closed: "2026-11-06T11:30:00.000Z", "time to restore": 5_400 },
      { issue: 8, environment: "production", opened: "2026-10-20T10:00:00.000Z", closed: null, "time to restore": null },
    ]);
  });

  it("shows no value rather than a wrong one when nothing was deployed or restored", async () => {
    const empty = { from: "2025-01-01T00:00:00Z", to: "2025-01-08T00:00:00Z" };
    await db.sql.exec(`SET ROLE "${reader()}"`);
    try {
      expect(await db.sql.query(expandMacros(queryOf("Change failure rate").rawSql, empty))).toEqual([{ "change failure rate": null }]);
      expect(await db.sql.query(expandMacros(queryOf("Mean time to restore").rawSql, empty))).toEqual([{ "mean time to restore": null }]);
      expect((await db.sql.query(expandMacros(queryOf("Deployment frequency").rawSql, empty))).map((row) => Number(Object.values(row)[0]))).toEqual([0]);
    } finally {
      await db.sql.exec("RESET ROLE");
    }
  });
});
