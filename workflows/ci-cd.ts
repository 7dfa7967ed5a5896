/**
 * ci-cd.yml, the spec's main pipeline: on pushes to main and develop, on pull requests, and by
 * hand. The jobs named `lint`, `test` (as `test (3.11)`), `validate-notebooks` and `security-scan`
 * are the required checks of `main`; everything independent runs in parallel (docs/workflows.md).
 */
import { IMAGE_ENV, RUNNER, lines } from "./application";
import type { ApplicationLayout } from "../contracts/application";
import { ACTIONS } from "./actions";
import { checkDashboards, loadDashboards } from "./dashboard-steps";
import { loadTestSteps, promoteImage, rollBack, smokeTest, startRollout, uploadLoadTestReport, waitForRollout } from "./deploy-steps";
import { buildAndPushImage } from "./image-steps";
import { incidentIssueSteps } from "./incident-steps";
import { mlflowEnv } from "./mlflow-steps";
import type { Job, Step, Workflow } from "./model";
import { platformCommand } from "./platform-tools";
import {
  applicationCommand,
  awsCredentials,
  checkout,
  downloadArtifact,
  downloadTrainingData,
  installPython,
  isPipfileLock,
  pathsFrom,
  PYTHON_VERSION,
  script,
  scriptFiles,
  setupPython,
  TEST_PYTHON_VERSIONS,
  uploadArtifact,
} from "./steps";
import { TRAINING_PATHS } from "./train-model";

/** The month ci-cd trains on: small enough for every push, the spec's example month. */
const CI_DATA_MONTH = "2021-01";
const IS_PUSH_TO_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'";
const NOT_A_PULL_REQUEST = "github.event_name != 'pull_request'";

export function ciCdWorkflow(settings: ApplicationLayout): Workflow {
  const python = [setupPython(PYTHON_VERSION, settings.requirementsFiles)];
  // pip-audit covers every file a workflow installs.
  const audited = [...new Set([...settings.requirementsFiles, ...settings.trainRequirementsFiles, ...settings.driftRequirementsFiles])];

  const lint: Job = {
    name: "lint",
    runsOn: RUNNER,
    permissions: { contents: "read" },
    timeoutMinutes: 15,
    env: { LINT_PATHS: lines(settings.lintPaths) },
    steps: [
      checkout(),
      ...python,
      installPython(settings.requirementsFiles, ["black", "isort", "flake8", "pylint"]),
      linter("Black", "black"),
      linter("isort", "isort"),
      linter("Flake8", "flake8"),
      // Pylint's score is advisory: the three checks above gate, Pylint reports (spec: non-critical
      // steps continue on error).
      { ...linter("Pylint", "pylint"), continueOnError: true },
      { ...checkDashboards(settings.dashboardsDirectory), if: "!cancelled()" },
    ],
  };

  const test: Job = {
    name: "test",
    runsOn: RUNNER,
    permissions: { contents: "read" },
    timeoutMinutes: 20,
    strategy: { matrix: { "python-version": [...TEST_PYTHON_VERSIONS] }, failFast: false },
    steps: [
      checkout(),
      setupPython("${{ matrix.python-version }}", settings.requirementsFiles),
      installPython(settings.requirementsFiles, ["pytest"]),
      applicationCommand("Unit tests", settings.testCommand, undefined, settings.testWorkingDirectory),
    ],
  };

  const validateNotebooks: Job = {
    name: "validate-notebooks",
    runsOn: RUNNER,
    permissions: { contents: "read" },
    timeoutMinutes: 10,
    env: { NOTEBOOK_PATHS: lines(settings.lintPaths) },
    steps: [
      checkout(),
      ...python,
      installPython(undefined, ["nbformat"]),
      {
        name: "Validate notebooks",
        run: scriptFiles("validate-notebooks"),
      },
    ],
  };

  const securityScan: Job = {
    name: "security-scan",
    runsOn: RUNNER,
    permissions: { contents: "read", "security-events": "write", actions: "read" },
    timeoutMinutes: 30,
    steps: [
      checkout(),
      ...python,
      installPython(undefined, audited.some(isPipfileLock) ? ["pip-audit", "pipenv"] : ["pip-audit"]),
      // Nothing to audit when the workflows install nothing of the application's.
      ...(audited.length > 0 ? [{ name: "pip-audit", env: { REQUIREMENTS_FILES: lines(audited) }, run: scriptFiles("audit-requirements") }] : []),
      {
        name: "Trivy filesystem scan",
        if: "!cancelled()",
        uses: ACTIONS.trivy,
        with: {
          "scan-type": "fs",
          "scan-ref": ".",
          severity: "CRITICAL,HIGH",
          "ignore-unfixed": true,
          format: "sarif",
          output: "trivy.sarif",
          "exit-code": "1",
        },
      },
      {
        name: "Upload Trivy findings",
        if: "always() && hashFiles('trivy.sarif') != ''",
        uses: ACTIONS.codeqlUploadSarif,
        with: { "sarif_file": "trivy.sarif", category: "trivy" },
      },
      // CodeQL runs even when an audit above failed, so one finding never hides the others.
      { name: "Initialize CodeQL", if: "!cancelled()", uses: ACTIONS.codeqlInit, with: { languages: "python" } },
      { name: "CodeQL analysis", if: "!cancelled()", uses: ACTIONS.codeqlAnalyze, with: { category: "codeql-python" } },
    ],
  };

  const imageBuild = (context: string, push: boolean) =>
    buildAndPushImage({
      service: "web-service",
      context,
      tags: "type=sha,format=long\ntype=ref,event=branch\ntype=ref,event=pr\n",
      push,
    });
  // The web service's image, built and deployed here; a repository that builds none deploys nothing here.
  const imageJobs = (context: string): Record<string, Job> => ({
    "build-image": {
      name: "Build and push image",
      needs: ["lint", "test"],
      if: NOT_A_PULL_REQUEST,
      runsOn: RUNNER,
      // packages: push to GHCR; id-token: keyless cosign signature; security-events: the image scan's
      // findings. Never on a pull request's code.
      permissions: { contents: "read", packages: "write", "id-token": "write", "security-events": "write" },
      timeoutMinutes: 30,
      outputs: { digest: "${{ steps.build.outputs.digest }}" },
      steps: [checkout(), ...imageBuild(context, true)],
    },
    // A pull request's image is built and scanned to prove it builds and passes the scan, with a
    // token that can write nothing.
    "build-image-pr": {
      name: "Build image (pull request)",
      needs: ["lint", "test"],
      if: "github.event_name == 'pull_request'",
      runsOn: RUNNER,
      permissions: { contents: "read" },
      timeoutMinutes: 30,
      steps: [checkout(), ...imageBuild(context, false)],
    },
  });

  const trainModel: Job = {
    name: "Train model",
    needs: ["test"],
    if: NOT_A_PULL_REQUEST,
    runsOn: RUNNER,
    permissions: { contents: "read" },
    timeoutMinutes: 60,
    env: {
      MODEL_TYPE: "linear_regression",
      DATA_MONTH: CI_DATA_MONTH,
      EXPERIMENT_NAME: "ci-${{ github.ref_name }}",
      ...TRAINING_PATHS,
    },
    steps: [
      checkout(),
      setupPython(PYTHON_VERSION, settings.trainRequirementsFiles),
      installPython(settings.trainRequirementsFiles),
      downloadTrainingData(settings.dataUrlTemplate),
      // Only the step that runs the training code gets the MLflow login.
      applicationCommand(
        "Train",
        settings.trainCommand,
        { ...pathsFrom(settings.trainWorkingDirectory, TRAINING_PATHS), ...mlflowEnv("training") },
        settings.trainWorkingDirectory,
      ),
      uploadArtifact("training-output", "training-output/", 30),
    ],
  };

  const validateModel: Job = {
    name: "Validate model",
    needs: ["train-model"],
    runsOn: RUNNER,
    permissions: {},
    timeoutMinutes: 10,
    steps: [
      downloadArtifact("training-output", "training-output"),
      {
        name: "Check the validation RMSE",
        env: { MAX_RMSE: settings.modelMaxRmse, TRAINING_FILE: "training-output/training.json" },
        run: scriptFiles("check-rmse"),
      },
    ],
  };

  // The monitoring stack's storage path, end to end: the platform's migrations, then a sample of
  // what the drift calculation writes through the same command monitor-model runs, into PostgreSQL.
  const monitor = platformCommand("mlops-monitor.cjs");
  const monitoringCheck: Job = {
    name: "Monitoring stack check",
    needs: ["lint"],
    runsOn: RUNNER,
    permissions: { contents: "read" },
    timeoutMinutes: 10,
    services: { postgres: postgresService() },
    env: { METRICS_FILE: "monitoring-check/metrics.json", METRICS_DATABASE_URL: "postgresql://postgres@localhost:5432/test" },
    steps: [
      checkout(),
      { name: "Apply the metrics migrations", run: script(`${monitor} migrate`) },
      {
        name: "Write a sample metrics window",
        run: scriptFiles("write-sample-metrics"),
      },
      { name: "Store it and compare drift", run: script(`${monitor} store --file "$METRICS_FILE" --threshold 0.5`) },
      { name: "Store it again: the window is updated, not doubled", run: script(`${monitor} store --file "$METRICS_FILE" --threshold 0.5`) },
      { name: "Check freshness", run: script(`${monitor} freshness --model ci-sample`) },
    ],
  };

  const integrationTests: Job = {
    name: "Integration tests",
    needs: ["test"],
    runsOn: RUNNER,
    permissions: { contents: "read" },
    timeoutMinutes: 20,
    services: { postgres: postgresService() },
    env: PG_ENV,
    steps: [
      checkout(),
      ...python,
      installPython(settings.requirementsFiles, ["pytest"]),
      applicationCommand("Integration tests", settings.integrationTestCommand, undefined, settings.testWorkingDirectory),
    ],
  };

  const deploy = (environment: "staging" | "production", needs: string[], apiUrl: string): Job => ({
    name: `Deploy to ${environment}`,
    needs,
    if: IS_PUSH_TO_MAIN,
    runsOn: RUNNER,
    environment: { name: environment, url: apiUrl },
    // One deployment per environment at a time, shared with deploy-service; never cancelled halfway.
    concurrency: { group: `deploy-${environment}`, cancelInProgress: false },
    // issues and actions: the incident issue after a failure, and the dispatch that records it.
    permissions: { contents: "read", "id-token": "write", packages: "write", issues: "write", actions: "write" },
    // Production adds the wait for the test route and the load test (up to 19 minutes).
    timeoutMinutes: environment === "production" ? 65 : 45,
    steps: [
      checkout(),
      awsCredentials(),
      // Before the rollout, so a refused dashboard stops the job before anything changed.
      loadDashboards(settings.dashboardsDirectory),
      startRollout({ serviceType: "web-service", imageDigest: "${{ needs.build-image.outputs.digest }}" }),
      // Production's canary: the same load test as deploy-service's, before the rest of the traffic moves.
      ...(environment === "production" ? loadTestSteps({ settings: settings.loadTest, serviceType: "web-service", apiUrl, checkedOut: true }) : []),
      waitForRollout("Wait for the rollout", 30),
      smokeTest("Smoke test", "web-service", apiUrl),
      ...promoteImage("web-service", "${{ needs.build-image.outputs.digest }}", environment),
      ...(environment === "production" ? [uploadLoadTestReport()] : []),
      rollBack(),
      // As deploy-service's: a failed deployment of either environment is an incident.
      ...incidentIssueSteps({
        environment,
        service: "web-service",
        title: `Deployment failed: web-service \${{ github.sha }} to ${environment}`,
        body: [
          `Deploying **web-service** at \${{ github.sha }} to **${environment}** failed and was rolled back.`,
          "",
          "- service: ${{ steps.rollout.outputs.service || 'not reached' }}",
          "- previous task definition (restored): ${{ steps.rollout.outputs.previous || 'none' }}",
          "- failed task definition: ${{ steps.rollout.outputs.next || 'none registered' }}",
          "- rollback: ${{ steps.rollback.outcome == 'skipped' && 'not needed (nothing had moved)' || steps.rollback.outcome }}",
          // Production alone runs the load test (docs/deploy.md): its outcome, as deploy-service's issue gives it.
          ...(environment === "production" ? ["- load test: ${{ steps.load-test.outcome == 'skipped' && 'not run' || steps.load-test.outcome }}"] : []),
          "- run: ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
        ].join("\n"),
      }),
    ],
  });

  // Notify reports on every job: its `needs` is the list itself, never a copy to keep in step.
  const jobs: Record<string, Job> = {
    lint,
    test,
    "validate-notebooks": validateNotebooks,
    "security-scan": securityScan,
    ...(settings.webServiceDirectory !== undefined ? imageJobs(settings.webServiceDirectory) : {}),
    "train-model": trainModel,
    "validate-model": validateModel,
    "monitoring-check": monitoringCheck,
    "integration-tests": integrationTests,
    ...(settings.webServiceDirectory !== undefined
      ? {
          "deploy-staging": deploy(
            "staging",
            ["build-image", "validate-model", "integration-tests", "monitoring-check", "security-scan", "validate-notebooks"],
            "${{ vars.STAGING_API_URL }}",
          ),
          "deploy-production": deploy("production", ["build-image", "deploy-staging"], "${{ vars.PROD_API_URL }}"),
        }
      : {}),
  };

  return {
    fileName: "ci-cd.yml",
    name: "CI/CD Pipeline",
    on: {
      push: { branches: ["main", "develop"] },
      pullRequest: { branches: ["main", "develop"] },
      workflowDispatch: {},
    },
    permissions: {},
    env: { ...IMAGE_ENV },
    // A new push to a pull request supersedes its running checks; branch runs always finish.
    concurrency: {
      group: "ci-cd-${{ github.event.pull_request.number || github.ref }}",
      cancelInProgress: "${{ github.event_name == 'pull_request' }}",
    },
    jobs: { ...jobs, notify: notifyJob(Object.keys(jobs)) },
  };
}

/** A linter over the job's LINT_PATHS (one path a line): workflows/scripts/lint-<tool>.sh. */
function linter(name: string, tool: "black" | "isort" | "flake8" | "pylint"): Step {
  return { name, run: scriptFiles(`lint-${tool}`) };
}

/** libpq's variables for the PostgreSQL service container, for the integration tests. */
const PG_ENV = Object.freeze({ PGHOST: "localhost", PGPORT: "5432", PGUSER: "postgres", PGDATABASE: "test" });

function postgresService() {
  return {
    image: "postgres:15",
    // A throwaway container reachable only from this job: trust auth, so no password exists to leak.
    env: { POSTGRES_DB: "test", POSTGRES_HOST_AUTH_METHOD: "trust" },
    ports: ["5432:5432"],
    options: "--health-cmd pg_isready --health-interval 10s --health-timeout 5s --health-retries 5",
  };
}

/** Sums up the run in Slack, when a webhook is configured. */
function notifyJob(needs: string[]): Job {
  return {
    name: "Notify",
    needs,
    if: "always()",
    runsOn: RUNNER,
    permissions: {},
    timeoutMinutes: 5,
    env: { SLACK_WEBHOOK_URL: "${{ secrets.SLACK_WEBHOOK_URL }}" },
    steps: [
      {
        id: "status",
        name: "Summarize the run",
        env: { RESULTS: "${{ toJSON(needs) }}" },
        run: scriptFiles("summarize-run"),
      },
      {
        name: "Notify Slack",
        if: "env.SLACK_WEBHOOK_URL != ''",
        uses: ACTIONS.slack,
        with: {
          webhook: "${{ secrets.SLACK_WEBHOOK_URL }}",
          "webhook-type": "incoming-webhook",
          payload: 'text: "${{ github.workflow }} on ${{ github.ref_name }} ${{ steps.status.outputs.text }}: ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"\n',
        },
      },
    ],
  };
}
