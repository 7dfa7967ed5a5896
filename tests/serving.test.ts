/**
 * The model web service of both stacks: production's ECS-run canary with alarms that roll back,
 * staging's rolling deployment, and what keeps `pulumi up` from reverting the pipeline's releases.
 */
import * as path from "node:path";
import { testTrafficHeaderValueProblems } from "../infra/model-serving";
import { ProgramRun, runProgram } from "./harness";

const SERVICE = "aws:ecs/service:Service";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe.each([
  ["production", true, "api.example.com"],
  ["staging", false, "staging-api.example.com"],
] as const)("the %s web service", (stack, canary, host) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it(canary ? "deploys as ECS's own 10% canary with a bake time" : "rolls with the circuit breaker", () => {
    const service = run.findResource(SERVICE, "web-service");
    expect(service.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    if (canary) {
      expect(service.inputs.deploymentConfiguration).toEqual({
        strategy: "CANARY",
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "10" },
        bakeTimeInMinutes: "10",
      });
      const [balancer] = service.inputs.loadBalancers as { advancedConfiguration: Record<string, string> }[];
      expect(Object.keys(balancer?.advancedConfiguration ?? {}).sort()).toEqual(["alternateTargetGroupArn", "productionListenerRule", "roleArn", "testListenerRule"]);
      expect(run.findResource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "web-service-infrastructure").inputs.policyArn).toBe(
        "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
      );
    } else {
      expect(service.inputs.deploymentConfiguration).toEqual({ strategy: "ROLLING" });
    }
  });

  it("wires the 5xx-rate and p95-latency alarms to rollback", () => {
    const names = [`mlops-cicd-${stack}-web-service-5xx-rate`, `mlops-cicd-${stack}-web-service-p95-latency`];
    expect(run.findResource(SERVICE, "web-service").inputs.alarms).toEqual({ alarmNames: names, enable: true, rollback: true });
    const rate = run.findResource(ALARM, "web-service-5xx-rate");
    expect(rate.inputs).toMatchObject({ name: names[0], threshold: 0.02, comparisonOperator: "GreaterThanThreshold" });
    const queries = rate.inputs.metricQueries as { id: string }[];
    // In production both target groups are watched: ECS swaps them after each canary.
    expect(queries.filter((query) => query.id.startsWith("errors"))).toHaveLength(canary ? 2 : 1);
    expect(run.findResource(ALARM, "web-service-p95-latency").inputs).toMatchObject({ name: names[1], threshold: 1.5 });
    const variables = run.resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable");
    const mlflowNames = [`mlops-cicd-${stack}-mlflow-service-5xx-rate`, `mlops-cicd-${stack}-mlflow-service-p95-latency`];
    // Every routed service's alarms: deploy-service watches the deployed service's own.
    expect(variables.find((variable) => variable.inputs.variableName === "CANARY_ALARMS")?.inputs.value).toBe([...names, ...mlflowNames].join(","));
  });

  it(canary ? "deploys the MLflow model server as a canary too, rolled back on its own alarms" : "rolls the MLflow model server as well", () => {
    const service = run.findResource(SERVICE, "mlflow-service");
    expect(service.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    expect((service.inputs.deploymentConfiguration as { strategy: string }).strategy).toBe(canary ? "CANARY" : "ROLLING");
    const names = [`mlops-cicd-${stack}-mlflow-service-5xx-rate`, `mlops-cicd-${stack}-mlflow-service-p95-latency`];
    expect(service.inputs.alarms).toEqual({ alarmNames: names, enable: true, rollback: true });
  });

  it("leaves the running revision and the canary's traffic weights to the pipeline", () => {
    expect(run.findResource(SERVICE, "web-service").options.ignoreChanges).toEqual(["taskDefinition"]);
    const route = run.findResource("aws:lb/listenerRule:ListenerRule", "web-service");
    expect(route.options.ignoreChanges).toEqual(canary ? ["actions"] : undefined);
    expect((route.inputs.conditions as { hostHeader: { values: string[] } }[])[0]?.hostHeader.values).toEqual([host]);
  });

  it(canary ? "routes the test-traffic header to the new revision: the load test's way in" : "has no test route without a canary", () => {
    const rules = run.resourcesOfType("aws:lb/listenerRule:ListenerRule");
    if (!canary) {
      expect(rules.map((rule) => rule.name)).not.toEqual(expect.arrayContaining(["web-service-test", "mlflow-service-test"]));
      return;
    }
    // The value is the stack's generated secret (below), never a constant anyone could send.
    const header = { httpHeader: { httpHeaderName: "X-Mlops-Test-Traffic", values: ["[secret]"] } };
    const generated = run.findResource("random:index/randomPassword:RandomPassword", "test-traffic-header");
    // Within the load balancer's 128 characters; no wildcard (* ?) and no capitals, which it would ignore.
    expect(generated.inputs).toMatchObject({ length: 64, special: false, upper: false });
    for (const [service, paths] of [
      ["web-service", []],
      ["mlflow-service", [{ pathPattern: { values: ["/invocations"] } }]],
    ] as const) {
      const test = run.findResource("aws:lb/listenerRule:ListenerRule", `${service}-test`);
      const production = run.findResource("aws:lb/listenerRule:ListenerRule", service);
      // The production rule's host and paths, plus the header; the same listener and target groups.
      expect(test.inputs.conditions).toEqual([{ hostHeader: { values: [host] } }, ...paths, header]);
      expect(test.dependsOn).toContain(generated.urn);
      expect(test.inputs.listenerArn).toBe(production.inputs.listenerArn);
      expect(test.inputs.actions).toEqual(production.inputs.actions);
      // ECS points it at the new revision during a deployment: the program leaves the weights alone.
      expect(test.options.ignoreChanges).toEqual(["actions"]);
      // Tried before the service's own rule, or the header would never count.
      expect(Number(test.inputs.priority)).toBeLessThan(Number(production.inputs.priority));
      // The service names it as its test listener rule, and is created after it.
      const ecsService = run.findResource(SERVICE, service);
      const [balancer] = ecsService.inputs.loadBalancers as { advancedConfiguration: { testListenerRule: string } }[];
      expect(balancer?.advancedConfiguration.testListenerRule).toBeDefined();
      expect(ecsService.dependsOn).toContain(test.urn);
    }
    // mlflow-service's /invocations test requests match its rule before the web service's host-wide one.
    const priority = (name: string) => Number(run.findResource("aws:lb/listenerRule:ListenerRule", name).inputs.priority);
    expect(priority("mlflow-service-test")).toBeLessThan(priority("web-service-test"));
    expect(new Set(rules.map((rule) => Number(rule.inputs.priority))).size).toBe(rules.length);
  });

  it("starts from the platform's bootstrap image, by digest, until the pipeline deploys", () => {
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "web-service").inputs.containerDefinitions));
    expect(container.image).toMatch(/^ghcr\.io\/nyc-taxi-mlops\/mlops-cicd-bootstrap@sha256:[0-9a-f]{64}$/);
    expect(container.portMappings).toEqual([{ containerPort: 9696, protocol: "tcp" }]);
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "web-service-primary").inputs.healthCheck).toMatchObject({ path: "/health" });
    expect(run.findResource("aws:cloudwatch/logGroup:LogGroup", "web-service").inputs.retentionInDays).toBe(stack === "production" ? 90 : 30);
  });
});

describe("the test-traffic header value a test route accepts", () => {
  it("takes a long value of lowercase letters and digits, as the program generates", () => {
    expect(testTrafficHeaderValueProblems("q7x2m9k4v8c1n5b3z6w0r2t4y7u9i1o3p5a8s6d4f2g0h1j3k5l7z9x8c6v4b2n0")).toEqual([]);
  });

  it.each([
    ["a constant anyone could guess", "new-revision", "the test-traffic header value must be 32 to 128 characters (a guessable value lets anyone load a deploying revision alone; the load balancer takes at most 128), got 12."],
    ["more than the load balancer takes", "a".repeat(129), "the test-traffic header value must be 32 to 128 characters (a guessable value lets anyone load a deploying revision alone; the load balancer takes at most 128), got 129."],
    ["a wildcard, which would match other values", `${"a".repeat(40)}*`, "the test-traffic header value must be lowercase letters and digits only (the load balancer reads * and ? as wildcards and ignores case)."],
    ["capitals, which the comparison ignores", "A".repeat(40), "the test-traffic header value must be lowercase letters and digits only (the load balancer reads * and ? as wildcards and ignores case)."],
  ])("refuses %s, without quoting it", (_, value, problem) => {
    expect(testTrafficHeaderValueProblems(value)).toEqual([problem]);
  });
});

describe("a canary's test route checks its header value, without quoting it", () => {
  const program = path.join(__dirname, "fixtures", "test-route-program.ts");
  it.each([
    ["none", null, "ModelWebService web-service: a canary needs a testTrafficHeaderValue, the stack's generated secret (testTrafficHeaderValue() in infra/model-serving)."],
    [
      "a constant",
      "new-revision",
      "ModelWebService web-service: the test-traffic header value must be 32 to 128 characters (a guessable value lets anyone load a deploying revision alone; the load balancer takes at most 128), got 12.",
    ],
  ])("refuses %s", async (_, value, message) => {
    await expect(runProgram("production", { "fixture:headerValue": value }, [], program)).rejects.toThrow(message);
  });

  it("matches a generated-like value, kept secret even when given in plain", async () => {
    const run = await runProgram("production", { "fixture:headerValue": "q7x2m9k4v8c1n5b3z6w0r2t4y7u9i1o3p5a8s6d4f2g0h1j3k5l7z9x8c6v4b2n0" }, [], program);
    const test = run.findResource("aws:lb/listenerRule:ListenerRule", "web-service-test");
    expect((test.inputs.conditions as object[]).at(-1)).toEqual({ httpHeader: { httpHeaderName: "X-Mlops-Test-Traffic", values: ["[secret]"] } });
  });
});

describe.each(["staging", "production"] as const)("the %s mlflow-service", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("serves MLflow's model server at /invocations of the API host, a canary in production, from the bootstrap image until the first deployment", () => {
    const service = run.findResource(SERVICE, "mlflow-service");
    expect(service.inputs).toMatchObject({ name: `mlops-cicd-${stack}-mlflow-service`, deploymentConfiguration: { strategy: stack === "production" ? "CANARY" : "ROLLING" } });
    expect(service.options.ignoreChanges).toEqual(["taskDefinition"]);
    const route = run.findResource("aws:lb/listenerRule:ListenerRule", "mlflow-service");
    expect(route.inputs.conditions).toEqual([
      { hostHeader: { values: [stack === "production" ? "api.example.com" : "staging-api.example.com"] } },
      { pathPattern: { values: ["/invocations"] } },
    ]);
    // Path rules before the web service's catch-all host rule.
    expect(Number(route.inputs.priority)).toBeLessThan(Number(run.findResource("aws:lb/listenerRule:ListenerRule", "web-service").inputs.priority));
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "mlflow-service").inputs.containerDefinitions));
    expect(container.image).toMatch(/^ghcr\.io\/nyc-taxi-mlops\/mlops-cicd-bootstrap@sha256:[0-9a-f]{64}$/);
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "mlflow-service-primary").inputs.healthCheck).toMatchObject({ path: "/ping" });
  });
});

describe.each(["staging", "production"] as const)("the %s batch job", (stack) => {
  const cluster = `mlops-cicd-${stack}`;
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("runs daily on EventBridge Scheduler from the bootstrap image until the first deployment, in the private subnets", () => {
    const schedule = run.findResource("aws:scheduler/schedule:Schedule", "batch");
    expect(schedule.inputs).toMatchObject({
      name: `${cluster}-batch`,
      groupName: cluster,
      scheduleExpression: "cron(0 3 * * ? *)",
      scheduleExpressionTimezone: "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
    });
    const target = schedule.inputs.target as { ecsParameters: Record<string, unknown>; retryPolicy: unknown };
    expect(target.ecsParameters).toMatchObject({
      taskDefinitionArn: `arn:aws:ecs:synth-region-1:123456789012:task-definition/${cluster}-batch:1`,
      launchType: "FARGATE",
      taskCount: 1,
      networkConfiguration: { assignPublicIp: false },
    });
    expect(target.retryPolicy).toEqual({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "batch").inputs.containerDefinitions));
    expect(container.image).toMatch(/^ghcr\.io\/nyc-taxi-mlops\/mlops-cicd-bootstrap@sha256:[0-9a-f]{64}$/);
    expect(container.portMappings).toEqual([]);
    expect(container.environment.map((entry: { name: string }) => entry.name)).toEqual([
      "DEPLOYMENT_ENVIRONMENT",
      "INPUT_URI",
      "MLFLOW_TRACKING_URI",
      "MODEL_NAME",
      "OUTPUT_URI",
      "SERVICE_NAME",
    ]);
  });

  it("leaves the revision the schedule runs to the pipeline", () => {
    expect(run.findResource("aws:scheduler/schedule:Schedule", "batch").options.ignoreChanges).toEqual(["target.ecsParameters.taskDefinitionArn"]);
  });

  it("lets the scheduler start only the job's family, and the job touch only its own prefixes", () => {
    const scheduler = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "batch-scheduler").inputs.policy));
    expect(scheduler.Statement[0]).toMatchObject({ Action: "ecs:RunTask", Resource: `arn:aws:ecs:synth-region-1:123456789012:task-definition/${cluster}-batch:*` });
    // Tagging only the tasks it starts: the schedule propagates the task definition's tags.
    expect(scheduler.Statement[2]).toEqual({
      Sid: "TagTheTask",
      Effect: "Allow",
      Action: "ecs:TagResource",
      Resource: "*",
      Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
    });
    const task = JSON.parse(String(run.findResource("aws:iam/rolePolicy:RolePolicy", "batch-task").inputs.policy));
    expect(task.Statement.map((statement: { Action: string }) => statement.Action)).toEqual(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]);
  });

  it("alarms on runs that fail and on runs the scheduler cannot start, and keeps its logs", () => {
    const rule = run.findResource("aws:cloudwatch/eventRule:EventRule", "batch-failed-runs");
    expect(JSON.parse(String(rule.inputs.eventPattern))).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Task State Change"],
      detail: {
        clusterArn: [`arn:aws:ecs:synth-region-1:123456789012:cluster/${cluster}`],
        group: [`family:${cluster}-batch`],
        lastStatus: ["STOPPED"],
        $or: [{ containers: { name: ["batch"], exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
      },
    });
    expect(run.findResource(ALARM, "batch-failed-runs").inputs).toMatchObject({
      name: `${cluster}-batch-failed-runs`,
      namespace: "AWS/Events",
      metricName: "MatchedEvents",
      dimensions: { RuleName: `${cluster}-batch-failed-runs` },
    });
    expect(run.findResource(ALARM, "batch-start-errors").inputs).toMatchObject({
      namespace: "AWS/Scheduler",
      metricName: "InvocationDroppedCount",
      dimensions: { ScheduleGroup: cluster },
    });
    expect(run.findResource("aws:cloudwatch/logGroup:LogGroup", "batch").inputs.retentionInDays).toBe(stack === "production" ? 90 : 30);
  });

  it("publishes where the pipeline finds the schedule", () => {
    const variables = run.resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable");
    expect(variables.find((variable) => variable.inputs.variableName === "BATCH_SCHEDULE_GROUP")?.inputs.value).toBe(cluster);
  });
});

describe.each(["staging", "production"] as const)("the %s services dashboard", (stack) => {
  const cluster = `mlops-cicd-${stack}`;
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("charts every model service and the batch job, and shows all their alarms", () => {
    const dashboard = run.findResource("aws:cloudwatch/dashboard:Dashboard", "services");
    expect(dashboard.inputs.dashboardName).toBe(cluster);
    const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as { widgets: { type: string; properties: Record<string, unknown> }[] };
    const alarmWidget = body.widgets.find((widget) => widget.type === "alarm");
    expect((alarmWidget?.properties.alarms as string[]).map((arn) => arn.split(":alarm:")[1]).sort()).toEqual(
      ["batch-failed-runs", "batch-start-errors", "mlflow-service-5xx-rate", "mlflow-service-p95-latency", "web-service-5xx-rate", "web-service-p95-latency"].map(
        (suffix) => `${cluster}-${suffix}`,
      ),
    );
    const titles = body.widgets.map((widget) => widget.properties.title);
    for (const service of ["web-service", "mlflow-service"]) {
      expect(titles).toEqual(expect.arrayContaining([`${service}: requests`, `${service}: 5xx responses`, `${service}: p95 response time (s)`, `${service}: CPU and memory (%)`]));
    }
    expect(titles).toEqual(expect.arrayContaining(["batch: failed runs", "batch: runs the scheduler could not start", "Recent errors"]));
  });

  it("points the environment's URL at the web service", () => {
    const variables = run.resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable");
    const prefix = stack === "production" ? "PROD" : "STAGING";
    expect(variables.find((variable) => variable.inputs.variableName === `${prefix}_API_URL`)?.inputs.value).toBe(
      stack === "production" ? "https://api.example.com" : "https://staging-api.example.com",
    );
  });
});

it("keeps every replaced task definition revision active: services, the schedule and rollbacks may still point at it", async () => {
  const run = await runProgram("production");
  const definitions = run.resourcesOfType("aws:ecs/taskDefinition:TaskDefinition");
  expect(definitions.length).toBeGreaterThanOrEqual(6);
  for (const definition of definitions) expect({ name: definition.name, skipDestroy: definition.inputs.skipDestroy }).toEqual({ name: definition.name, skipDestroy: true });
});
