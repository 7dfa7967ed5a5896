/**
 * The metrics database on real PostgreSQL engines: migrations, roles and grants, the writer, and
 * the staleness check.
 */
import { METRICS_ROLES, grantStatements, roleNames } from "../infra/database/roles";
import { migrate, migration, readMigrations } from "../infra/database/migrate";
import type { Sql } from "../infra/database/sql";
import { assessStaleness, parseMetrics } from "../monitor/metrics";
import { newestWindow, storeMetrics } from "../monitor/store";
import { ENGINES, TestDatabase } from "./database-engines";
import { SAMPLE_METRICS } from "./fixtures/metrics";

const SAMPLE = SAMPLE_METRICS;
const metrics = (changes: Partial<typeof SAMPLE> = {}) => parseMetrics(JSON.stringify({ ...SAMPLE, ...changes }), "metrics.json");

async function count(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ n: string | number }>("SELECT count(*) AS n FROM ml_metrics");
  return Number(row?.n);
}

/** Runs `work` as `role`, then returns to the connecting user whatever happened. */
async function asRole<T>(sql: Sql, role: string, work: () => Promise<T>): Promise<T> {
  await sql.exec(`SET ROLE "${role}"`);
  try {
    return await work();
  } finally {
    await sql.exec("RESET ROLE");
  }
}

describe.each(ENGINES)("on $name", (engine) => {
  let db: TestDatabase;
  let names: ReturnType<typeof roleNames>;

  beforeAll(async () => {
    db = await engine.open();
    names = roleNames(db.rolePrefix);
  }, 60_000);
  afterAll(async () => db?.dispose());

  describe("migrations", () => {
    it("apply to an empty database, then re-apply as a no-op", async () => {
      const first = await migrate(db.sql, readMigrations());
      const all = ["0001_spec_ml_metrics", "0002_harden_ml_metrics", "0003_spec_writers", "0004_delivery_metrics", "0005_incident_withdrawn"];
      expect(first).toEqual({ applied: all, alreadyApplied: [] });
      const again = await migrate(db.sql, readMigrations());
      expect(again).toEqual({ applied: [], alreadyApplied: all });
      const recorded = await db.sql.query<{ version: string }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(recorded.map((row) => row.version)).toEqual(["0001", "0002", "0003", "0004", "0005"]);
    });

    it("refuse a migration whose file changed after it was applied", async () => {
      const [first, second, ...later] = readMigrations();
      const edited = migration("0002_harden_ml_metrics.sql", `${second?.sql}\n-- edited`);
      await expect(migrate(db.sql, [first!, edited, ...later])).rejects.toThrow(
        /^Migration 0002_harden_ml_metrics changed after it was applied \(checksum [0-9a-f]{12}, now [0-9a-f]{12}\)\. Applied migrations are history: restore the file and add a new migration for the change\.$/,
      );
    });

    it("roll a failing migration back whole", async () => {
      const broken = migration("0099_broken.sql", "CREATE TABLE half_done (id int);\nSELECT no_such_function();");
      await expect(migrate(db.sql, [...readMigrations(), broken])).rejects.toThrow(
        /^Migration 0099_broken failed and was rolled back, with those after it: function no_such_function\(\) does not exist/,
      );
      const [row] = await db.sql.query<{ present: boolean }>("SELECT to_regclass('half_done') IS NOT NULL AS present");
      expect(row?.present).toBe(false);
      expect((await db.sql.query("SELECT 1 FROM schema_migrations WHERE version = '0099'")).length).toBe(0);
    });

    it("refuse to run against a database migrated by a newer release", async () => {
      const [first] = readMigrations();
      await expect(migrate(db.sql, [first!])).rejects.toThrow(
        "The database has migrations this program does not know: 0002_harden_ml_metrics, 0003_spec_writers, 0004_delivery_metrics, 0005_incident_withdrawn. Run the newer release of the platform that applied them.",
      );
    });

    it("reject a badly named migration file", () => {
      expect(() => migration("2_add.sql", "")).toThrow("Migration file 2_add.sql must be named NNNN_description.sql (four digits, lower-case words).");
    });
  });

  describe("roles", () => {
    beforeAll(async () => {
      for (const key of ["writer", "reader"] as const) await db.sql.exec(`CREATE ROLE "${names[key]}"`);
      for (const statement of grantStatements(db.database, names)) await db.sql.exec(statement);
    });

    it("grants the table privileges as part of a migration run, idempotently", async () => {
      const again = await migrate(db.sql, readMigrations(), { grantTo: names });
      expect(again.applied).toEqual([]);
      expect(await migrate(db.sql, readMigrations(), { grantTo: names })).toEqual(again);
    });

    it("explains a grant to roles that do not exist yet, before applying anything", async () => {
      const before = await db.sql.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists");
      await expect(migrate(db.sql, readMigrations(), { grantTo: roleNames(`${db.rolePrefix}_missing`) })).rejects.toThrow(
        /^Nothing was applied: the roles [a-z0-9_]+_missing_writer and [a-z0-9_]+_missing_reader do not exist\. The database provisioner makes them \(`pulumi up`\); run it first, or migrate without the grants \(--no-grants\)\.$/,
      );
      expect(await db.sql.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists")).toEqual(before);
    });

    it("declares an owner, a writer and a reader", () => {
      expect(METRICS_ROLES.map((role) => role.key)).toEqual(["owner", "writer", "reader"]);
    });

    it("lets the writer insert and update a window, but not delete or empty the table", async () => {
      await asRole(db.sql, names.writer, async () => {
        expect(await storeMetrics(db.sql, metrics())).toBe("inserted");
        expect(await storeMetrics(db.sql, metrics({ drift_score: 0.6 }))).toBe("updated");
        await expect(db.sql.query("DELETE FROM ml_metrics")).rejects.toThrow("permission denied for table ml_metrics");
        await expect(db.sql.query("TRUNCATE ml_metrics")).rejects.toThrow("permission denied for table ml_metrics");
      });
      const rows = await db.sql.query<{ drift_score: number; updated_at: unknown }>("SELECT drift_score, updated_at FROM ml_metrics");
      expect(rows).toHaveLength(1);
      expect(rows[0]?.drift_score).toBe(0.6);
      expect(rows[0]?.updated_at).not.toBeNull();
    });

    it("lets the reader read, and nothing else", async () => {
      await asRole(db.sql, names.reader, async () => {
        expect((await db.sql.query("SELECT * FROM ml_metrics")).length).toBe(1);
        await expect(storeMetrics(db.sql, metrics({ timestamp: "2026-11-29T12:00:00Z" }))).rejects.toThrow("permission denied for table ml_metrics");
        await expect(db.sql.query("UPDATE ml_metrics SET drift_score = 0")).rejects.toThrow("permission denied for table ml_metrics");
        await expect(db.sql.query("DELETE FROM ml_metrics")).rejects.toThrow("permission denied for table ml_metrics");
      });
    });

    it("keeps one row per model version and window", async () => {
      const before = await count(db.sql);
      await asRole(db.sql, names.writer, async () => {
        await storeMetrics(db.sql, metrics({ model_version: "4" }));
        await storeMetrics(db.sql, metrics({ model_version: "4" }));
      });
      expect(await count(db.sql)).toBe(before + 1);
    });

    it("finds the newest window as the writer, for the staleness check", async () => {
      const newest = await asRole(db.sql, names.writer, () => newestWindow(db.sql, SAMPLE.model_name));
      expect(newest?.toISOString()).toBe("2026-11-29T06:00:00.000Z");
      expect(assessStaleness(newest, new Date("2026-11-29T12:59:00Z"), 7)).toEqual({ stale: false, ageHours: 6.98 });
      expect(assessStaleness(newest, new Date("2026-11-29T13:30:00Z"), 7)).toEqual({ stale: true, ageHours: 7.5 });
      expect(await asRole(db.sql, names.writer, () => newestWindow(db.sql, "another-model"))).toBeUndefined();
    });
  });

  describe("the table", () => {
    it("takes a row as a writer of the spec's table inserts it, without a model version or name", async () => {
      await db.sql.query(
        "INSERT INTO ml_metrics (timestamp, prediction_drift, num_drifted_columns, share_missing_values, dataset_drift, drift_score) VALUES ('2026-11-01 10:00:00', 0.12, 2, 0.01, false, 0.3)",
      );
      const [row] = await db.sql.query<{ model_name: string; model_version: string }>(
        "SELECT model_name, model_version FROM ml_metrics WHERE timestamp = '2026-11-01 10:00:00+00'",
      );
      expect(row).toEqual({ model_name: "unknown", model_version: "unknown" });
    });

    it("runs the spec's 'View latest metrics' query unchanged", async () => {
      await db.sql.query("INSERT INTO ml_metrics (timestamp, model_name, model_version, drift_score, dataset_drift) VALUES (now() - interval '1 hour', 'm', '1', 0.2, false)");
      const rows = await db.sql.query(`SELECT
    timestamp,
    prediction_drift,
    drift_score,
    dataset_drift
FROM ml_metrics
WHERE timestamp > NOW() - INTERVAL '24 hours'
ORDER BY timestamp DESC;`);
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(Object.keys(rows[0] ?? {})).toEqual(["timestamp", "prediction_drift", "drift_score", "dataset_drift"]);
    });

    it("refuses a row without a drift score, or with impossible values", async () => {
      await expect(db.sql.query("INSERT INTO ml_metrics (timestamp, model_name, model_version, dataset_drift) VALUES (now(), 'm', '1', false)")).rejects.toThrow(
        "ml_metrics_scores_required",
      );
      await expect(
        db.sql.query("INSERT INTO ml_metrics (timestamp, model_name, model_version, dataset_drift, drift_score, share_missing_values) VALUES (now(), 'm', '1', false, 0.1, 2)"),
      ).rejects.toThrow("ml_metrics_share_missing_values_check");
    });
  });
});

describe.each(ENGINES)("adopting the spec's table with its data, on $name", (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  }, 60_000);
  afterAll(async () => db?.dispose());

  it("keeps every row, converts times to UTC instants and merges re-runs of one window", async () => {
    // GIVEN the table as the spec's pipeline created and filled it
    await db.sql.exec(readMigrations()[0]!.sql);
    await db.sql.exec(`INSERT INTO ml_metrics (timestamp, prediction_drift, num_drifted_columns, share_missing_values, dataset_drift, drift_score, model_name) VALUES
      ('2025-10-01 00:00:00', 0.1, 1, 0.0, false, 0.2, 'duration'),
      ('2025-10-01 06:00:00', 0.2, 2, 0.0, false, 0.3, 'duration'),
      ('2025-10-01 06:00:00', 0.25, 2, 0.0, false, 0.35, 'duration'),
      ('2025-10-01 12:00:00', NULL, NULL, NULL, NULL, NULL, NULL)`);
    // WHEN the migrations run
    const result = await migrate(db.sql, readMigrations());
    // THEN 0001 is recorded as applied (its table already existed) and 0002 hardens it
    expect(result.applied).toEqual(readMigrations().map((entry) => `${entry.version}_${entry.name}`));
    const rows = await db.sql.query<{ at: string; model_name: string; model_version: string; drift_score: number | null }>(
      "SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at, model_name, model_version, drift_score FROM ml_metrics ORDER BY timestamp",
    );
    expect(rows).toEqual([
      { at: "2025-10-01 00:00", model_name: "duration", model_version: "unknown", drift_score: 0.2 },
      { at: "2025-10-01 06:00", model_name: "duration", model_version: "unknown", drift_score: 0.35 },
      { at: "2025-10-01 12:00", model_name: "unknown", model_version: "unknown", drift_score: null },
    ]);
  });
});

it("names every problem of a malformed metrics file", () => {
  expect(() => parseMetrics(JSON.stringify({ ...SAMPLE, timestamp: "2026-11-29 06:00", share_missing_values: 3, model_version: undefined }), "m.json")).toThrow(
    [
      "m.json cannot be stored:",
      "  • `timestamp` must be a real ISO 8601 instant with its offset, not before 2000, such as 2026-11-29T06:00:00Z (got \"2026-11-29 06:00\")",
      "  • `model_version` must be a non-empty string of at most 100 characters, valid UTF-8 without control characters (missing)",
      "  • `share_missing_values` must be a number between 0 and 1 (got 3)",
    ].join("\n"),
  );
  expect(() => parseMetrics("{", "m.json")).toThrow(/^m\.json cannot be stored:\n {2}• is not JSON: /);
});

describe("refuses what cannot be a real window, before any connection, naming the field", () => {
  const NOW = new Date("2026-11-29T07:00:00Z");
  const problem = (changes: Record<string, unknown>, text?: string) => {
    try {
      parseMetrics(text ?? JSON.stringify({ ...SAMPLE, ...changes }), "m.json", NOW);
    } catch (error) {
      return (error as Error).message.split("\n").slice(1).map((line) => line.replace(/^ {2}• /, ""));
    }
    return [];
  };
  const timestamp = "must be a real ISO 8601 instant with its offset, not before 2000, such as 2026-11-29T06:00:00Z";
  const text = "valid UTF-8 without control characters";

  it.each([
    ["a day February does not have", { timestamp: "2026-02-30T06:00:00Z" }, [`\`timestamp\` ${timestamp} (got "2026-02-30T06:00:00Z")`]],
    ["hour 24", { timestamp: "2026-11-29T24:00:00Z" }, [`\`timestamp\` ${timestamp} (got "2026-11-29T24:00:00Z")`]],
    ["an offset of 25 hours", { timestamp: "2026-11-29T06:00:00+25:00" }, [`\`timestamp\` ${timestamp} (got "2026-11-29T06:00:00+25:00")`]],
    [
      "a window in 2099",
      { timestamp: "2099-01-01T00:00:00Z" },
      ['`timestamp` must not be in the future (more than 5 minutes after 2026-11-29T07:00:00.000Z): a window is stored once it has ended (got "2099-01-01T00:00:00Z")'],
    ],
    ["a NUL in the model name", { model_name: "taxi\u0000" }, [`\`model_name\` must be a non-empty string of at most 200 characters, ${text} (got "taxi\\u0000")`]],
    ["a newline in the model version", { model_version: "3\n::add-mask::x" }, [`\`model_version\` must be a non-empty string of at most 100 characters, ${text} (got "3\\n::add-mask::x")`]],
    ["bytes that were not UTF-8", { model_name: "taxi\ufffd" }, [`\`model_name\` must be a non-empty string of at most 200 characters, ${text} (got "taxi\ufffd")`]],
    ["more drifted columns than an INTEGER holds", { num_drifted_columns: 2_147_483_648 }, ["`num_drifted_columns` must be a whole number from 0 to 2147483647 (got 2147483648)"]],
    ["a window in year 1", { timestamp: "0001-01-01T00:00:00Z" }, [`\`timestamp\` ${timestamp} (got "0001-01-01T00:00:00Z")`]],
    ["a lone surrogate from a \\ud800 escape", { model_name: "ta\ud800xi" }, [`\`model_name\` must be a non-empty string of at most 200 characters, ${text} (got "ta\\ud800xi")`]],
    ["a bidirectional override", { model_name: "taxi\u202eiv" }, [`\`model_name\` must be a non-empty string of at most 200 characters, ${text} (got "taxi\u202eiv")`]],
    [
      "a misspelt field, named with the one meant",
      { drift_score: undefined, drift_scor: 0.3 },
      ["`drift_score` must be a finite number, 0 or more (missing)", "`drift_scor` is not a metrics field: did you mean `drift_score`?"],
    ],
  ])("%s", (_, changes, expected) => {
    expect(problem(changes)).toEqual(expected);
  });

  it("a number JSON cannot hold, shown as what it became", () => {
    expect(problem({}, JSON.stringify(SAMPLE).replace('"drift_score":0.31', '"drift_score":1e400'))).toEqual(["`drift_score` must be a finite number, 0 or more (got Infinity (out of range))"]);
  });

  it("accepts a window that ends within the clock skew", () => {
    expect(problem({ timestamp: "2026-11-29T07:04:00Z" })).toEqual([]);
    expect(problem({ timestamp: "2024-02-29T06:00:00+01:00" })).toEqual([]);
  });
  expect(() => parseMetrics("[]", "m.json")).toThrow("m.json cannot be stored:\n  • must hold one JSON object with the metrics of one window");
});
