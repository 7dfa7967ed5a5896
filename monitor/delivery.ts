/**
 * The delivery records `mlops-monitor record-run` and `record-incident` store (migrations 0004, 0005),
 * written by the application repository's record-delivery-metrics workflow from the event that
 * triggered it (workflows/scripts/write-run-record.sh, write-incident-record.sh):
 *
 * ```json
 * { "run_id": 11223344, "run_attempt": 1, "workflow": "Deploy Model Service", "event": "workflow_dispatch",
 *   "branch": "main", "commit_sha": "0123…", "conclusion": "success", "environment": "production",
 *   "deployment_conclusion": "success", "started_at": "2026-11-29T06:00:00Z", "completed_at": "2026-11-29T06:14:10Z" }
 * ```
 *
 * ```json
 * { "issue_number": 42, "environment": "production", "opened_at": "2026-11-29T06:20:00Z", "closed_at": null,
 *   "updated_at": "2026-11-29T06:20:00Z", "withdrawn": false }
 * ```
 *
 * Checked strictly: every field present (`null` where the value is unknown), no other field, so a
 * writer that drifts from the contract is told rather than half-recorded.
 */
import { closestMatch } from "../infra/validation";
import { CLOCK_SKEW_MINUTES, EARLIEST_WINDOW, MetricsFileError, describe, isCalendarInstant, isPlainText } from "./metrics";

/** GitHub's conclusions of a completed workflow run. */
export const RUN_CONCLUSIONS = ["success", "failure", "cancelled", "skipped", "neutral", "timed_out", "action_required", "stale", "startup_failure"] as const;
/** How a deployment job that ran can end (a skipped one deployed nothing). */
export const DEPLOYMENT_CONCLUSIONS = ["success", "failure", "cancelled", "timed_out"] as const;

export type RunConclusion = (typeof RUN_CONCLUSIONS)[number];
export type DeploymentConclusion = (typeof DEPLOYMENT_CONCLUSIONS)[number];

export interface RunRecord {
  readonly runId: number;
  readonly runAttempt: number;
  readonly workflow: string;
  readonly event: string;
  readonly branch: string | null;
  readonly commitSha: string;
  readonly conclusion: RunConclusion;
  readonly environment: string | null;
  readonly deploymentConclusion: DeploymentConclusion | null;
  readonly startedAt: Date;
  readonly completedAt: Date;
}

export interface IncidentRecord {
  readonly issueNumber: number;
  /** The environment deploy-service named in the issue; null for one opened by hand. */
  readonly environment: string | null;
  readonly openedAt: Date;
  readonly closedAt: Date | null;
  /** The issue's own updated_at: orders the events of one issue. */
  readonly updatedAt: Date;
  /** The `incident` label was removed: no longer an incident, kept so that putting it back restores it. */
  readonly withdrawn: boolean;
}

type FieldCheck = (value: unknown) => string | undefined;

/** PostgreSQL's INTEGER. */
const MAX_INTEGER = 2_147_483_647;

const instant: FieldCheck = (value) =>
  typeof value === "string" && isCalendarInstant(value) ? undefined : `must be a real ISO 8601 instant with its offset, not before ${EARLIEST_WINDOW.slice(0, 4)}, such as 2026-11-29T06:00:00Z`;
const text =
  (maxLength: number): FieldCheck =>
  (value) =>
    typeof value === "string" && value.trim() !== "" && value.length <= maxLength && isPlainText(value)
      ? undefined
      : `must be a non-empty string of at most ${maxLength} characters, valid UTF-8 without control characters`;
const nullable =
  (check: FieldCheck): FieldCheck =>
  (value) => {
    if (value === null) return undefined;
    const problem = check(value);
    return problem === undefined ? undefined : `${problem}, or null`;
  };
const wholeNumber =
  (max: number): FieldCheck =>
  (value) =>
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max ? undefined : `must be a whole number from 1 to ${max}`;
const oneOf =
  (choices: readonly string[]): FieldCheck =>
  (value) =>
    typeof value === "string" && choices.includes(value) ? undefined : `must be one of ${choices.join(", ")}`;

/** Field → check, in the order problems are reported. */
export const RUN_FIELDS: Readonly<Record<string, FieldCheck>> = Object.freeze({
  // A run id is GitHub's 64-bit id; JSON numbers are exact up to 2^53, far beyond any id yet.
  run_id: wholeNumber(Number.MAX_SAFE_INTEGER),
  run_attempt: wholeNumber(MAX_INTEGER),
  workflow: text(200),
  event: (value) => (typeof value === "string" && /^[a-z_]{1,50}$/.test(value) ? undefined : "must be a GitHub event name such as push or workflow_dispatch"),
  // A tag run has a tag here; a run of a deleted branch may have none.
  branch: nullable(text(255)),
  commit_sha: (value) => (typeof value === "string" && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(value) ? undefined : "must be a full commit SHA: 40 (or 64) lower-case hex digits"),
  conclusion: oneOf(RUN_CONCLUSIONS),
  environment: nullable(text(255)),
  deployment_conclusion: nullable(oneOf(DEPLOYMENT_CONCLUSIONS)),
  started_at: instant,
  completed_at: instant,
});

export const INCIDENT_FIELDS: Readonly<Record<string, FieldCheck>> = Object.freeze({
  issue_number: wholeNumber(MAX_INTEGER),
  environment: nullable(text(255)),
  opened_at: instant,
  closed_at: nullable(instant),
  updated_at: instant,
  withdrawn: (value) => (typeof value === "boolean" ? undefined : "must be true (the issue lost its incident label) or false"),
});

/** The record's fields, checked; throws MetricsFileError naming every problem. */
function checkFields(textOfFile: string, source: string, fields: Readonly<Record<string, FieldCheck>>, what: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(textOfFile);
  } catch (error) {
    throw new MetricsFileError(source, [`is not JSON: ${(error as Error).message}`]);
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new MetricsFileError(source, [`must hold one JSON object describing ${what}`]);
  }
  const record = document as Record<string, unknown>;
  const problems = Object.entries(fields).flatMap(([field, check]) => {
    const problem = check(record[field]);
    return problem === undefined ? [] : [`\`${field}\` ${problem} (${describe(record[field])})`];
  });
  const missing = Object.keys(fields).filter((field) => record[field] === undefined);
  for (const field of Object.keys(record).filter((key) => !(key in fields)).sort()) {
    const meant = closestMatch(field, missing);
    problems.push(`\`${field}\` is not a field of ${what}${meant === undefined ? `: the fields are ${Object.keys(fields).join(", ")}` : `: did you mean \`${meant}\`?`}`);
  }
  if (problems.length > 0) throw new MetricsFileError(source, problems);
  return record;
}

/** An instant after `now` (beyond the clocks' skew) has not happened: refuse it, naming it. */
function notInFuture(record: Record<string, unknown>, fields: readonly string[], now: Date | undefined): string[] {
  if (now === undefined) return [];
  return fields.flatMap((field) =>
    typeof record[field] === "string" && Date.parse(record[field] as string) > now.getTime() + CLOCK_SKEW_MINUTES * 60_000
      ? [`\`${field}\` must not be in the future (more than ${CLOCK_SKEW_MINUTES} minutes after ${now.toISOString()}) (${describe(record[field])})`]
      : [],
  );
}

/** Parses and checks a run record; with `now`, an instant still to come is refused. */
export function parseRunRecord(textOfFile: string, source: string, now?: Date): RunRecord {
  const record = checkFields(textOfFile, source, RUN_FIELDS, "a workflow run");
  const problems = notInFuture(record, ["started_at", "completed_at"], now);
  if (Date.parse(record.completed_at as string) < Date.parse(record.started_at as string)) {
    problems.push(`\`completed_at\` must not be before \`started_at\` (${record.completed_at} < ${record.started_at})`);
  }
  if ((record.environment === null) !== (record.deployment_conclusion === null)) {
    problems.push("`environment` and `deployment_conclusion` go together: both null when the run deployed nowhere, both set when it did");
  }
  if (problems.length > 0) throw new MetricsFileError(source, problems);
  return {
    runId: record.run_id as number,
    runAttempt: record.run_attempt as number,
    workflow: record.workflow as string,
    event: record.event as string,
    branch: record.branch as string | null,
    commitSha: record.commit_sha as string,
    conclusion: record.conclusion as RunConclusion,
    environment: record.environment as string | null,
    deploymentConclusion: record.deployment_conclusion as DeploymentConclusion | null,
    startedAt: new Date(record.started_at as string),
    completedAt: new Date(record.completed_at as string),
  };
}

/** Parses and checks an incident record; with `now`, an instant still to come is refused. */
export function parseIncidentRecord(textOfFile: string, source: string, now?: Date): IncidentRecord {
  const record = checkFields(textOfFile, source, INCIDENT_FIELDS, "an incident");
  const problems = notInFuture(record, ["opened_at", "closed_at", "updated_at"], now);
  if (record.closed_at !== null && Date.parse(record.closed_at as string) < Date.parse(record.opened_at as string)) {
    problems.push(`\`closed_at\` must not be before \`opened_at\` (${record.closed_at} < ${record.opened_at})`);
  }
  if (problems.length > 0) throw new MetricsFileError(source, problems);
  return {
    issueNumber: record.issue_number as number,
    environment: record.environment as string | null,
    openedAt: new Date(record.opened_at as string),
    closedAt: record.closed_at === null ? null : new Date(record.closed_at as string),
    updatedAt: new Date(record.updated_at as string),
    withdrawn: record.withdrawn as boolean,
  };
}
