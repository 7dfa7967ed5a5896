/**
 * record-delivery-metrics.yml: the spec's workflow metrics (success rate per workflow, execution
 * time, deployment frequency, failure rate, MTTR). When a run of one of the application's workflows
 * completes, its attempt is recorded; when an incident issue opens, closes or reopens, the incident
 * is. Both go through the platform's `mlops-monitor` and the metrics function, like monitor-model's
 * metrics (docs/monitoring.md, "Delivery metrics").
 *
 * `workflow_run` runs here, on the default branch, with this repository's secrets, even when the
 * completed run was a fork's pull request: this workflow reads that run's metadata from the event
 * payload and its job names from the API, and never checks out or executes its code.
 */
import { MONITORING_ENVIRONMENT } from "../contracts/github";
import { RUNNER } from "./application";
import { ACTIONS } from "./actions";
import type { Step, Workflow } from "./model";
import { PLATFORM_TOOLS_DIR, platformCommand } from "./platform-tools";
import { awsCredentials, script, scriptFiles } from "./steps";

/** The label deploy-service puts on the issue a failed deployment opens. */
export const INCIDENT_LABEL = "incident";

/**
 * The environments a deploy job can deploy to, nearest first: a run that reached production
 * deployed there, whatever it did in staging before.
 */
export const DEPLOY_ENVIRONMENTS = ["staging", "production"] as const;

/**
 * How a deploy job is named once GitHub has evaluated its name: `Deploy to <environment>` (ci-cd),
 * `Deploy <service> to <environment>` (deploy-service). A test holds both workflows to it.
 */
export const DEPLOY_JOB_PATTERN = `^Deploy (.+ )?to (?<environment>${DEPLOY_ENVIRONMENTS.join("|")})$`;

/**
 * The hidden marker deploy-service's incident issue carries (`<!-- mlops-cicd incident: <environment>
 * <service> -->`), naming the environment. A test holds deploy-service's marker to it.
 */
export const INCIDENT_MARKER_PATTERN = `<!-- mlops-cicd incident: (?<environment>${DEPLOY_ENVIRONMENTS.join("|")}) `;

/** The platform's bundles and nothing else, from the default branch this workflow runs on. */
function checkoutPlatformTools(): Step {
  return {
    name: "Check out the platform tools",
    uses: ACTIONS.checkout,
    // No `ref`: the default branch's commit this run belongs to, never the completed run's head.
    with: { "persist-credentials": false, "sparse-checkout": PLATFORM_TOOLS_DIR },
  };
}

export function recordDeliveryMetricsWorkflow(watched: readonly Workflow[]): Workflow {
  const monitor = platformCommand("mlops-monitor.cjs");
  // The job's role may invoke the metrics function; its environment admits the default branch only,
  // which is where both events run.
  const common = {
    runsOn: RUNNER,
    environment: MONITORING_ENVIRONMENT.name,
    timeoutMinutes: 10,
  };
  return {
    fileName: "record-delivery-metrics.yml",
    name: "Record Delivery Metrics",
    on: {
      workflowRun: { workflows: watched.map((workflow) => workflow.name), types: ["completed"] },
      issues: { types: ["opened", "labeled", "closed", "reopened"] },
    },
    permissions: {},
    // No concurrency group: a group keeps one pending run and cancels the others, which would lose
    // records. The writes are upserts, so parallel runs are safe.
    jobs: {
      "record-run": {
        name: "Record the workflow run",
        if: "github.event_name == 'workflow_run'",
        ...common,
        // actions: the run's jobs, to tell which environment it deployed to; id-token: the role.
        permissions: { contents: "read", actions: "read", "id-token": "write" },
        env: { METRICS_FUNCTION: "${{ vars.METRICS_FUNCTION }}", RUN_FILE: "delivery/run.json" },
        steps: [
          checkoutPlatformTools(),
          {
            name: "Describe the run from the event",
            env: { GH_TOKEN: "${{ github.token }}", DEPLOY_JOB_PATTERN, DEPLOY_ENVIRONMENTS: DEPLOY_ENVIRONMENTS.join(" ") },
            run: scriptFiles("write-run-record"),
          },
          awsCredentials(),
          { name: "Record the run", run: script(`${monitor} record-run --file "$RUN_FILE"`) },
        ],
      },
      "record-incident": {
        name: "Record the incident",
        // Only people with triage access can label an issue, so the label is not anyone's to forge.
        if: `github.event_name == 'issues' && contains(github.event.issue.labels.*.name, '${INCIDENT_LABEL}')`,
        ...common,
        permissions: { contents: "read", "id-token": "write" },
        env: { METRICS_FUNCTION: "${{ vars.METRICS_FUNCTION }}", INCIDENT_FILE: "delivery/incident.json" },
        steps: [
          checkoutPlatformTools(),
          { name: "Describe the incident from the event", env: { INCIDENT_MARKER_PATTERN }, run: scriptFiles("write-incident-record") },
          awsCredentials(),
          { name: "Record the incident", run: script(`${monitor} record-incident --file "$INCIDENT_FILE"`) },
        ],
      },
    },
  };
}
