/**
 * Who may do what in the metrics database. One table of grants serves both the Pulumi declaration
 * of the deployed database (the provisioner, `provisioner/provision.ts`) and the SQL the tests run against a real
 * server, so what is tested is what is deployed.
 */

/** The metrics database's name on the server. */
export const METRICS_DATABASE = "metrics";
export const METRICS_TABLE = "ml_metrics";
/** The spec's `id SERIAL` draws from this sequence: inserting needs USAGE on it. */
export const METRICS_ID_SEQUENCE = "ml_metrics_id_seq";
export const METRICS_SCHEMA = "public";

/** Columns the monitoring job writes; ON CONFLICT DO UPDATE must also be able to read them. */
export const WRITTEN_COLUMNS = [
  "timestamp",
  "model_name",
  "model_version",
  "prediction_drift",
  "num_drifted_columns",
  "share_missing_values",
  "dataset_drift",
  "drift_score",
  "updated_at",
] as const;

/** Columns `mlops-monitor record-run` writes into `workflow_runs` (migration 0004). */
export const WORKFLOW_RUN_COLUMNS = [
  "run_id",
  "run_attempt",
  "workflow",
  "event",
  "branch",
  "commit_sha",
  "conclusion",
  "environment",
  "deployment_conclusion",
  "started_at",
  "completed_at",
  "updated_at",
] as const;

/** Columns `mlops-monitor record-incident` writes into `incidents`; its upsert compares issue_updated_at. */
export const INCIDENT_COLUMNS = ["issue_number", "environment", "opened_at", "closed_at", "issue_updated_at", "withdrawn", "updated_at"] as const;

export interface MetricsTable {
  readonly table: string;
  /** What the writer inserts and updates; it may read these columns and no others. */
  readonly writtenColumns: readonly string[];
  /** A SERIAL column's sequence, which inserting draws from. */
  readonly sequence?: string;
}

/** Every table of the metrics database the roles below are granted on, in migration order. */
export const METRICS_TABLES: readonly MetricsTable[] = Object.freeze([
  { table: METRICS_TABLE, writtenColumns: WRITTEN_COLUMNS, sequence: METRICS_ID_SEQUENCE },
  { table: "workflow_runs", writtenColumns: WORKFLOW_RUN_COLUMNS },
  { table: "incidents", writtenColumns: INCIDENT_COLUMNS },
]);

export type RoleKey = "owner" | "writer" | "reader";

export interface RoleSpec {
  readonly key: RoleKey;
  readonly purpose: string;
  /** Privileges on each whole table of METRICS_TABLES. */
  readonly tablePrivileges: readonly ("SELECT" | "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE")[];
  /** Column-level SELECT of each table's written columns, for a role without table-wide SELECT. */
  readonly selectWrittenColumns?: boolean;
  /** Privileges on the tables' sequences. */
  readonly sequencePrivileges?: readonly "USAGE"[];
}

export const METRICS_ROLES: readonly RoleSpec[] = Object.freeze([
  {
    key: "owner",
    purpose: "Owns the schema and runs the migrations.",
    tablePrivileges: [],
  },
  {
    key: "writer",
    purpose: "The metrics function: inserts a row per window, run or incident and updates it when recorded again; cannot delete.",
    tablePrivileges: ["INSERT", "UPDATE"],
    // INSERT … ON CONFLICT DO UPDATE reads the conflicting row's written columns.
    selectWrittenColumns: true,
    sequencePrivileges: ["USAGE"],
  },
  {
    key: "reader",
    purpose: "Grafana: reads the metrics and the delivery records, nothing else.",
    tablePrivileges: ["SELECT"],
  },
]);

/** Role names for a deployment: `<prefix>_owner`, `<prefix>_writer`, `<prefix>_reader`. */
export function roleNames(prefix: string): Record<RoleKey, string> {
  return { owner: `${prefix}_owner`, writer: `${prefix}_writer`, reader: `${prefix}_reader` };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain lower-case SQL identifier.`);
  return `"${name}"`;
}

/**
 * Database-level grants (CONNECT, USAGE on the schema): applied by the provisioner, which
 * runs before any table exists.
 */
export function databaseGrantStatements(database: string, names: Record<RoleKey, string>): string[] {
  return METRICS_ROLES.filter((role) => role.key !== "owner").flatMap((role) => {
    const who = identifier(names[role.key]);
    return [`GRANT CONNECT ON DATABASE ${identifier(database)} TO ${who}`, `GRANT USAGE ON SCHEMA ${identifier(METRICS_SCHEMA)} TO ${who}`];
  });
}

/**
 * Grants on the tables and their sequences: only their owner can give them, once they exist, so the
 * migration run applies them (as the owner) right after the migrations. Idempotent: granting a
 * privilege already held is a no-op.
 */
export function tableGrantStatements(names: Record<RoleKey, string>): string[] {
  const statements: string[] = [];
  for (const role of METRICS_ROLES) {
    if (role.key === "owner") continue;
    const who = identifier(names[role.key]);
    for (const { table, writtenColumns, sequence } of METRICS_TABLES) {
      if (role.tablePrivileges.length > 0) statements.push(`GRANT ${role.tablePrivileges.join(", ")} ON ${identifier(table)} TO ${who}`);
      if (role.selectWrittenColumns) statements.push(`GRANT SELECT (${writtenColumns.map(identifier).join(", ")}) ON ${identifier(table)} TO ${who}`);
      if (sequence !== undefined && role.sequencePrivileges && role.sequencePrivileges.length > 0) {
        statements.push(`GRANT ${role.sequencePrivileges.join(", ")} ON SEQUENCE ${identifier(sequence)} TO ${who}`);
      }
    }
  }
  return statements;
}

/** Every grant of the non-owner roles: what the deployed database ends up with. */
export function grantStatements(database: string, names: Record<RoleKey, string>): string[] {
  return [...databaseGrantStatements(database, names), ...tableGrantStatements(names)];
}
