/**
 * Facts about the application repository that the spec fixes and several places share: the
 * required status checks (also produced by the ci-cd workflow's job names) and the issue labels
 * (also applied by the monitoring and deployment workflows).
 */

/** The spec's "Required status checks" for `main`, as GitHub names the check runs. */
export const REQUIRED_STATUS_CHECKS: readonly string[] = Object.freeze([
  "lint",
  "test (3.11)",
  "validate-notebooks",
  "security-scan",
]);

/**
 * The environment monitor-model's job runs in: no reviewers or wait (it runs every 6 hours), only
 * the default branch. It scopes the job's AWS role (OIDC subject `environment:monitoring`) and
 * variables to that job.
 */
export const MONITORING_ENVIRONMENT = Object.freeze({
  name: "monitoring",
  waitTimerMinutes: 0,
  requiresReviewers: false,
  preventSelfReview: false,
  defaultBranchOnly: true,
  adminsCanBypass: false,
});

/**
 * The environment of the jobs that write the model registry (train-model's registration,
 * deploy-service's promotion): default branch only, so the one MLflow login that can change what
 * gets deployed is out of reach of any other branch's workflow. No reviewers: what it registers is
 * released by a release tag, and what it promotes was approved in `production` already.
 */
export const REGISTRY_ENVIRONMENT = Object.freeze({
  name: "model-registry",
  waitTimerMinutes: 0,
  requiresReviewers: false,
  preventSelfReview: false,
  defaultBranchOnly: true,
  adminsCanBypass: false,
});

/**
 * The GitHub Actions app. Pinning each required check to it means a status posted by any other
 * app or token with the same name cannot satisfy the rule.
 */
export const GITHUB_ACTIONS_INTEGRATION_ID = 15368;

export interface IssueLabelSpec {
  readonly name: string;
  /** Six hex digits, no `#`, as the labels API takes it. */
  readonly color: string;
  readonly description: string;
}

/** The label a failed deployment's issue carries, by which record-delivery-metrics knows it. */
export const INCIDENT_LABEL = "incident";

export const ISSUE_LABELS: readonly IssueLabelSpec[] = Object.freeze([
  { name: "model-monitoring", color: "1d76db", description: "Raised by the model monitoring pipeline" },
  { name: "alert", color: "d93f0b", description: "Needs attention: a monitored threshold was crossed" },
  { name: "drift-detection", color: "fbca04", description: "Data or prediction drift above the alert threshold" },
  { name: INCIDENT_LABEL, color: "b60205", description: "A failed or rolled-back deployment" },
]);
