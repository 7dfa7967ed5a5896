/**
 * The model web service of both stacks: production's ECS-run canary with alarms that roll back,
 * staging's rolling deployment, and what keeps `pulumi up` from reverting the pipeline's releases.
 */
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
      expect(Object.keys(balancer?.advancedConfiguration ?? {}).sort()).toEqual(["alternateTargetGroupArn", "productionListenerRule", "roleArn"]);
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
    expect(variables.find((variable) => variable.inputs.variableName === "CANARY_ALARMS")?.inputs.value).toBe(names.join(","));
  });

  it("leaves the running revision and the canary's traffic weights to the pipeline", () => {
    expect(run.findResource(SERVICE, "web-service").options.ignoreChanges).toEqual(["taskDefinition"]);
    const route = run.findResource("aws:lb/listenerRule:ListenerRule", "web-service");
    expect(route.options.ignoreChanges).toEqual(canary ? ["actions"] : undefined);
    expect((route.inputs.conditions as { hostHeader: { values: string[] } }[])[0]?.hostHeader.values).toEqual([host]);
  });

  it("starts from the release last promoted to the environment, by digest", () => {
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "web-service").inputs.containerDefinitions));
    expect(container.image).toMatch(/^ghcr\.io\/nyc-taxi-mlops\/trip-duration\/web-service@sha256:[0-9a-f]{64}$/);
    expect(container.portMappings).toEqual([{ containerPort: 9696, protocol: "tcp" }]);
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "web-service-primary").inputs.healthCheck).toMatchObject({ path: "/health" });
    expect(run.findResource("aws:cloudwatch/logGroup:LogGroup", "web-service").inputs.retentionInDays).toBe(stack === "production" ? 90 : 30);
  });
});

describe.each(["staging", "production"] as const)("the %s mlflow-service", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("serves MLflow's model server at /invocations of the API host, rolling, from the promoted image", () => {
    const service = run.findResource(SERVICE, "mlflow-service");
    expect(service.inputs).toMatchObject({ name: `mlops-cicd-${stack}-mlflow-service`, deploymentConfiguration: { strategy: "ROLLING" } });
    expect(service.options.ignoreChanges).toEqual(["taskDefinition"]);
    const route = run.findResource("aws:lb/listenerRule:ListenerRule", "mlflow-service");
    expect(route.inputs.conditions).toEqual([
      { hostHeader: { values: [stack === "production" ? "api.example.com" : "staging-api.example.com"] } },
      { pathPattern: { values: ["/invocations"] } },
    ]);
    // Path rules before the web service's catch-all host rule.
    expect(Number(route.inputs.priority)).toBeLessThan(Number(run.findResource("aws:lb/listenerRule:ListenerRule", "web-service").inputs.priority));
    const [container] = JSON.parse(String(run.findResource("aws:ecs/taskDefinition:TaskDefinition", "mlflow-service").inputs.containerDefinitions));
    expect(container.image).toMatch(/^ghcr\.io\/nyc-taxi-mlops\/trip-duration\/mlflow-service@sha256:[0-9a-f]{64}$/);
    expect(run.findResource("aws:lb/targetGroup:TargetGroup", "mlflow-service-primary").inputs.healthCheck).toMatchObject({ path: "/ping" });
  });
});
