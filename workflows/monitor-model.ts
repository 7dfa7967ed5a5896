/**
 * monitor-model.yml: every 6 hours and by hand. Computes drift and data quality with the
 * application's code, stores the row, keeps one alert issue per ongoing drift incident, and uploads
 * the report.
 */
import { RUNNER, WorkflowSettings } from "./application";
import type { Workflow } from "./model";
import { compareDrift, validateMetrics, writeMetrics } from "./monitoring-steps";
import { PYTHON_VERSION, checkout, installPython, runCommand, setupPython, syncAlertIssue, uploadArtifact, validateInput } from "./steps";

export const ALERT_LABELS = ["model-monitoring", "alert", "drift-detection"] as const;
export const DEFAULT_ALERT_THRESHOLD = "0.5";

export function monitorModelWorkflow(settings: WorkflowSettings): Workflow {
  const metricsFile = "monitoring-report/metrics.json";
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
        permissions: { contents: "read", issues: "write" },
        timeoutMinutes: 30,
        env: {
          // Scheduled runs have no inputs: they use the default.
          ALERT_THRESHOLD: `\${{ inputs.alert_threshold || '${DEFAULT_ALERT_THRESHOLD}' }}`,
          MODEL_NAME: settings.modelName,
        },
        steps: [
          validateInput("alert_threshold", "${{ env.ALERT_THRESHOLD }}", "^[0-9]+(\\.[0-9]+)?$", "a non-negative decimal number such as 0.5"),
          checkout(),
          setupPython(PYTHON_VERSION, settings.requirementsFile),
          installPython(settings.requirementsFile),
          runCommand("Calculate drift and data-quality metrics", settings.driftCommand, {
            OUTPUT_FILE: metricsFile,
            MLFLOW_TRACKING_URI: "${{ secrets.MLFLOW_TRACKING_URI }}",
            METRICS_DATABASE_URL: "${{ secrets.METRICS_DATABASE_URL }}",
          }),
          validateMetrics(metricsFile),
          writeMetrics(metricsFile, "${{ secrets.METRICS_DATABASE_URL }}"),
          compareDrift(metricsFile, "${{ env.ALERT_THRESHOLD }}"),
          syncAlertIssue({
            name: "Open, update or close the drift alert",
            marker: `mlops-cicd drift alert: ${settings.modelName}`,
            active: "${{ steps.drift.outputs.drift_detected }}",
            title: `Drift detected: ${settings.modelName}`,
            body: [
              "Drift score **${{ steps.drift.outputs.drift_score }}** exceeds the alert threshold **${{ env.ALERT_THRESHOLD }}**.",
              "",
              "Monitoring report: ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
            ].join("\n"),
            recoveryBody:
              "Drift score ${{ steps.drift.outputs.drift_score }} is back within the threshold ${{ env.ALERT_THRESHOLD }} " +
              "(run ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}). Closing.",
            labels: ALERT_LABELS,
          }),
          uploadArtifact("monitoring-report-${{ github.run_id }}", "monitoring-report/", 30, "always()"),
        ],
      },
    },
  };
}
