import * as pulumi from "@pulumi/pulumi";
import { assumedBy } from "../aws/iam";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import type { ServiceCluster } from "./service-cluster";

export interface SecretReference {
  /** The Secrets Manager secret's ARN. */
  readonly secretArn: pulumi.Input<string>;
  /** A key of the secret's JSON. @default the whole secret */
  readonly key?: string;
  /**
   * The version to read. Naming it makes a new version a new task definition, so the service rolls
   * and every task, including one started later to replace another, reads the same value.
   * @default the version labelled AWSCURRENT when a task starts
   */
  readonly versionId?: pulumi.Input<string>;
}

/**
 * A container beside a service's main one, in the same task: a helper that feeds the main container
 * files through a volume of the task's own storage. Not part of one-off tasks.
 */
export interface SidecarSpec {
  /** The container's name, unique in the task; its log stream prefix. */
  readonly name: string;
  /** Image reference by digest. */
  readonly image: pulumi.Input<string>;
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * A Fargate bind mount (empty when the task starts, gone with it; no host path) the sidecar writes
   * at `sidecarPath` and the main container reads, read-only, at `mainPath`.
   */
  readonly sharedVolume: { readonly name: string; readonly sidecarPath: string; readonly mainPath: string };
  /**
   * A command in the sidecar's image that succeeds once the main container may start (ECS's
   * container health check; the main container waits for HEALTHY). It must keep succeeding after
   * that: an essential container that turns unhealthy gets the whole task replaced.
   */
  readonly readyCommand: readonly string[];
}

/** Seconds a sidecar has to get ready before ECS counts its health checks (ECS allows up to 300). */
const SIDECAR_START_SECONDS = 120;

/** What a Fargate task of the cluster runs: one container (and its sidecars), its logs, its secrets and its roles. */
export interface FargateTaskSpec {
  readonly cluster: ServiceCluster;
  /** The container's name; the task family is `<cluster>-<name>`. */
  readonly name: string;
  /** Image reference by digest. */
  readonly image: pulumi.Input<string>;
  /** The port the container listens on. @default none: a task that serves nothing (a batch job) */
  readonly port?: number;
  readonly logRetentionDays: number;
  /** @default 512 */
  readonly cpu?: number;
  /** @default 1024 */
  readonly memory?: number;
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secrets Manager values the container gets as environment variables. */
  readonly secrets?: Readonly<Record<string, SecretReference>>;
  /** IAM statements of the task role: what the application itself may do in AWS. @default none */
  readonly taskPolicyStatements?: pulumi.Input<readonly Record<string, unknown>[]>;
  /** The container's command, when not the image's. */
  readonly command?: readonly string[];
  /**
   * More task definitions with another command, and entry point where the image's cannot run it
   * (one-off tasks): family `<cluster>-<name>-<suffix>`. @default none
   */
  readonly oneOffTasks?: readonly { readonly suffix: string; readonly command: readonly string[]; readonly entryPoint?: readonly string[] }[];
  /**
   * Containers beside the main one in the service's task. Each is essential (ECS replaces a task
   * whose sidecar stopped, so a helper never dies unnoticed), and the main container starts once
   * each is ready.
   * @default none
   */
  readonly sidecars?: readonly SidecarSpec[];
}

/** A service of the cluster behind its HTTPS listener, on private subnets. */
export interface RoutedServiceSpec extends FargateTaskSpec {
  /** Host name the load balancer routes to the service. */
  readonly hostname: string;
  /** Listener rule priority, unique per listener. */
  readonly priority: number;
  readonly port: number;
  readonly healthCheckPath: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly desiredCount: number;
}

export interface FargateTaskResources {
  readonly qualifiedName: string;
  readonly logGroup: aws.LogGroup;
  readonly executionRole: aws.Role;
  readonly taskRole: aws.Role;
  readonly taskDefinition: aws.TaskDefinition;
  readonly oneOffTaskDefinitions: readonly aws.TaskDefinition[];
}

/**
 * The task side of a service, shared by the platform's and the model's services: a log group with
 * retention, an execution role that may read exactly the task's secrets and the registry
 * credentials, a task role, and the task definition(s). Resources are children of `parent`.
 */
export function fargateTask(parent: pulumi.Resource, name: string, args: FargateTaskSpec): FargateTaskResources {
  const qualified = `${args.cluster.clusterName}-${args.name}`;
  const logGroup = new aws.LogGroup(name, { name: `/ecs/${qualified}`, retentionInDays: args.logRetentionDays }, { parent });

  const secretArns = Object.values(args.secrets ?? {}).map((secret) => secret.secretArn);
  // Named `<cluster>-…` so the GitHub deploy role may pass them to ECS and nothing else.
  const executionRole = new aws.Role(`${name}-execution`, { name: `${qualified}-execution`, assumeRolePolicy: assumedBy("ecs-tasks.amazonaws.com") }, { parent });
  const executionPolicy = new aws.RolePolicy(
    `${name}-execution`,
    {
      role: executionRole.name,
      policy: pulumi
        .all([logGroup.arn, args.cluster.registryCredentialsArn, pulumi.all(secretArns)])
        .apply(([group, registry, secrets]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${group}:*` },
              { Sid: "Secrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...new Set([registry, ...secrets])].sort() },
            ],
          }),
        ),
    },
    { parent },
  );
  const taskRole = new aws.Role(`${name}-task`, { name: `${qualified}-task`, assumeRolePolicy: assumedBy("ecs-tasks.amazonaws.com") }, { parent });
  let taskPolicy: aws.RolePolicy | undefined;
  if (args.taskPolicyStatements !== undefined) {
    taskPolicy = new aws.RolePolicy(
      `${name}-task`,
      {
        role: taskRole.name,
        policy: pulumi.output(args.taskPolicyStatements).apply((statements) => JSON.stringify({ Version: "2012-10-17", Statement: statements })),
      },
      { parent },
    );
  }

  const region = aws.getRegionOutput({}, { parent }).region;
  const sidecars = args.sidecars ?? [];
  const sortedEnvironment = (environment: Record<string, string>) =>
    Object.entries(environment)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ name: key, value }));
  const sidecarDefinitions = pulumi.all(
    sidecars.map((sidecar) => pulumi.all([sidecar.image, pulumi.all(sidecar.environment ?? {})]).apply(([image, environment]) => ({ sidecar, image, environment }))),
  );
  // Keys only a task with sidecars has stay out of the others' JSON: a changed definition is a new revision.
  const containerDefinitions = (command: readonly string[] | undefined, entryPoint?: readonly string[], withSidecars = false) =>
    pulumi
      .all([
        args.image,
        args.cluster.registryCredentialsArn,
        logGroup.name,
        region,
        pulumi.all(args.environment ?? {}),
        pulumi.all(
          Object.fromEntries(
            Object.entries(args.secrets ?? {}).map(([key, secret]) => [key, pulumi.all([secret.secretArn, secret.versionId ?? ""]).apply(([arn, version]) => ({ arn, version }))]),
          ),
        ),
        sidecarDefinitions,
      ])
      .apply(([image, registry, group, awsRegion, environment, secretArnsByName, resolvedSidecars]) => {
        const beside = withSidecars ? resolvedSidecars : [];
        const logs = (streamPrefix: string) => ({
          logDriver: "awslogs",
          options: { "awslogs-group": group, "awslogs-region": awsRegion, "awslogs-stream-prefix": streamPrefix },
        });
        return JSON.stringify([
          {
            name: args.name,
            image,
            essential: true,
            repositoryCredentials: { credentialsParameter: registry },
            portMappings: args.port === undefined ? [] : [{ containerPort: args.port, protocol: "tcp" }],
            entryPoint,
            command,
            environment: sortedEnvironment(environment),
            secrets: Object.entries(secretArnsByName)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([key, { arn, version }]) => {
                const jsonKey = args.secrets?.[key]?.key ?? "";
                // arn:…:secret:<name>:<json-key>:<version-stage>:<version-id>; a version ID goes without a stage.
                return { name: key, valueFrom: jsonKey !== "" || version !== "" ? `${arn}:${jsonKey}::${version}` : arn };
              }),
            privileged: false,
            logConfiguration: logs(args.name),
            mountPoints:
              beside.length === 0
                ? undefined
                : beside.map(({ sidecar }) => ({ sourceVolume: sidecar.sharedVolume.name, containerPath: sidecar.sharedVolume.mainPath, readOnly: true })),
            dependsOn: beside.length === 0 ? undefined : beside.map(({ sidecar }) => ({ containerName: sidecar.name, condition: "HEALTHY" })),
          },
          ...beside.map(({ sidecar, image: sidecarImage, environment: sidecarEnvironment }) => ({
            name: sidecar.name,
            image: sidecarImage,
            essential: true,
            repositoryCredentials: { credentialsParameter: registry },
            portMappings: [],
            environment: sortedEnvironment(sidecarEnvironment),
            secrets: [],
            privileged: false,
            logConfiguration: logs(sidecar.name),
            mountPoints: [{ sourceVolume: sidecar.sharedVolume.name, containerPath: sidecar.sharedVolume.sidecarPath, readOnly: false }],
            healthCheck: { command: ["CMD", ...sidecar.readyCommand], interval: 10, timeout: 5, retries: 3, startPeriod: SIDECAR_START_SECONDS },
          })),
        ]);
      });

  const taskDefinition = (resourceName: string, family: string, command: readonly string[] | undefined, entryPoint?: readonly string[], withSidecars = false) =>
    new aws.TaskDefinition(
      resourceName,
      {
        family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu ?? 512),
        memory: String(args.memory ?? 1024),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        // ECS assumes both as a task starts: their policies must be in place by then.
        executionRoleArn: readyAfter(executionRole.arn, executionPolicy),
        taskRoleArn: taskPolicy ? readyAfter(taskRole.arn, taskPolicy) : taskRole.arn,
        containerDefinitions: containerDefinitions(command, entryPoint, withSidecars),
        // configureAtLaunch as ECS reports it back: left out, every refresh would see a difference
        // and the nightly drift check would fail on it.
        volumes: withSidecars && sidecars.length > 0 ? sidecars.map((sidecar) => ({ name: sidecar.sharedVolume.name, configureAtLaunch: false })) : undefined,
        // A replaced revision stays ACTIVE: a service, a schedule or a rollback may still point at
        // it, and ECS starts no new task from an INACTIVE one.
        skipDestroy: true,
      },
      { parent },
    );
  return {
    qualifiedName: qualified,
    logGroup,
    executionRole,
    taskRole,
    taskDefinition: taskDefinition(name, qualified, args.command, undefined, true),
    oneOffTaskDefinitions: (args.oneOffTasks ?? []).map((task) => taskDefinition(`${name}-${task.suffix}`, `${qualified}-${task.suffix}`, task.command, task.entryPoint)),
  };
}

/**
 * An IP target group for a Fargate service, health-checked on `path`. `tags` add to the provider's
 * default tags. @default no tags of its own
 */
export function ipTargetGroup(
  parent: pulumi.Resource,
  name: string,
  port: number,
  vpcId: pulumi.Input<string>,
  path: string,
  tags?: Readonly<Record<string, string>>,
): aws.TargetGroup {
  return new aws.TargetGroup(
    name,
    {
      port,
      protocol: "HTTP",
      targetType: "ip",
      vpcId,
      deregistrationDelay: 30,
      healthCheck: { path, matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
      tags: tags && { ...tags },
    },
    { parent },
  );
}

/** What differs between the services of the cluster; the rest is `routedService`'s. */
export type ServiceSettings = Omit<
  aws.EcsServiceArgs,
  "name" | "cluster" | "taskDefinition" | "desiredCount" | "launchType" | "platformVersion" | "networkConfiguration" | "healthCheckGracePeriodSeconds" | "deploymentCircuitBreaker" | "propagateTags" | "enableExecuteCommand"
>;

/**
 * The ECS service of a routed Fargate task, as every service of the cluster runs: private subnets
 * without a public address, a 120 s health-check grace period, a circuit breaker that rolls a
 * failed deployment back, tags propagated, no `execute-command` shell. It waits for `route`:
 * ECS refuses a target group no listener uses yet.
 */
export function routedService(
  parent: pulumi.Resource,
  name: string,
  task: FargateTaskResources,
  spec: RoutedServiceSpec,
  route: aws.ListenerRule,
  settings: ServiceSettings,
  ignoreChanges: string[] = [],
): aws.EcsService {
  return new aws.EcsService(
    name,
    {
      name: task.qualifiedName,
      cluster: spec.cluster.cluster.arn,
      taskDefinition: task.taskDefinition.arn,
      desiredCount: spec.desiredCount,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: { subnets: spec.subnetIds, securityGroups: [spec.securityGroupId], assignPublicIp: false },
      healthCheckGracePeriodSeconds: 120,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      propagateTags: "SERVICE",
      enableExecuteCommand: false,
      ...settings,
    },
    { parent, dependsOn: [route], ignoreChanges },
  );
}
