import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import type { ServiceCluster } from "./service-cluster";

export interface SecretReference {
  /** The Secrets Manager secret's ARN. */
  readonly secretArn: pulumi.Input<string>;
  /** A key of the secret's JSON. @default the whole secret */
  readonly key?: string;
}

export interface WebServiceArgs {
  readonly cluster: ServiceCluster;
  /** The service's name within the cluster: the ECS service is `<cluster>-<name>`. */
  readonly name: string;
  /** Image reference by digest. */
  readonly image: pulumi.Input<string>;
  readonly port: number;
  /** Host name the load balancer routes to the service. */
  readonly hostname: string;
  /** Listener rule priority, unique per listener. */
  readonly priority: number;
  readonly healthCheckPath: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly desiredCount: number;
  readonly logRetentionDays: number;
  /** @default 512 */
  readonly cpu?: number;
  /** @default 1024 */
  readonly memory?: number;
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secrets Manager values the container gets as environment variables. */
  readonly secrets?: Readonly<Record<string, SecretReference>>;
  /**
   * IAM statements of the task role: what the application itself may do in AWS.
   * @default none
   */
  readonly taskPolicyStatements?: pulumi.Input<readonly Record<string, unknown>[]>;
  /** The container's command, when not the image's. */
  readonly command?: readonly string[];
  /**
   * More task definitions of the same container with another command, for one-off tasks
   * (`mlflow db upgrade`): family `<cluster>-<name>-<suffix>`.
   * @default none
   */
  readonly oneOffTasks?: readonly { readonly suffix: string; readonly command: readonly string[] }[];
}

const ASSUME_BY_ECS_TASKS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/**
 * A platform service on Fargate behind the cluster's HTTPS listener: private subnets, no public
 * address, logs kept for a set time, secrets injected by ECS from Secrets Manager, deployments that
 * roll back by themselves when new tasks do not become healthy.
 */
export class WebService extends pulumi.ComponentResource {
  readonly service: aws.EcsService;
  readonly taskDefinition: aws.TaskDefinition;
  readonly oneOffTaskDefinitions: readonly aws.TaskDefinition[];
  readonly targetGroup: aws.TargetGroup;
  readonly logGroup: aws.LogGroup;
  readonly taskRole: aws.Role;
  readonly executionRole: aws.Role;
  readonly url: string;

  constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:services:WebService", name, {}, opts);

    const qualified = `${args.cluster.clusterName}-${args.name}`;
    this.logGroup = new aws.LogGroup(name, { name: `/ecs/${qualified}`, retentionInDays: args.logRetentionDays }, { parent: this });

    const secretArns = Object.values(args.secrets ?? {}).map((secret) => secret.secretArn);
    // Named `<cluster>-…` so the GitHub deploy role may pass them to ECS and nothing else.
    this.executionRole = new aws.Role(`${name}-execution`, { name: `${qualified}-execution`, assumeRolePolicy: ASSUME_BY_ECS_TASKS }, { parent: this });
    new aws.RolePolicy(
      `${name}-execution`,
      {
        role: this.executionRole.name,
        policy: pulumi
          .all([this.logGroup.arn, args.cluster.registryCredentials.arn, pulumi.all(secretArns)])
          .apply(([logGroup, registry, secrets]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroup}:*` },
                { Sid: "Secrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...new Set([registry, ...secrets])].sort() },
              ],
            }),
          ),
      },
      { parent: this },
    );
    this.taskRole = new aws.Role(`${name}-task`, { name: `${qualified}-task`, assumeRolePolicy: ASSUME_BY_ECS_TASKS }, { parent: this });
    if (args.taskPolicyStatements !== undefined) {
      new aws.RolePolicy(
        `${name}-task`,
        {
          role: this.taskRole.name,
          policy: pulumi.output(args.taskPolicyStatements).apply((statements) => JSON.stringify({ Version: "2012-10-17", Statement: statements })),
        },
        { parent: this },
      );
    }

    const region = aws.getRegionOutput({}, { parent: this }).region;
    const containerDefinitions = (command: readonly string[] | undefined) => pulumi
      .all([
        args.image,
        args.cluster.registryCredentials.arn,
        this.logGroup.name,
        region,
        pulumi.all(args.environment ?? {}),
        pulumi.all(Object.fromEntries(Object.entries(args.secrets ?? {}).map(([key, secret]) => [key, pulumi.output(secret.secretArn)]))),
      ])
      .apply(([image, registry, logGroup, awsRegion, environment, secretArnsByName]) =>
        JSON.stringify([
          {
            name: args.name,
            image,
            essential: true,
            repositoryCredentials: { credentialsParameter: registry },
            portMappings: [{ containerPort: args.port, protocol: "tcp" }],
            command,
            environment: Object.entries(environment)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([key, value]) => ({ name: key, value })),
            secrets: Object.entries(secretArnsByName)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([key, arn]) => {
                const jsonKey = args.secrets?.[key]?.key;
                return { name: key, valueFrom: jsonKey ? `${arn}:${jsonKey}::` : arn };
              }),
            privileged: false,
            logConfiguration: {
              logDriver: "awslogs",
              options: { "awslogs-group": logGroup, "awslogs-region": awsRegion, "awslogs-stream-prefix": args.name },
            },
          },
        ]),
      );

    const taskDefinition = (resourceName: string, family: string, command: readonly string[] | undefined) =>
      new aws.TaskDefinition(
        resourceName,
        {
          family,
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: String(args.cpu ?? 512),
          memory: String(args.memory ?? 1024),
          runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
          executionRoleArn: this.executionRole.arn,
          taskRoleArn: this.taskRole.arn,
          containerDefinitions: containerDefinitions(command),
        },
        { parent: this },
      );
    this.taskDefinition = taskDefinition(name, qualified, args.command);
    this.oneOffTaskDefinitions = (args.oneOffTasks ?? []).map((task) => taskDefinition(`${name}-${task.suffix}`, `${qualified}-${task.suffix}`, task.command));

    this.targetGroup = new aws.TargetGroup(
      name,
      {
        port: args.port,
        protocol: "HTTP",
        targetType: "ip",
        vpcId: args.vpcId,
        deregistrationDelay: 30,
        healthCheck: { path: args.healthCheckPath, matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
      },
      { parent: this },
    );
    const route = new aws.ListenerRule(
      name,
      {
        listenerArn: args.cluster.httpsListener.arn,
        priority: args.priority,
        conditions: [{ hostHeader: { values: [args.hostname] } }],
        actions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      },
      { parent: this },
    );

    this.service = new aws.EcsService(
      name,
      {
        name: qualified,
        cluster: args.cluster.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: args.desiredCount,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
        loadBalancers: [{ targetGroupArn: this.targetGroup.arn, containerName: args.name, containerPort: args.port }],
        healthCheckGracePeriodSeconds: 120,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        propagateTags: "SERVICE",
        enableExecuteCommand: false,
        waitForSteadyState: true,
      },
      // ECS refuses a target group no listener uses yet.
      { parent: this, dependsOn: [route] },
    );

    this.url = `https://${args.hostname}`;
    this.registerOutputs({ url: this.url });
  }
}
