import * as pulumi from "@pulumi/pulumi";
import { assumedBy } from "../aws/iam";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import { RoutedServiceSpec, fargateTask, ipTargetGroup, routedService } from "../platform/fargate-task";
import { RESOURCE_TAGS } from "../../contracts/runtime-names";
import { CANARY_BAKE_MINUTES, CANARY_MAX_5XX_RATE, CANARY_MAX_P95_SECONDS, CANARY_PERCENT, TEST_TRAFFIC_HEADER } from "../../contracts/canary";
import { testTrafficHeaderValueProblems } from "./test-traffic-header";

/**
 * `image` is what the service is created with, by digest; the pipeline deploys every revision after
 * that (the program ignores the service's task definition), so it never replaces a deployed model.
 */
export interface ModelWebServiceArgs extends RoutedServiceSpec {
  /** Production: a 10% canary with alarms that roll back. Otherwise a rolling deployment. */
  readonly canary: boolean;
  /**
   * Priority of the canary's test route (the service's host and paths plus the test-traffic
   * header), which ECS points at the new revision for the load test. Required with `canary`, and
   * before `priority`: the listener tries rules in ascending order.
   * @default no test route (without `canary`)
   */
  readonly testTrafficPriority?: number;
  /**
   * The value of the test-traffic header the test route matches: the stack's generated secret
   * (`testTrafficHeaderValue`), never a constant, or anyone could load the new revision alone.
   * Required with `canary`.
   * @default no test route (without `canary`)
   */
  readonly testTrafficHeaderValue?: pulumi.Input<string>;
  /**
   * Only these paths of the host reach the service (MLflow's `/invocations`).
   * @default every path
   */
  readonly pathPatterns?: readonly string[];
}

/**
 * A model service on Fargate behind the cluster's listener. Its running revision belongs to the
 * deploy pipeline: the program creates the service and its baseline task definition, then ignores
 * the service's task definition, so `pulumi up` never rolls back a deployment. In production, ECS's
 * own CANARY strategy shifts 10% of the traffic to the new revision, bakes, and rolls back on the
 * alarms below; the pipeline only starts and watches it.
 */
export class ModelWebService extends pulumi.ComponentResource {
  readonly service: aws.EcsService;
  readonly taskDefinition: aws.TaskDefinition;
  readonly alarmNames: readonly string[];
  readonly alarms: readonly aws.MetricAlarm[];
  /** The target groups the service registers in: the primary, and in a canary the alternate. */
  readonly targetGroups: readonly aws.TargetGroup[];
  /** The canary's test route to the new revision; undefined without a canary. */
  readonly testRoute: aws.ListenerRule | undefined;
  readonly logGroup: aws.LogGroup;
  readonly url: string;

  constructor(name: string, args: ModelWebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // The token keeps the folder's first name (infra/serving): a new one would change every URN.
    super("mlops-cicd:serving:ModelWebService", name, {}, opts);
    if (args.canary && (args.testTrafficPriority === undefined || args.testTrafficPriority >= args.priority)) {
      throw new Error(
        `ModelWebService ${name}: a canary needs a testTrafficPriority below its priority ${args.priority} (the test route must match first), got ${args.testTrafficPriority}.`,
      );
    }
    if (args.canary && args.testTrafficHeaderValue === undefined) {
      throw new Error(`ModelWebService ${name}: a canary needs a testTrafficHeaderValue, the stack's generated secret (testTrafficHeaderValue() in infra/model-serving).`);
    }
    // A plain string is a constant in code, the case to refuse at once; a generated one is checked
    // when it resolves, below.
    const constantProblems = typeof args.testTrafficHeaderValue === "string" ? testTrafficHeaderValueProblems(args.testTrafficHeaderValue) : [];
    if (constantProblems.length > 0) throw new Error(`ModelWebService ${name}: ${constantProblems.join(" ")}`);

    const task = fargateTask(this, name, args);
    const qualified = task.qualifiedName;
    this.logGroup = task.logGroup;
    this.taskDefinition = task.taskDefinition;
    // Tagged with the service: their names carry random suffixes, and Grafana's dashboards find a
    // service's target groups by this tag (tools/grafana/model-services-dashboard.ts).
    const targetGroup = (suffix: string) =>
      ipTargetGroup(this, `${name}-${suffix}`, args.port, args.vpcId, args.healthCheckPath, { [RESOURCE_TAGS.service]: args.name });
    const primary = targetGroup("primary");
    const alternate = args.canary ? targetGroup("canary") : undefined;
    const conditions = [
      { hostHeader: { values: [args.hostname] } },
      ...(args.pathPatterns ? [{ pathPattern: { values: [...args.pathPatterns] } }] : []),
    ];
    // A canary's rules forward to both target groups; ECS moves the weights during a deployment, so
    // the program must not move them back.
    const forwardToBoth = (group: aws.TargetGroup, other: aws.TargetGroup) => [
      {
        type: "forward",
        forward: {
          targetGroups: [
            { arn: group.arn, weight: 100 },
            { arn: other.arn, weight: 0 },
          ],
        },
      },
    ];
    const route = new aws.ListenerRule(
      name,
      {
        listenerArn: args.cluster.httpsListener.arn,
        priority: args.priority,
        conditions,
        actions: alternate ? forwardToBoth(primary, alternate) : [{ type: "forward", targetGroupArn: primary.arn }],
      },
      { parent: this, ignoreChanges: alternate ? ["actions"] : [] },
    );
    // The test route: ECS points it at the new revision once its tasks are up, before production
    // traffic moves (TEST_TRAFFIC_SHIFT), so the load test reaches that revision alone. Its header
    // value stays secret, in state and in the problems, which never quote it.
    const checkedHeaderValue = (value: pulumi.Input<string>) =>
      pulumi.secret(value).apply((known) => {
        const problems = testTrafficHeaderValueProblems(known);
        if (problems.length > 0) throw new Error(`ModelWebService ${name}: ${problems.join(" ")}`);
        return known;
      });
    const testRoute = alternate && args.testTrafficHeaderValue !== undefined
      ? new aws.ListenerRule(
          `${name}-test`,
          {
            listenerArn: args.cluster.httpsListener.arn,
            priority: args.testTrafficPriority,
            conditions: [...conditions, { httpHeader: { httpHeaderName: TEST_TRAFFIC_HEADER.name, values: [checkedHeaderValue(args.testTrafficHeaderValue)] } }],
            actions: forwardToBoth(primary, alternate),
          },
          { parent: this, ignoreChanges: ["actions"] },
        )
      : undefined;

    // Alarms named `<cluster>-…`: the GitHub deploy role may read exactly these.
    const alarm = (suffix: string, alarmArgs: Omit<ConstructorParameters<typeof aws.MetricAlarm>[1], "name">) =>
      new aws.MetricAlarm(`${name}-${suffix}`, { name: `${qualified}-${suffix}`, ...alarmArgs }, { parent: this });
    // Both target groups: ECS swaps which one serves production after every canary, so an alarm
    // bound to one would watch the wrong revision every other deployment.
    const groups = alternate ? [primary, alternate] : [primary];
    const dimensions = (group: aws.TargetGroup) =>
      pulumi.all([args.cluster.loadBalancer.arnSuffix, group.arnSuffix]).apply(([loadBalancer, target]) => ({ LoadBalancer: loadBalancer, TargetGroup: target }));
    const metric = (id: string, metricName: string, stat: string, group: aws.TargetGroup) => ({
      id,
      metric: { namespace: "AWS/ApplicationELB", metricName, stat, period: 60, dimensions: dimensions(group) },
      returnData: false,
    });
    const sum = (prefix: string) => groups.map((_, index) => `${prefix}${index}`).join(" + ");
    const alarms = [
      alarm("5xx-rate", {
        alarmDescription: `More than ${CANARY_MAX_5XX_RATE * 100}% of the ${args.name} requests fail with a 5xx`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: CANARY_MAX_5XX_RATE,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: "notBreaching",
        metricQueries: [
          ...groups.flatMap((group, index) => [
            metric(`errors${index}`, "HTTPCode_Target_5XX_Count", "Sum", group),
            metric(`requests${index}`, "RequestCount", "Sum", group),
          ]),
          { id: "rate", expression: `IF((${sum("requests")}) > 0, (${sum("errors")}) / (${sum("requests")}), 0)`, label: "5xx rate", returnData: true },
        ],
      }),
      alarm("p95-latency", {
        alarmDescription: `The ${args.name}'s p95 response time exceeds ${CANARY_MAX_P95_SECONDS} s`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: CANARY_MAX_P95_SECONDS,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: "notBreaching",
        metricQueries: [
          ...groups.map((group, index) => metric(`p95_${index}`, "TargetResponseTime", "p95", group)),
          { id: "worst", expression: `MAX([${groups.map((_, index) => `p95_${index}`).join(", ")}])`, label: "p95 response time", returnData: true },
        ],
      }),
    ];
    this.alarmNames = ["5xx-rate", "p95-latency"].map((suffix) => `${qualified}-${suffix}`);
    this.alarms = alarms;
    this.targetGroups = groups;
    this.testRoute = testRoute;

    const infrastructureRole = alternate
      ? new aws.Role(`${name}-infrastructure`, { name: `${qualified}-infrastructure`, assumeRolePolicy: assumedBy("ecs.amazonaws.com") }, { parent: this })
      : undefined;
    // ECS moves traffic between the target groups as this role: it needs its policy from the start.
    const infrastructureRoleArn = infrastructureRole
      ? readyAfter(
          infrastructureRole.arn,
          new aws.RolePolicyAttachment(
            `${name}-infrastructure`,
            { role: infrastructureRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers" },
            { parent: this },
          ),
        )
      : undefined;

    this.service = routedService(
      this,
      name,
      task,
      args,
      route,
      {
        loadBalancers: [
          {
            targetGroupArn: primary.arn,
            containerName: args.name,
            containerPort: args.port,
            advancedConfiguration:
              alternate && infrastructureRoleArn
                ? { alternateTargetGroupArn: alternate.arn, productionListenerRule: route.arn, testListenerRule: testRoute?.arn, roleArn: infrastructureRoleArn }
                : undefined,
          },
        ],
        deploymentConfiguration: alternate
          ? {
              strategy: "CANARY",
              canaryConfiguration: { canaryPercent: CANARY_PERCENT, canaryBakeTimeInMinutes: String(CANARY_BAKE_MINUTES) },
              bakeTimeInMinutes: String(CANARY_BAKE_MINUTES),
            }
          : { strategy: "ROLLING" },
        alarms: { alarmNames: alarms.map((entry) => entry.name), enable: true, rollback: true },
      },
      // The deploy pipeline owns the running revision: a later `pulumi up` must not revert it.
      ["taskDefinition"],
    );

    this.url = `https://${args.hostname}`;
    this.registerOutputs({ url: this.url });
  }
}
