/**
 * Grafana's provisioning and the monitoring dashboard: the files as rendered, and every panel's SQL,
 * with Grafana's macros expanded, run as the reader role against seeded metrics on each engine.
 */
import { parse } from "yaml";
import { APPLICATION_DASHBOARDS } from "../contracts/dashboards";
import { grantStatements, roleNames } from "../infra/database/roles";
import { migrate, readMigrations } from "../infra/database/migrate";
import { METRICS_DATASOURCE, renderGrafanaFiles } from "../tools/grafana";
import type { PostgresQuery } from "../tools/grafana";
import { ENGINES, TestDatabase } from "./database-engines";

const files = renderGrafanaFiles({ database: "metrics", alertThreshold: 0.5, maxAgeHours: 7 });
const byPath = new Map(files.map((file) => [file.path, file.content]));
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed provisioning and dashboard documents
const datasources = parse(byPath.get("provisioning/datasources/metrics.yaml") as string) as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed provisioning and dashboard documents
const providers = parse(byPath.get("provisioning/dashboards/mlops.yaml") as string) as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed provisioning and dashboard documents
const dashboard = JSON.parse(byPath.get("dashboards/mlops-model-monitoring.json") as string) as any;
const queries = (): { panel: string; query: PostgresQuery }[] =>
  dashboard.panels.flatMap((panel: { title: string; targets: PostgresQuery[] }) => panel.targets.map((query) => ({ panel: panel.title, query })));

describe("provisioning", () => {
  it("renders the data sources, the provider and the dashboards", () => {
    expect([...byPath.keys()]).toEqual([
      "provisioning/datasources/metrics.yaml",
      "provisioning/datasources/cloudwatch.yaml",
      "provisioning/dashboards/mlops.yaml",
      "dashboards/mlops-model-monitoring.json",
      "dashboards/mlops-model-services.json",
      "dashboards/mlops-database.json",
    ]);
    for (const file of files) expect(file.content).toMatchSnapshot(file.path);
  });

  it("defines the data source every dashboard query names, as the reader, over verified TLS, with no login or password in the file", () => {
    const [source] = datasources.datasources;
    expect(source).toMatchObject({
      uid: METRICS_DATASOURCE.uid,
      type: METRICS_DATASOURCE.type,
      url: "$METRICS_DB_HOST:5432",
      // The reader or its twin, whichever is current: from the task's environment.
      user: "$METRICS_READER_USER",
      editable: false,
      jsonData: { database: "metrics", sslmode: "verify-full", sslRootCertFile: "/etc/grafana/certs/rds-ca-bundle.pem" },
      secureJsonData: { password: "$METRICS_READER_PASSWORD" },
    });
    for (const { query } of queries()) expect(query.datasource).toEqual({ ...METRICS_DATASOURCE });
    expect(dashboard.templating.list[0].datasource).toEqual({ ...METRICS_DATASOURCE });
  });

  it("loads the dashboards from the image, read-only", () => {
    expect(providers.providers[0]).toMatchObject({ type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: "/var/lib/grafana/dashboards/mlops" } });
    expect(dashboard.editable).toBe(false);
  });

  it("loads the application team's dashboards apart: their own folder and path, deletion following the repository, no UI edits", () => {
    expect(providers.providers.map((provider: { name: string; folder: string }) => [provider.name, provider.folder])).toEqual([
      ["mlops-cicd", "MLOps"],
      ["application", "Application"],
    ]);
    expect(providers.providers[1]).toEqual({
      name: "application",
      folder: "Application",
      type: "file",
      disableDeletion: false,
      allowUiUpdates: false,
      updateIntervalSeconds: 30,
      options: { path: APPLICATION_DASHBOARDS.grafanaPath, foldersFromFilesStructure: false },
    });
    // Neither folder holds the other: a provider reads its path's subfolders too.
    const [platform, application] = providers.providers.map((provider: { options: { path: string } }) => `${provider.options.path}/`);
    expect(application.startsWith(platform) || platform.startsWith(application)).toBe(false);
  });

  it("gives every platform dashboard a uid in the prefix the team's dashboards may not use", () => {
    // ci-cd refuses a team dashboard whose uid starts with the prefix, so no provider can overwrite
    // a dashboard of the other: Grafana keeps one dashboard per uid across folders.
    const uids = files.filter((file) => file.path.startsWith("dashboards/")).map((file) => JSON.parse(file.content).uid as string);
    expect(uids.length).toBeGreaterThan(0);
    for (const uid of uids) expect({ uid, reserved: uid.toLowerCase().startsWith(APPLICATION_DASHBOARDS.reservedUidPrefix) }).toEqual({ uid, reserved: true });
  });

  it("has the spec's panels", () => {
    expect(dashboard.panels.map((panel: { title: string }) => panel.title)).toEqual([
      "Prediction drift",
      "Drift score against the alert threshold",
      "Drifted columns",
      "Share of missing values",
      "Dataset drift",
      "Age of the newest window",
      "Latest drift score",
    ]);
    const driftScore = dashboard.panels[1];
    expect(driftScore.fieldConfig.defaults.thresholds.steps).toEqual([{ value: null, color: "green" }, { value: 0.5, color: "red" }]);
    expect(driftScore.fieldConfig.defaults.custom.thresholdsStyle).toEqual({ mode: "dashed" });
  });
});

/**
 * Grafana's PostgreSQL macros, expanded as its data source does for a fixed time range, plus the
 * dashboard's variables. Anything else that looks like a macro or a variable fails the test.
 */
function expandMacros(sql: string, range: { from: string; to: string }, variables: Record<string, string>): string {
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, column: string) => `${column} BETWEEN '${range.from}' AND '${range.to}'`)
    .replace(/\$__time\(([^)]+)\)/g, (_m, column: string) => `${column} AS "time"`)
    .replace(/\$\{(\w+):sqlstring\}/g, (_m, name: string) => {
      if (!(name in variables)) throw new Error(`unknown variable ${name}`);
      return `'${(variables[name] as string).replace(/'/g, "''")}'`;
    });
  const leftover = /\$__\w+|\$\{[^}]+\}|\$\w+/.exec(expanded);
  if (leftover) throw new Error(`No expansion for ${leftover[0]} in: ${sql}`);
  return expanded;
}

describe.each(ENGINES)("every panel query against seeded metrics on $name", (engine) => {
  let db: TestDatabase;
  const reader = () => roleNames(db.rolePrefix).reader;

  beforeAll(async () => {
    db = await engine.open();
    await migrate(db.sql, readMigrations());
    await db.sql.exec(`CREATE ROLE "${reader()}"`);
    for (const statement of grantStatements(db.database, roleNames(db.rolePrefix)).filter((s) => s.includes(reader()))) await db.sql.exec(statement);
    await db.sql.exec(`INSERT INTO ml_metrics (timestamp, model_name, model_version, prediction_drift, num_drifted_columns, share_missing_values, dataset_drift, drift_score) VALUES
      ('2026-11-27T06:00:00Z', 'nyc-taxi-trip-duration', '3', 0.10, 1, 0.01, false, 0.21),
      ('2026-11-27T12:00:00Z', 'nyc-taxi-trip-duration', '3', 0.35, 4, 0.02, true, 0.62),
      ('2026-11-28T06:00:00Z', 'nyc-taxi-trip-duration', '4', 0.08, 0, 0.00, false, 0.12),
      ('2026-11-28T06:00:00Z', 'another-model', '1', 0.90, 9, 0.50, true, 0.95)`);
  }, 60_000);
  afterAll(async () => db?.dispose());

  const range = { from: "2026-11-22T00:00:00Z", to: "2026-11-29T00:00:00Z" };

  it.each(queries().map(({ panel, query }) => [panel, query] as const))("%s", async (_panel, query) => {
    const sql = expandMacros(query.rawSql, range, { model: "nyc-taxi-trip-duration" });
    await db.sql.exec(`SET ROLE "${reader()}"`);
    let rows: Record<string, unknown>[];
    try {
      rows = await db.sql.query(sql);
    } finally {
      await db.sql.exec("RESET ROLE");
    }
    if (query.format === "time_series") {
      expect(rows).toHaveLength(3);
      expect(Object.keys(rows[0] ?? {})[0]).toBe("time");
      const times = rows.map((row) => new Date(row.time as string).getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const row of rows) expect(Object.values(row).slice(1).every((value) => value !== null && value !== undefined)).toBe(true);
    } else {
      expect(rows).toHaveLength(1);
      expect(Object.keys(rows[0] ?? {})).toHaveLength(1);
      expect(Number(Object.values(rows[0] ?? {})[0])).not.toBeNaN();
    }
  });

  it("reads the latest drift score of the chosen model", async () => {
    const latest = queries().find(({ panel }) => panel === "Latest drift score")?.query as PostgresQuery;
    const [row] = await db.sql.query(expandMacros(latest.rawSql, range, { model: "nyc-taxi-trip-duration" }));
    expect(Number(row?.["drift score"])).toBeCloseTo(0.12);
  });

  it("lists the models for the dashboard's variable", async () => {
    const rows = await db.sql.query<{ model_name: string }>(dashboard.templating.list[0].query);
    expect(rows.map((row) => row.model_name)).toEqual(["another-model", "nyc-taxi-trip-duration"]);
  });
});
