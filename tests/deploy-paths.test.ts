/**
 * deploy-service.yml's deploy job, run end to end against fake AWS, MLflow, GHCR and GitHub for each
 * service type and environment: the path that ships, the paths that roll back, and the incident
 * issue. The job is the rendered YAML, run step by step as a runner would (tests/workflow-runner.ts).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { SERVICE_TYPES } from "../workflows/application";
import { BUNDLE_DIR, PLATFORM_TOOLS_DIR } from "../workflows/platform-tools";
import { renderedWorkflowsByStack } from "../tools/render-workflows";
import { Issue, JobResult, REPOSITORY, World, runJob } from "./workflow-runner";

type ServiceType = (typeof SERVICE_TYPES)[number];
type Environment = "staging" | "production";

const production = renderedWorkflowsByStack().get("production")!;
const workflow = parse(production.get("deploy-service.yml")!);
const ciCdWorkflow = parse(production.get("ci-cd.yml")!);
// The load tests as rendered, made short: a fifth of a second from two clients instead of the configured minute.
for (const job of [workflow.jobs.deploy, ciCdWorkflow.jobs["deploy-production"]]) {
  const loadTestStep = (job.steps as { id?: string; env: Record<string, string> }[]).find((step) => step.id === "load-test")!;
  Object.assign(loadTestStep.env, { DURATION_SECONDS: "0.2", CONCURRENCY: "2" });
}
/** The committed bundle, where the job's checkout puts it (the runner's checkout is a no-op). */
const PLATFORM_FILES = { [`${PLATFORM_TOOLS_DIR}/mlops-load-test.cjs`]: fs.readFileSync(path.join(BUNDLE_DIR, "mlops-load-test.cjs"), "utf8") };
/** Production's environment secret: the stack's generated test-traffic header value (contracts/canary.ts). */
const TEST_TRAFFIC_SECRET = "5d0c9a7e41b2f38d6e0a9c4b7f1e2d3c8b5a6f9e0d1c2b3a4f5e6d7c8b9a0f1e";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const OLD_DIGEST = `sha256:${"0".repeat(64)}`;
/** The model API the load test reaches: a real server on loopback (the smoke test's curl is a fake that reads `world.http`). */
let API_URL: string;
let failingApiUrl: string;
let requestLog: string;
const servers: ChildProcess[] = [];

function startApi(mode: "ok" | "failing", log: string): Promise<string> {
  const server = spawn(process.execPath, [path.join(__dirname, "fakes", "fake-model-api.js"), mode, log], { stdio: ["ignore", "pipe", "inherit"] });
  servers.push(server);
  return new Promise((resolve) => server.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8").trim())));
}

beforeAll(async () => {
  requestLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "model-api-")), "requests.log");
  [API_URL, failingApiUrl] = await Promise.all([startApi("ok", requestLog), startApi("failing", requestLog)]);
});
afterAll(() => {
  for (const server of servers) server.kill();
  fs.rmSync(path.dirname(requestLog), { recursive: true, force: true });
});
const cluster = (environment: Environment) => `mlops-cicd-${environment}`;
const previousRevision = (environment: Environment, type: ServiceType) =>
  `arn:aws:ecs:eu-west-1:123456789012:task-definition/${cluster(environment)}-${type}:3`;
const nextRevision = (environment: Environment, type: ServiceType) =>
  `arn:aws:ecs:eu-west-1:123456789012:task-definition/${cluster(environment)}-${type}:4`;
const scheduleId = (environment: Environment) => `${cluster(environment)}/${cluster(environment)}-batch`;

/** What GitHub delivers with a run started by hand: the repository, with its default branch. */
const DISPATCH_EVENT = { repository: { full_name: REPOSITORY, default_branch: "main" } };

/** What the environment looks like before the deployment: the previous release serving everywhere. */
function world(environment: Environment, type: ServiceType, changes: Partial<World> = {}): World {
  const family = `${cluster(environment)}-${type}`;
  const previous = previousRevision(environment, type);
  return {
    clock: 1_800_000_000,
    services: type === "batch" ? {} : { [family]: { taskDefinition: previous } },
    schedules: {
      [scheduleId(environment)]: {
        Arn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${scheduleId(environment)}`,
        Name: `${cluster(environment)}-batch`,
        GroupName: cluster(environment),
        CreationDate: "2026-11-01T03:00:00Z",
        LastModificationDate: "2026-11-01T03:00:00Z",
        ScheduleExpression: "cron(0 3 * * ? *)",
        ScheduleExpressionTimezone: "UTC",
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "ENABLED",
        Target: {
          Arn: `arn:aws:ecs:eu-west-1:123456789012:cluster/${cluster(environment)}`,
          RoleArn: `arn:aws:iam::123456789012:role/${cluster(environment)}-batch-scheduler`,
          EcsParameters: {
            TaskDefinitionArn: previousRevision(environment, "batch"),
            LaunchType: "FARGATE",
            NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ["subnet-a", "subnet-b"], SecurityGroups: ["sg-services"], AssignPublicIp: "DISABLED" } },
          },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        },
      },
    },
    taskDefinitions: {
      [previous]: {
        taskDefinitionArn: previous,
        family,
        revision: 3,
        status: "ACTIVE",
        registeredAt: "2026-11-01T03:00:00Z",
        compatibilities: ["EC2", "FARGATE"],
        requiresAttributes: [],
        networkMode: "awsvpc",
        containerDefinitions: [{ name: type, image: `ghcr.io/${REPOSITORY}/${type}@${OLD_DIGEST}` }],
      },
    },
    tasks: {},
    trialExitCode: 0,
    alarmsFiring: [],
    http: {
      "GET /api/2.0/mlflow/registered-models/get": { status: 200, body: { registered_model: { name: "nyc-taxi-trip-duration" } } },
      "GET /api/2.0/mlflow/registered-models/alias": { status: 200, body: { model_version: { version: "6" } } },
      "POST /api/2.0/mlflow/registered-models/alias": { status: 200, body: {} },
      "POST /predict": { status: 200, body: { duration: 17.4, model_version: "v1.2.3" } },
      "POST /invocations": { status: 200, body: { predictions: [17.4] } },
    },
    registryAliases: {},
    promotedTags: {},
    calls: [],
    ...changes,
  };
}

function deploy(
  environment: Environment,
  type: ServiceType,
  changes: Partial<World> = {},
  issues: Issue[] = [],
  apiUrl = API_URL,
  environmentSecrets: Record<string, string> = environment === "production" ? { TEST_TRAFFIC_HEADER_VALUE: TEST_TRAFFIC_SECRET } : {},
): Promise<JobResult> {
  const prefix = environment === "production" ? "PROD" : "STAGING";
  return runJob({
    workflow,
    job: "deploy",
    inputs: { environment, model_version: "v1.2.3", service_type: type },
    vars: {
      MLFLOW_DEPLOYMENT_USERNAME: "deployment",
      [`${prefix}_API_URL`]: apiUrl,
      AWS_ROLE_ARN: `arn:aws:iam::123456789012:role/github-deploy-${environment}`,
      AWS_REGION: "eu-west-1",
      ECS_CLUSTER: cluster(environment),
      ECS_SERVICE_PREFIX: cluster(environment),
      BATCH_SCHEDULE_GROUP: cluster(environment),
      CANARY_ALARMS: ["web-service", "mlflow-service"].flatMap((service) => ["5xx-rate", "p95-latency"].map((alarm) => `${cluster(environment)}-${service}-${alarm}`)).join(","),
    },
    secrets: { MLFLOW_TRACKING_URI: "https://mlflow.taxi.example.com", MLFLOW_DEPLOYMENT_PASSWORD: "deployment-password", ...environmentSecrets },
    needs: { validate: { outputs: { registry_version: "7" } }, build: { outputs: { digest: DIGEST } } },
    world: world(environment, type, changes),
    issues,
    workspaceFiles: PLATFORM_FILES,
    eventName: "workflow_dispatch",
    event: DISPATCH_EVENT,
  });
}

const shippedRuns = new Map<string, Promise<JobResult>>();

/**
 * The deployment with nothing changed, run once per service type and environment: the tests that
 * only read its result share it (the job is the same, with the same inputs and world). Those that
 * count the load test's requests run their own, timed on their own.
 */
function shipped(environment: Environment, type: ServiceType): Promise<JobResult> {
  const key = `${environment} ${type}`;
  const run = shippedRuns.get(key) ?? deploy(environment, type);
  shippedRuns.set(key, run);
  return run;
}

/** deploy-service's promote job, run on the world `deploy` left behind. */
function promote(environment: Environment, after: JobResult): Promise<JobResult> {
  return runJob({
    workflow,
    job: "promote",
    inputs: { environment, model_version: "v1.2.3", service_type: "web-service" },
    vars: { MLFLOW_REGISTRY_USERNAME: "registry" },
    secrets: { MLFLOW_TRACKING_URI: "https://mlflow.taxi.example.com", MLFLOW_REGISTRY_PASSWORD: "registry-password" },
    needs: { validate: { outputs: { registry_version: "7" } }, deploy: { outputs: {} } },
    world: after.world,
    issues: [],
  });
}

/** The revision that serves (a service) or runs on schedule (the batch job) after the job. */
function serving(result: JobResult, environment: Environment, type: ServiceType): string {
  return type === "batch"
    ? result.world.schedules[scheduleId(environment)].Target.EcsParameters.TaskDefinitionArn
    : result.world.services[`${cluster(environment)}-${type}`].taskDefinition;
}

const outcomes = (result: JobResult) => Object.fromEntries(result.steps.map((step) => [step.name, step.outcome]));
const promotedTag = (environment: Environment, type: ServiceType) => `ghcr.io/${REPOSITORY}/${type}:${environment}`;

const CASES = SERVICE_TYPES.flatMap((type) => (["staging", "production"] as const).map((environment) => [type, environment] as const));

describe.each(CASES)("deploy-service: %s to %s", (type, environment) => {
  it("ships: the new revision serves, the registry alias and the image tag move, no incident", async () => {
    const result = await shipped(environment, type);

    expect(result.status).toBe("success");
    expect(serving(result, environment, type)).toBe(nextRevision(environment, type));
    const registered = result.world.taskDefinitions[nextRevision(environment, type)];
    expect(registered.containerDefinitions[0].image).toBe(`ghcr.io/${REPOSITORY}/${type}@${DIGEST}`);
    // The deploy job cannot move the alias (its logins only read); the promote job after it does.
    expect(result.world.registryAliases).toEqual({});
    const promoted = await promote(environment, result);
    expect(promoted.status).toBe("success");
    expect(promoted.world.registryAliases).toEqual({ [environment]: "7" });
    expect(result.world.promotedTags).toEqual({ [promotedTag(environment, type)]: `ghcr.io/${REPOSITORY}/${type}@${DIGEST}` });
    expect(outcomes(result)).toMatchObject({ "Roll back to the previous revision": "skipped", "Open or update the incident issue": "skipped" });
    expect(result.issues).toEqual([]);
    expect(result.world.dispatches).toBeUndefined();
    expect(result.summary).toContain(`## ${type} v1.2.3 to ${environment}: success`);

    // Production only: the registry backup; the canary watch for the routed services (not batch).
    expect(result.step("Back up the registry state").outcome).toBe(environment === "production" ? "success" : "skipped");
    expect(result.step("Watch the canary (10% of traffic)").outcome).toBe(environment === "production" && type !== "batch" ? "success" : "skipped");
    // The same for the load test of the new revision, which runs first.
    const canary = environment === "production" && type !== "batch";
    for (const step of ["Wait for the test route to reach the new revision", "Load test the new revision", "Upload load-test-report-4242"]) {
      expect({ step, outcome: result.step(step).outcome }).toEqual({ step, outcome: canary ? "success" : "skipped" });
    }
    if (canary) expect(result.summary).toContain(`## Load test of ${type}: passed`);
    // Services wait for ECS's rollout; the batch job proves itself in a trial run before its schedule moves.
    expect(result.step("Full rollout").outcome).toBe(type === "batch" ? "skipped" : "success");
    expect(result.step("Trial run of the batch job").outcome).toBe(type === "batch" ? "success" : "skipped");
    if (type === "batch") {
      expect(Object.values(result.world.tasks)).toEqual([{ taskDefinition: nextRevision(environment, type), exitCode: 0 }]);
    }
  });

  it("rolls back and opens an incident when the rollout fails", async () => {
    const failure: Partial<World> =
      type === "batch"
        ? { trialExitCode: 1 }
        : { services: { [`${cluster(environment)}-${type}`]: { taskDefinition: previousRevision(environment, type), rolloutState: "FAILED", ecsRollsBack: true } } };
    const result = await deploy(environment, type, failure);

    expect(result.status).toBe("failure");
    expect(serving(result, environment, type)).toBe(previousRevision(environment, type));
    expect(result.step(type === "batch" ? "Trial run of the batch job" : "Full rollout").outcome).toBe("failure");
    if (type === "batch") expect(result.step("Trial run of the batch job").log).toContain("ValueError: no trips to score");
    // Nothing moves forward after a failure.
    expect(result.step("Smoke tests").outcome).toBe("skipped");
    expect(result.world.registryAliases).toEqual({});
    expect(result.world.promotedTags).toEqual({});
    expect(result.step("Roll back to the previous revision").outcome).toBe("success");
    expectIncident(result, environment, type);
  });

  it("rolls back and opens an incident when the smoke test fails after a completed rollout", async () => {
    const base = world(environment, type);
    const failure: Partial<World> =
      type === "batch"
        ? // Someone disabled the schedule meanwhile: a batch job that will not run is not deployed.
          { schedules: { [scheduleId(environment)]: { ...base.schedules[scheduleId(environment)], State: "DISABLED" } } }
        : { http: { ...base.http, "POST /predict": { status: 500, body: "" }, "POST /invocations": { status: 500, body: "" } } };
    const result = await deploy(environment, type, failure);

    expect(result.status).toBe("failure");
    expect(result.step("Smoke tests").outcome).toBe("failure");
    expect(result.step("Roll back to the previous revision").outcome).toBe("success");
    expect(serving(result, environment, type)).toBe(previousRevision(environment, type));
    expect(result.world.registryAliases).toEqual({});
    expect(result.world.promotedTags).toEqual({});
    expectIncident(result, environment, type);
  });

  it("adds to the open incident of the same service and environment instead of opening another", async () => {
    const marker = `<!-- mlops-cicd incident: ${environment} ${type} -->`;
    const open: Issue = { number: 1, title: "Deployment failed", body: `${marker}\nearlier failure`, labels: ["incident"], state: "open", comments: [] };
    const result = await deploy(environment, type, { trialExitCode: 1, http: {} }, [open]);

    expect(result.status).toBe("failure");
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0].comments).toHaveLength(1);
    expect(result.issues[0].comments[0]).toContain(`Deploying **${type} v1.2.3** to **${environment}** failed`);
    // Recorded again: the comment moved the issue's updated_at, and a lost dispatch gets a second chance.
    expect(result.world.dispatches).toEqual([recorderDispatch(1)]);
  });
});

/**
 * The dispatch that records an incident issue: the issue's own `opened` event, caused by the job's
 * token, starts no workflow.
 */
describe("deploy-service: a revision from before the MLflow logins rotated", () => {
  const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-cicd-staging/mlflow-client-serving-AbCdEf";
  const withLogin = (environment: { name: string; value: string }[], secrets: { name: string; valueFrom: string }[]) => {
    const base = world("staging", "web-service");
    const previous = base.taskDefinitions[previousRevision("staging", "web-service")];
    const container = { ...previous.containerDefinitions[0], environment, secrets };
    return { taskDefinitions: { [previousRevision("staging", "web-service")]: { ...previous, containerDefinitions: [container] } } } as Partial<World>;
  };

  it("reads the username from the password's secret in the copy: the fixed `serving` would not follow a rotation", async () => {
    const result = await deploy(
      "staging",
      "web-service",
      withLogin(
        [
          { name: "MODEL_NAME", value: "nyc-taxi-trip-duration" },
          { name: "MLFLOW_TRACKING_USERNAME", value: "serving" },
        ],
        [{ name: "MLFLOW_TRACKING_PASSWORD", valueFrom: `${SECRET}:password::` }],
      ),
    );
    expect(result.status).toBe("success");
    const [container] = result.world.taskDefinitions[nextRevision("staging", "web-service")].containerDefinitions;
    expect(container.environment).toEqual([{ name: "MODEL_NAME", value: "nyc-taxi-trip-duration" }]);
    expect(container.secrets).toEqual([
      { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: `${SECRET}:password::` },
      { name: "MLFLOW_TRACKING_USERNAME", valueFrom: `${SECRET}:username::` },
    ]);
  });

  it("copies a revision that already reads both from the secret as it is", async () => {
    const secrets = [
      { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: `${SECRET}:password::` },
      { name: "MLFLOW_TRACKING_USERNAME", valueFrom: `${SECRET}:username::` },
    ];
    const result = await deploy("staging", "web-service", withLogin([{ name: "MODEL_NAME", value: "nyc-taxi-trip-duration" }], secrets));
    expect(result.status).toBe("success");
    const [container] = result.world.taskDefinitions[nextRevision("staging", "web-service")].containerDefinitions;
    expect(container.secrets).toEqual(secrets);
    expect(container.environment).toEqual([{ name: "MODEL_NAME", value: "nyc-taxi-trip-duration" }]);
  });
});

const recorderDispatch = (issue: number) => ({ repository: REPOSITORY, workflow: "record-delivery-metrics.yml", ref: "main", inputs: { issue_number: String(issue) } });

function expectIncident(result: JobResult, environment: Environment, type: ServiceType): void {
  expect(result.step("Open or update the incident issue").outcome).toBe("success");
  expect(result.issues).toHaveLength(1);
  const [issue] = result.issues;
  expect(issue.title).toBe(`Deployment failed: ${type} v1.2.3 to ${environment}`);
  expect(issue.labels).toEqual(["incident"]);
  expect(issue.body.split("\n")[0]).toBe(`<!-- mlops-cicd incident: ${environment} ${type} -->`);
  expect(issue.body).toContain(`- previous task definition (restored): ${previousRevision(environment, type)}`);
  expect(issue.body).toContain(`- failed task definition: ${nextRevision(environment, type)}`);
  expect(issue.body).toContain("- rollback: success");
  expect(issue.body).toContain("/actions/runs/4242");
  expect(result.step("Record the incident").outcome).toBe("success");
  expect(result.world.dispatches).toEqual([recorderDispatch(issue.number)]);
}

describe("deploy-service: the production canary", () => {
  it("stops at the first firing alarm, rolls the web service back and opens an incident", async () => {
    const result = await deploy("production", "web-service", { alarmsFiring: ["mlops-cicd-production-web-service-5xx-rate"] });

    expect(result.status).toBe("failure");
    const watch = result.step("Watch the canary (10% of traffic)");
    expect(watch.outcome).toBe("failure");
    expect(watch.log).toContain("alarms firing: mlops-cicd-production-web-service-5xx-rate");
    expect(result.step("Full rollout").outcome).toBe("skipped");
    expect(serving(result, "production", "web-service")).toBe(previousRevision("production", "web-service"));
    expectIncident(result, "production", "web-service");
  });

  it("watches the MLflow model server's own alarms: its firing alarm rolls it back, the web service's does not", async () => {
    const own = await deploy("production", "mlflow-service", { alarmsFiring: ["mlops-cicd-production-mlflow-service-p95-latency"] });
    expect(own.step("Watch the canary (10% of traffic)").log).toContain("alarms firing: mlops-cicd-production-mlflow-service-p95-latency");
    expect(serving(own, "production", "mlflow-service")).toBe(previousRevision("production", "mlflow-service"));
    expectIncident(own, "production", "mlflow-service");

    const other = await deploy("production", "mlflow-service", { alarmsFiring: ["mlops-cicd-production-web-service-5xx-rate"] });
    expect(other.status).toBe("success");
    const polls = other.world.calls.filter((call) => call.slice(0, 3).join(" ") === "aws cloudwatch describe-alarms");
    expect(polls[0]).toEqual(expect.arrayContaining(["mlops-cicd-production-mlflow-service-5xx-rate", "mlops-cicd-production-mlflow-service-p95-latency"]));
    expect(polls[0]).not.toContain("mlops-cicd-production-web-service-5xx-rate");
  });

  it("watches for the whole bake time before the full rollout", async () => {
    const result = await shipped("production", "web-service");
    const polls = result.world.calls.filter((call) => call.slice(0, 3).join(" ") === "aws cloudwatch describe-alarms");
    // One poll every 30 s of a 10-minute bake.
    expect(polls).toHaveLength(20);
    expect(result.step("Watch the canary (10% of traffic)").log).toContain("The canary stayed healthy for 10 minutes.");
  });
});

describe("deploy-service: the production load test", () => {
  const names = (result: JobResult) => result.steps.map((step) => step.name);
  const awsCalls = (result: JobResult, operation: string) => result.world.calls.filter((call) => call[0] === "aws" && call[2] === operation);
  const requests = () => (fs.existsSync(requestLog) ? fs.readFileSync(requestLog, "utf8").split("\n").filter(Boolean) : []);
  beforeEach(() => fs.rmSync(requestLog, { force: true }));

  it("waits for the test route to reach the new revision, then load tests it through the route while the canary bakes", async () => {
    const result = await deploy("production", "web-service");

    expect(result.status).toBe("success");
    // After the rollout starts, before the canary is watched and anything moves on.
    const order = names(result);
    expect(order.indexOf("Start the rollout")).toBeLessThan(order.indexOf("Wait for the test route to reach the new revision"));
    expect(order.indexOf("Load test the new revision")).toBeLessThan(order.indexOf("Watch the canary (10% of traffic)"));
    // The wait followed the deployment's stages until the test route reached the new revision.
    expect(result.step("Wait for the test route to reach the new revision").log).toContain(
      "lifecycle stage: SCALE_UP\nlifecycle stage: TEST_TRAFFIC_SHIFT\nlifecycle stage: PRODUCTION_TRAFFIC_SHIFT\n" +
        `The test route reaches ${nextRevision("production", "web-service")}.`,
    );
    expect(awsCalls(result, "describe-service-deployments")).toHaveLength(3);
    // Every request was a prediction carrying the header that routes it to the new revision.
    expect(requests().length).toBeGreaterThan(4);
    expect(new Set(requests())).toEqual(new Set([`POST /predict ${TEST_TRAFFIC_SECRET}`]));
    // The value reaches the log only as the command that masks it, and never the summary.
    const log = result.step("Load test the new revision").log;
    expect(log.split("\n").filter((line) => line.includes(TEST_TRAFFIC_SECRET))).toEqual([`::add-mask::${TEST_TRAFFIC_SECRET}`]);
    expect(result.summary).not.toContain(TEST_TRAFFIC_SECRET);
    expect(result.step("Load test the new revision").log).toContain("Every limit held.");
    expect(result.summary).toContain("| error rate | 0% | ≤ 1% | ✅ |");
    // Nothing to stop: the deployment completed.
    expect(awsCalls(result, "stop-service-deployment")).toEqual([]);
  });

  it("load tests MLflow's model server at /invocations", async () => {
    const result = await deploy("production", "mlflow-service");
    expect(result.step("Load test the new revision").outcome).toBe("success");
    expect(new Set(requests())).toEqual(new Set([`POST /invocations ${TEST_TRAFFIC_SECRET}`]));
  });

  it("stops the canary when a limit breaks: ECS rolls back, nothing is promoted, an incident names the load test", async () => {
    const result = await deploy("production", "web-service", {}, [], failingApiUrl);

    expect(result.status).toBe("failure");
    const test = result.step("Load test the new revision");
    expect(test.outcome).toBe("failure");
    expect(test.log).toMatch(/::error title=Load test failed::error rate 100% \((\d+) of \1 requests\) exceeds the limit of 1% \(--max-error-rate\)/);
    expect(result.summary).toContain("## Load test of web-service: failed");
    // The rest of the canary never runs; the report is kept.
    for (const step of ["Watch the canary (10% of traffic)", "Full rollout", "Smoke tests", "Promote the image to the environment's tag"]) {
      expect({ step, outcome: result.step(step).outcome }).toEqual({ step, outcome: "skipped" });
    }
    expect(result.step("Upload load-test-report-4242").outcome).toBe("success");
    // The deployment still in progress is stopped with ECS's own rollback.
    const [stop] = awsCalls(result, "stop-service-deployment");
    expect(stop).toEqual(expect.arrayContaining(["--stop-type", "ROLLBACK"]));
    expect(result.step("Roll back to the previous revision").log).toContain("ECS rolls it back.");
    expect(serving(result, "production", "web-service")).toBe(previousRevision("production", "web-service"));
    expect(result.world.promotedTags).toEqual({});
    expectIncident(result, "production", "web-service");
    expect(result.issues[0]!.body).toContain("- load test: failure");
  });

  it("refuses to load test without production's test-traffic secret, sends nothing, and rolls back", async () => {
    const result = await deploy("production", "web-service", {}, [], API_URL, {});

    expect(result.status).toBe("failure");
    expect(result.step("Load test the new revision").log).toContain(
      `::error::--header X-Mlops-Test-Traffic has no value: give "X-Mlops-Test-Traffic: value" (in the workflows the value is the environment's secret: is it set?).`,
    );
    expect(requests()).toEqual([]);
    expect(awsCalls(result, "stop-service-deployment")).toHaveLength(1);
    expect(serving(result, "production", "web-service")).toBe(previousRevision("production", "web-service"));
  });

  it("fails without load testing when ECS rolls the deployment back before the test route reaches it", async () => {
    const result = await deploy("production", "web-service", { deploymentStages: ["SCALE_UP", "ROLLED_BACK"] });

    expect(result.status).toBe("failure");
    expect(result.step("Wait for the test route to reach the new revision").log).toContain(
      `::error::The deployment of ${nextRevision("production", "web-service")} ended (FAILED) before the test route reached it: nothing to load test.`,
    );
    expect(result.step("Load test the new revision").outcome).toBe("skipped");
    expect(requests()).toEqual([]);
    expect(serving(result, "production", "web-service")).toBe(previousRevision("production", "web-service"));
    expect(result.issues[0]!.body).toContain("- load test: not run");
  });

  it("gives up when the new revision's tasks never take the test route", async () => {
    const result = await deploy("production", "mlflow-service", { deploymentStages: ["SCALE_UP"] });

    expect(result.status).toBe("failure");
    expect(result.step("Wait for the test route to reach the new revision").log).toContain(
      `::error::The test route did not reach ${nextRevision("production", "mlflow-service")} within 15 minutes: its tasks did not become healthy in time.`,
    );
    expect(awsCalls(result, "stop-service-deployment")).toHaveLength(1);
    expect(serving(result, "production", "mlflow-service")).toBe(previousRevision("production", "mlflow-service"));
    expectIncident(result, "production", "mlflow-service");
  });
});

/** A push to main, as GitHub delivers it: the repository, with its default branch. */
const PUSH_EVENT = { ref: "refs/heads/main", repository: { full_name: REPOSITORY, default_branch: "main" } };

describe("ci-cd: the production deployment of the web service", () => {
  const deployProduction = (apiUrl: string) =>
    runJob({
      workflow: ciCdWorkflow,
      job: "deploy-production",
      eventName: "push",
      event: PUSH_EVENT,
      vars: {
        PROD_API_URL: apiUrl,
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/github-deploy-production",
        AWS_REGION: "eu-west-1",
        ECS_CLUSTER: cluster("production"),
        ECS_SERVICE_PREFIX: cluster("production"),
        BATCH_SCHEDULE_GROUP: cluster("production"),
        GRAFANA_DASHBOARDS_URI: "s3://mlops-cicd-production-artifacts/grafana-dashboards/",
      },
      secrets: { TEST_TRAFFIC_HEADER_VALUE: TEST_TRAFFIC_SECRET },
      needs: { "build-image": { outputs: { digest: DIGEST } }, "deploy-staging": { outputs: {} } },
      world: world("production", "web-service"),
      workspaceFiles: PLATFORM_FILES,
    });

  it("load tests the new revision before the rollout completes, and ships when it holds", async () => {
    const result = await deployProduction(API_URL);
    expect(result.status).toBe("success");
    expect(result.step("Load test the new revision").outcome).toBe("success");
    expect(result.world.promotedTags).toEqual({ [promotedTag("production", "web-service")]: `ghcr.io/${REPOSITORY}/web-service@${DIGEST}` });
    expect(result.step("Open or update the incident issue").outcome).toBe("skipped");
    expect(result.issues).toEqual([]);
    expect(result.world.dispatches).toBeUndefined();
  });

  it("rolls back and promotes nothing when the load test fails, and opens an incident it gets recorded", async () => {
    const result = await deployProduction(failingApiUrl);
    expect(result.status).toBe("failure");
    expect(result.step("Load test the new revision").outcome).toBe("failure");
    expect(result.step("Wait for the rollout").outcome).toBe("skipped");
    expect(result.step("Roll back to the previous revision").log).toContain("ECS rolls it back.");
    expect(serving(result, "production", "web-service")).toBe(previousRevision("production", "web-service"));
    expect(result.world.promotedTags).toEqual({});
    expectCiCdIncident(result, "production");
  });
});

describe("ci-cd: the staging deployment of the web service", () => {
  it("rolls back and opens an incident when the rollout fails, as deploy-service does for staging", async () => {
    const failed = { services: { [`${cluster("staging")}-web-service`]: { taskDefinition: previousRevision("staging", "web-service"), rolloutState: "FAILED", ecsRollsBack: true } } };
    const result = await runJob({
      workflow: ciCdWorkflow,
      job: "deploy-staging",
      eventName: "push",
      event: PUSH_EVENT,
      vars: {
        STAGING_API_URL: API_URL,
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/github-deploy-staging",
        AWS_REGION: "eu-west-1",
        ECS_CLUSTER: cluster("staging"),
        ECS_SERVICE_PREFIX: cluster("staging"),
        BATCH_SCHEDULE_GROUP: cluster("staging"),
        GRAFANA_DASHBOARDS_URI: "s3://mlops-cicd-staging-artifacts/grafana-dashboards/",
      },
      needs: { "build-image": { outputs: { digest: DIGEST } } },
      world: world("staging", "web-service", failed),
      workspaceFiles: PLATFORM_FILES,
    });
    expect(result.status).toBe("failure");
    expect(result.step("Wait for the rollout").outcome).toBe("failure");
    expect(serving(result, "staging", "web-service")).toBe(previousRevision("staging", "web-service"));
    expectCiCdIncident(result, "staging");
  });
});

/** ci-cd's incident: deploy-service's marker, label and dispatch, for the web service at the pushed commit. */
function expectCiCdIncident(result: JobResult, environment: Environment): void {
  expect(result.step("Open or update the incident issue").outcome).toBe("success");
  expect(result.issues).toHaveLength(1);
  const [issue] = result.issues;
  expect(issue.title).toBe(`Deployment failed: web-service 0123456789abcdef0123456789abcdef01234567 to ${environment}`);
  expect(issue.labels).toEqual(["incident"]);
  expect(issue.body.split("\n")[0]).toBe(`<!-- mlops-cicd incident: ${environment} web-service -->`);
  expect(issue.body).toContain(`- previous task definition (restored): ${previousRevision(environment, "web-service")}`);
  expect(issue.body).toContain("/actions/runs/4242");
  expect(result.world.dispatches).toEqual([recorderDispatch(issue.number)]);
}

describe("deploy-service: before anything moves", () => {
  it("refuses to start without the service in the cluster, and opens no rollback", async () => {
    const result = await deploy("staging", "web-service", { services: {} });
    expect(result.step("Start the rollout").outcome).toBe("failure");
    expect(result.step("Start the rollout").log).toContain(
      "::error::mlops-cicd-staging-web-service has no running task definition in mlops-cicd-staging: has the environment's pulumi up run?",
    );
    expect(result.step("Roll back to the previous revision").outcome).toBe("skipped");
    expect(result.step("Open or update the incident issue").outcome).toBe("success");
  });
});

describe("deploy-service: a trial run that does not finish", () => {
  it("is stopped at its deadline, leaves the schedule on the previous revision and opens an incident", async () => {
    const result = await deploy("staging", "batch", { trialHangs: true });
    expect(result.status).toBe("failure");
    expect(result.step("Trial run of the batch job").log).toContain("did not finish within 45 minutes");
    expect(Object.values(result.world.tasks)).toEqual([
      { taskDefinition: nextRevision("staging", "batch"), exitCode: 0, stopped: true, stopReason: "deploy-service: trial run timed out" },
    ]);
    expect(serving(result, "staging", "batch")).toBe(previousRevision("staging", "batch"));
    expectIncident(result, "staging", "batch");
  });
});
