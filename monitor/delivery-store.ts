/**
 * Writes the delivery records as the metrics writer: one row per run attempt and one per incident,
 * updated in place when recorded again, so a re-delivered event or a re-run of the recording job
 * never counts anything twice.
 */
import { Sql, transaction } from "../infra/database/sql";
import type { IncidentRecord, RunRecord } from "./delivery";

/** `unchanged`: the stored incident is newer than the event recorded (events can arrive out of order). */
export type RecordOutcome = "inserted" | "updated" | "unchanged";

/** Inserts the run attempt's row, or updates it when this attempt was recorded before. */
export async function recordRun(sql: Sql, run: RunRecord): Promise<RecordOutcome> {
  const key = [run.runId, run.runAttempt];
  return transaction(sql, async () => {
    const existing = await sql.query("SELECT 1 FROM workflow_runs WHERE run_id = $1 AND run_attempt = $2", key);
    await sql.query(
      `INSERT INTO workflow_runs (run_id, run_attempt, workflow, event, branch, commit_sha, conclusion,
                                  environment, deployment_conclusion, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (run_id, run_attempt) DO UPDATE SET
         workflow = excluded.workflow,
         event = excluded.event,
         branch = excluded.branch,
         commit_sha = excluded.commit_sha,
         conclusion = excluded.conclusion,
         environment = excluded.environment,
         deployment_conclusion = excluded.deployment_conclusion,
         started_at = excluded.started_at,
         completed_at = excluded.completed_at,
         updated_at = now()`,
      [...key, run.workflow, run.event, run.branch, run.commitSha, run.conclusion, run.environment, run.deploymentConclusion, run.startedAt, run.completedAt],
    );
    return existing.length > 0 ? "updated" : "inserted";
  });
}

/**
 * Inserts the incident, or updates it from an event at least as new as the one stored: a `closed`
 * delivered after a later `reopened` must not close the incident again, nor a late `labeled` undo
 * the `unlabeled` that withdrew it.
 */
export async function recordIncident(sql: Sql, incident: IncidentRecord): Promise<RecordOutcome> {
  return transaction(sql, async () => {
    const existing = await sql.query("SELECT 1 FROM incidents WHERE issue_number = $1", [incident.issueNumber]);
    const written = await sql.query(
      `INSERT INTO incidents (issue_number, environment, opened_at, closed_at, issue_updated_at, withdrawn)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (issue_number) DO UPDATE SET
         environment = excluded.environment,
         opened_at = excluded.opened_at,
         closed_at = excluded.closed_at,
         issue_updated_at = excluded.issue_updated_at,
         withdrawn = excluded.withdrawn,
         updated_at = now()
       WHERE incidents.issue_updated_at <= excluded.issue_updated_at
       RETURNING issue_number`,
      [incident.issueNumber, incident.environment, incident.openedAt, incident.closedAt, incident.updatedAt, incident.withdrawn],
    );
    if (written.length === 0) return "unchanged";
    return existing.length > 0 ? "updated" : "inserted";
  });
}
