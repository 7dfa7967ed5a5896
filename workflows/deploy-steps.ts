/**
 * Deployment steps shared by ci-cd and deploy-service: roll an ECS service to an image digest,
 * wait for the deployment to finish or roll back, and smoke-test the result.
 *
 * They talk to AWS through the environment's OIDC role and find the service through the
 * environment's variables: AWS_ROLE_ARN, AWS_REGION, ECS_CLUSTER, ECS_SERVICE_PREFIX (the service
 * of type T is `<prefix>-<T>`) and BATCH_SCHEDULE_GROUP (the batch job's schedule, also named
 * `<prefix>-batch`, is in that group). The runtime stack publishes them (docs/workflows.md).
 */
import { TEST_TRAFFIC_HEADER } from "../contracts/canary";
import type { LoadTestSettings } from "../contracts/application";
import { ACTIONS } from "./actions";
import type { Step } from "./model";
import { PLATFORM_TOOLS_DIR, platformCommand } from "./platform-tools";
import { script, scriptFiles, uploadArtifact } from "./steps";

export interface RolloutArgs {
  /** Expression for the service type: web-service, batch or mlflow-service. */
  readonly serviceType: string;
  /** Expression for the image digest (`sha256:…`) to deploy. */
  readonly imageDigest: string;
}

/**
 * `aws scheduler update-schedule` input from `get-schedule` output with another task definition
 * (`$td`): update-schedule replaces the whole schedule, so everything else is carried over.
 */
const SCHEDULE_UPDATE_JQ =
  "{Name, GroupName, Description, ScheduleExpression, ScheduleExpressionTimezone, FlexibleTimeWindow, State, StartDate, EndDate, KmsKeyArn, ActionAfterCompletion," +
  " Target: (.Target | .EcsParameters.TaskDefinitionArn = $td)} | with_entries(select(.value != null))";

/** Where a deployment's revision runs: an ECS service, or the batch job's schedule. */
const ROLLOUT_OUTPUTS = {
  ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
  BATCH_SCHEDULE_GROUP: "${{ vars.BATCH_SCHEDULE_GROUP }}",
  KIND: "${{ steps.rollout.outputs.kind }}",
  SERVICE: "${{ steps.rollout.outputs.service }}",
  PREVIOUS: "${{ steps.rollout.outputs.previous }}",
  NEXT: "${{ steps.rollout.outputs.next }}",
  CONTAINER: "${{ steps.rollout.outputs.container }}",
} as const;

/**
 * Registers a task definition that differs from the running one only by the image and records
 * both revisions (outputs `kind`, `service`, `previous`, `next`) for a rollback. A service is
 * pointed at it at once (ECS's strategy then rolls it out); the batch job's schedule keeps the
 * running revision until a trial run of the new one succeeds (`trialRun`).
 */
export function startRollout(args: RolloutArgs): Step {
  return {
    id: "rollout",
    name: "Start the rollout",
    env: {
      SERVICE_TYPE: args.serviceType,
      IMAGE_DIGEST: args.imageDigest,
      ECS_CLUSTER: "${{ vars.ECS_CLUSTER }}",
      ECS_SERVICE_PREFIX: "${{ vars.ECS_SERVICE_PREFIX }}",
      BATCH_SCHEDULE_GROUP: "${{ vars.BATCH_SCHEDULE_GROUP }}",
    },
    run: scriptFiles("start-rollout"),
  };
}

/**
 * Waits until the service's deployment of the new revision has COMPLETED, and fails when ECS
 * rolled it back (FAILED) or it did not settle in time. ECS's own strategy (canary or rolling with
 * the circuit breaker) decides; this step only reports it. Services only: see `trialRun`.
 */
export function waitForRollout(name: string, timeoutMinutes: number): Step {
  return {
    id: "rollout-state",
    name,
    if: "steps.rollout.outputs.kind == 'service'",
    timeoutMinutes: timeoutMinutes + 1,
    env: { ...ROLLOUT_OUTPUTS, DEADLINE_MINUTES: String(timeoutMinutes) },
    run: scriptFiles("wait-for-rollout"),
  };
}

/**
 * The batch job's rollout: runs the new revision once, in the schedule's own network, and points
 * the schedule at it only when that run exits 0. A failed run prints the end of its log.
 */
export function trialRun(name: string, timeoutMinutes: number): Step {
  return {
    id: "trial-run",
    name,
    if: "steps.rollout.outputs.kind == 'schedule'",
    timeoutMinutes: timeoutMinutes + 1,
    env: { ...ROLLOUT_OUTPUTS, DEADLINE_MINUTES: String(timeoutMinutes), SCHEDULE_UPDATE: SCHEDULE_UPDATE_JQ },
    run: scriptFiles("trial-run"),
  };
}

/**
 * Smoke test per service type: the web service and the MLflow model server answer a prediction for
 * a known trip; the batch job's schedule is enabled and runs the new revision (its trial run has
 * already scored a batch).
 */
export function smokeTest(name: string, serviceType: string, apiUrl: string): Step {
  return {
    name,
    env: { SERVICE_TYPE: serviceType, API_URL: apiUrl, ...ROLLOUT_OUTPUTS },
    run: scriptFiles("smoke-test"),
  };
}

/**
 * Puts the previous revision back when ECS has not already done so (a failure after the rollout,
 * in the smoke test, leaves the new revision serving), and the batch job's schedule back on its
 * previous revision when it had moved.
 */
export function rollBack(): Step {
  return {
    id: "rollback",
    name: "Roll back to the previous revision",
    if: "failure() && steps.rollout.outputs.previous != ''",
    env: { ...ROLLOUT_OUTPUTS, SCHEDULE_UPDATE: SCHEDULE_UPDATE_JQ },
    run: scriptFiles("roll-back"),
  };
}

/**
 * After a successful deployment, moves the environment's tag (`:staging`, `:production`) to the
 * deployed digest: a record on GHCR, outside the AWS account, of what each environment last ran
 * successfully, for a rollback or a rebuild (docs/deploy.md).
 */
export function promoteImage(serviceType: string, imageDigest: string, environment: string): Step[] {
  return [
    {
      name: "Log in to GHCR",
      uses: ACTIONS.dockerLogin,
      with: { registry: "${{ env.DOCKER_REGISTRY }}", username: "${{ github.actor }}", password: "${{ secrets.GITHUB_TOKEN }}" },
    },
    {
      name: "Promote the image to the environment's tag",
      env: { SERVICE_TYPE: serviceType, IMAGE_DIGEST: imageDigest, ENVIRONMENT: environment },
      run: scriptFiles("promote-image"),
    },
  ];
}

/** Where the load test writes its report (load-test.json, load-test.md), uploaded as an artifact. */
export const LOAD_TEST_REPORT_DIR = "load-test";
/** The runner's Node.js for the platform's bundles, which are built for it (tools/platform-bundle.ts). */
export const PLATFORM_NODE_VERSION = "20";
/** How long the new revision's tasks may take to come up and take the test route. */
const TEST_ROUTE_DEADLINE_MINUTES = 15;

export interface LoadTestArgs {
  /** The stack's shape and limits of the test. */
  readonly settings: LoadTestSettings;
  /** Expression for the routed service type: web-service or mlflow-service. */
  readonly serviceType: string;
  /** Expression for the environment's API URL: the test route is a rule of its host. */
  readonly apiUrl: string;
  /** When the steps run. @default always, while the job succeeds */
  readonly condition?: string;
  /** The job has checked out the repository already, bundles included: no second checkout. */
  readonly checkedOut?: boolean;
}

/**
 * The load test of a routed service's new revision while its production canary runs: waits until
 * ECS points the test route at the new revision, then sends it the service's prediction requests
 * with the test-traffic header (its value the environment's secret), so nothing else reaches the
 * revision through that route and the limits judge it alone. A broken limit fails the step, which skips the full rollout and
 * everything that promotes, and runs `rollBack` (docs/deploy.md). Upload the report with
 * `uploadLoadTestReport`.
 */
export function loadTestSteps(args: LoadTestArgs): Step[] {
  const { settings, condition } = args;
  const command = [
    platformCommand("mlops-load-test.cjs"),
    '--url "$API_URL" --service "$SERVICE_TYPE" --header "$TEST_TRAFFIC_HEADER_NAME: $TEST_TRAFFIC_HEADER_VALUE"',
    '--concurrency "$CONCURRENCY" --duration "$DURATION_SECONDS"',
    '--max-p95-ms "$MAX_P95_MS" --max-p99-ms "$MAX_P99_MS" --max-error-rate "$MAX_ERROR_RATE" --min-throughput "$MIN_THROUGHPUT"',
    '--report-dir "$REPORT_DIR"',
  ].join(" ");
  const checkoutTools: Step[] = args.checkedOut
    ? []
    : [
        {
          name: "Check out the platform's tools",
          if: condition,
          uses: ACTIONS.checkout,
          // Only the committed bundles: this job runs nothing else of the repository.
          with: { "persist-credentials": false, "sparse-checkout": PLATFORM_TOOLS_DIR },
        },
      ];
  return [
    ...checkoutTools,
    // Explicit rather than whatever the runner image ships: the bundles target this version.
    { name: "Set up Node.js", if: condition, uses: ACTIONS.setupNode, with: { "node-version": PLATFORM_NODE_VERSION } },
    {
      name: "Wait for the test route to reach the new revision",
      if: condition,
      timeoutMinutes: TEST_ROUTE_DEADLINE_MINUTES + 1,
      env: { ...ROLLOUT_OUTPUTS, DEADLINE_MINUTES: String(TEST_ROUTE_DEADLINE_MINUTES) },
      run: scriptFiles("wait-for-test-traffic"),
    },
    {
      id: "load-test",
      name: "Load test the new revision",
      if: condition,
      timeoutMinutes: Math.ceil(settings.durationSeconds / 60) + 2,
      env: {
        API_URL: args.apiUrl,
        SERVICE_TYPE: args.serviceType,
        TEST_TRAFFIC_HEADER_NAME: TEST_TRAFFIC_HEADER.name,
        // The stack's secret value, from production's environment: never in the YAML, masked in the log.
        TEST_TRAFFIC_HEADER_VALUE: `\${{ secrets.${TEST_TRAFFIC_HEADER.secret} }}`,
        CONCURRENCY: String(settings.concurrency),
        DURATION_SECONDS: String(settings.durationSeconds),
        MAX_P95_MS: String(settings.maxP95Ms),
        MAX_P99_MS: String(settings.maxP99Ms),
        MAX_ERROR_RATE: settings.maxErrorRate,
        MIN_THROUGHPUT: settings.minThroughput,
        REPORT_DIR: LOAD_TEST_REPORT_DIR,
      },
      run: script(command),
    },
  ];
}

/** The load test's report as an artifact, whether it passed or not: what a promotion was judged on. */
export function uploadLoadTestReport(): Step {
  return { ...uploadArtifact("load-test-report-${{ github.run_id }}", `${LOAD_TEST_REPORT_DIR}/`, 30), if: "always() && steps.load-test.outcome != 'skipped'" };
}
