/**
 * monitor-model.yml: every 6 hours and by hand. Computes drift and data quality with the
 * application's code, stores the window's row with the platform's `mlops-monitor`, keeps one alert
 * issue per ongoing drift incident, raises a separate one when metrics stop arriving, and uploads the
 * report.
 */
import { MONITORING_ENVIRONMENT } from "../contracts/github";
import { DEFAULT_ALERT_THRESHOLD as DASHBOARD_ALERT_THRESHOLD } from "../contracts/monitoring";
import { RUNNER } from "./application";
import type { ApplicationLayout } from "../contracts/application";
import { mlflowEnv } from "./mlflow-steps";
import type { Workflow } from "./model";
import { platformCommand } from "./platform-tools";
import {
  PYTHON_VERSION,
  applicationCommand,
  awsCredentials,
  checkout,
  installPython,
  pathsFrom,
  script,
  setupPython,
  syncAlertIssue,
  uploadArtifact,
  validateInput,
} from "./steps";

export const ALERT_LABELS = ["model-monitoring", "alert", "drift-detection"] as const;
export const STALE_LABELS = ["model-monitoring", "alert"] as const;
export const DEFAULT_ALERT_THRESHOLD = String(DASHBOARD_ALERT_THRESHOLD);
/** Where the drift calculation writes the window's metrics, relative to the repository root. */
const METRICS_FILE = "monitoring-report/metrics.json";
const RUN_URL = "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}";

export function monitorModelWorkflow(settings: ApplicationLayout): Workflow {
  const monitor = platformCommand("mlops-monitor.cjs");
  return {
    fileName: "monitor-model.yml",
    name: "Model Monitoring Pipeline",
    on: {
      schedule: ["0 */6 * * *"],
      workflowDispatch: {
        inputs: {
          alert_threshold: {
            description: "Drift score above which an alert issue is opened",
            type: "string",
            required: false,
            default: DEFAULT_ALERT_THRESHOLD,
          },
        },
      },
    },
    permissions: {},
    // Runs queue rather than overlap: two writers of one window would race on the alert issue.
    concurrency: { group: "monitor-model", cancelInProgress: false },
    jobs: {
      monitor: {
        name: "Monitor model",
        runsOn: RUNNER,
        // Its environment holds the role that may invoke the metrics function, and nothing else.
        environment: MONITORING_ENVIRONMENT.name,
        // id-token: that role, through OIDC.
        permissions: { contents: "read", issues: "write", "id-token": "write" },
        timeoutMinutes: 30,
        env: {
          // Scheduled runs have no inputs: they use the default.
          ALERT_THRESHOLD: `\${{ inputs.alert_threshold || '${DEFAULT_ALERT_THRESHOLD}' }}`,
          MODEL_NAME: settings.modelName,
          METRICS_FILE,
          // The database is private: mlops-monitor stores and checks through this function in the VPC.
          METRICS_FUNCTION: "${{ vars.METRICS_FUNCTION }}",
        },
        steps: [
          validateInput("alert_threshold", "${{ env.ALERT_THRESHOLD }}", "^[0-9]+(\\.[0-9]+)?$", "a non-negative decimal number such as 0.5"),
          checkout(),
          setupPython(PYTHON_VERSION, settings.driftRequirementsFiles),
          installPython(settings.driftRequirementsFiles),
          applicationCommand(
            "Calculate drift and data-quality metrics",
            settings.driftCommand,
            { OUTPUT_FILE: "${{ env.METRICS_FILE }}", ...pathsFrom(settings.driftWorkingDirectory, { OUTPUT_FILE: METRICS_FILE }), ...mlflowEnv("monitoring") },
            settings.driftWorkingDirectory,
          ),
          // After the application's code ran: it never holds AWS credentials. Always: the freshness check
          // runs even when the drift calculation failed.
          { ...awsCredentials(), if: "always()" },
          {
            id: "drift",
            name: "Store the metrics and compare drift with the threshold",
            run: script(`${monitor} store --file "$METRICS_FILE" --threshold "$ALERT_THRESHOLD"`),
          },
          syncAlertIssue({
            id: "drift-issue",
            name: "Open, update or close the drift alert",
            marker: `mlops-cicd drift alert: ${settings.modelName}`,
            active: "${{ steps.drift.outputs.drift_detected }}",
            title: `Drift detected: ${settings.modelName}`,
            body: [
              "Drift score **${{ steps.drift.outputs.drift_score }}** exceeds the alert threshold **${{ env.ALERT_THRESHOLD }}**.",
              "",
              `Monitoring report: ${RUN_URL}`,
            ].join("\n"),
            recoveryBody: `Drift score \${{ steps.drift.outputs.drift_score }} is back within the threshold \${{ env.ALERT_THRESHOLD }} (${RUN_URL}). Closing.`,
            labels: ALERT_LABELS,
          }),
          {
            id: "freshness",
            name: "Check that metrics keep arriving",
            if: "always()",
            run: script(`${monitor} freshness --model "$MODEL_NAME"`),
          },
          syncAlertIssue({
            id: "stale-issue",
            name: "Open, update or close the stale-metrics alert",
            if: "always() && steps.freshness.outputs.stale != ''",
            marker: `mlops-cicd stale metrics: ${settings.modelName}`,
            active: "${{ steps.freshness.outputs.stale }}",
            title: `Monitoring stopped: no recent metrics for ${settings.modelName}`,
            body: [
              "No metrics window newer than the schedule allows (newest: **${{ steps.freshness.outputs.newest_age_hours || 'none' }}** hours old).",
              "",
              `Latest run: ${RUN_URL}`,
            ].join("\n"),
            recoveryBody: `Metrics arrive again (newest window \${{ steps.freshness.outputs.newest_age_hours }} hours old, ${RUN_URL}). Closing.`,
            labels: STALE_LABELS,
          }),
          uploadArtifact("monitoring-report-${{ github.run_id }}", "monitoring-report/", 30, "always()"),
        ],
      },
    },
  };
}
