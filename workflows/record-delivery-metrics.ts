/**
 * record-delivery-metrics.yml: the spec's workflow metrics (success rate per workflow, execution
 * time, deployment frequency, failure rate, MTTR). When a run of one of the application's workflows
 * completes, its attempt is recorded; when an incident issue opens, closes, reopens or loses its
 * label, or a failed deployment dispatches this workflow for the issue it opened, the incident is.
 * Both go through the platform's `mlops-monitor` and the metrics function, like monitor-model's
 * metrics (docs/monitoring.md, "Delivery metrics").
 *
 * `workflow_run` runs here, on the default branch, with this repository's secrets, even when the
 * completed run was a fork's pull request: the run recorder does not start for a fork's run, and
 * for the others reads the run's metadata from the event payload and its jobs and deployments
 * from the API, and never checks out or executes its code.
 */
import { MONITORING_ENVIRONMENT } from "../contracts/github";
import { RUNNER } from "./application";
import { ACTIONS } from "./actions";
import type { Step, Workflow } from "./model";
import { PLATFORM_TOOLS_DIR, platformCommand } from "./platform-tools";
import { INCIDENT_LABEL } from "../contracts/github";
import { INCIDENT_RECORDER } from "./incident-steps";
import { awsCredentials, script, scriptFiles, validateInput } from "./steps";

/** The account whose issues carry a marker the recorder believes: the workflows' own token's. */
export const INCIDENT_AUTHOR = "github-actions[bot]";

/**
 * The environments a deploy job can deploy to, nearest first: a run that reached production
 * deployed there, whatever it did in staging before.
 */
export const DEPLOY_ENVIRONMENTS = ["staging", "production"] as const;


/**
 * The hidden marker a failed deployment's incident issue carries (`<!-- mlops-cicd incident:
 * <environment> <service> -->`), naming the environment. A test holds deploy-service's and ci-cd's
 * markers to it.
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
    fileName: INCIDENT_RECORDER.fileName,
    name: "Record Delivery Metrics",
    on: {
      workflowRun: { workflows: watched.map((workflow) => workflow.name), types: ["completed"] },
      issues: { types: ["opened", "labeled", "unlabeled", "closed", "reopened"] },
      // The incident issues the workflows open themselves: their own events start nothing.
      workflowDispatch: {
        inputs: { [INCIDENT_RECORDER.input]: { description: "The incident issue to record, by number", type: "string", required: true } },
      },
    },
    permissions: {},
    // No concurrency group: a group keeps one pending run and cancels the others, which would lose
    // records. The writes are upserts, so parallel runs are safe.
    jobs: {
      "record-run": {
        name: "Record the workflow run",
        // A fork's run is no run of this repository's: not its delivery, and its payload is its
        // author's to shape. Decided here, so nothing of the job runs for it.
        if: "github.event_name == 'workflow_run' && github.event.workflow_run.head_repository.full_name == github.repository",
        ...common,
        // actions: the run's jobs; deployments: the deployments GitHub made for them, which tell
        // where the run deployed; id-token: the role.
        permissions: { contents: "read", actions: "read", deployments: "read", "id-token": "write" },
        env: { METRICS_FUNCTION: "${{ vars.METRICS_FUNCTION }}", RUN_FILE: "delivery/run.json" },
        steps: [
          checkoutPlatformTools(),
          {
            name: "Describe the run from the event",
            env: { GH_TOKEN: "${{ github.token }}", DEPLOY_ENVIRONMENTS: DEPLOY_ENVIRONMENTS.join(" ") },
            run: scriptFiles("write-run-record"),
          },
          awsCredentials(),
          { name: "Record the run", run: script(`${monitor} record-run --file "$RUN_FILE"`) },
        ],
      },
      "record-incident": {
        name: "Record the incident",
        // Only people with triage access can label an issue, so the label is not anyone's to forge.
        // An issue that lost the label stops being an incident; a dispatched one is read from the
        // API, and its label checked there.
        if: [
          "github.event_name == 'workflow_dispatch'",
          `(github.event_name == 'issues' && (contains(github.event.issue.labels.*.name, '${INCIDENT_LABEL}') || (github.event.action == 'unlabeled' && github.event.label.name == '${INCIDENT_LABEL}')))`,
        ].join(" || "),
        ...common,
        // issues: the dispatched issue, read from the API; id-token: the role.
        permissions: { contents: "read", issues: "read", "id-token": "write" },
        env: { METRICS_FUNCTION: "${{ vars.METRICS_FUNCTION }}", INCIDENT_FILE: "delivery/incident.json" },
        steps: [
          checkoutPlatformTools(),
          {
            ...validateInput(INCIDENT_RECORDER.input, `\${{ inputs.${INCIDENT_RECORDER.input} }}`, "^[1-9][0-9]{0,9}$", "an issue number such as 42"),
            if: "github.event_name == 'workflow_dispatch'",
          },
          {
            id: "incident",
            name: "Describe the incident",
            env: {
              GH_TOKEN: "${{ github.token }}",
              ISSUE_NUMBER: `\${{ inputs.${INCIDENT_RECORDER.input} }}`,
              INCIDENT_LABEL,
              INCIDENT_AUTHOR,
              INCIDENT_MARKER_PATTERN,
            },
            run: scriptFiles("write-incident-record"),
          },
          { ...awsCredentials(), if: "steps.incident.outputs.record == 'true'" },
          { name: "Record the incident", if: "steps.incident.outputs.record == 'true'", run: script(`${monitor} record-incident --file "$INCIDENT_FILE"`) },
        ],
      },
    },
  };
}
