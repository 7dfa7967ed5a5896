import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

export interface GitHubDeployRoleArgs {
  /** `owner/repository` of the application repository. */
  readonly repository: string;
  /** The GitHub environment whose jobs may assume the role. */
  readonly environment: string;
  /**
   * The account's OIDC provider for GitHub Actions. An account holds one: the first stack creates it,
   * others name it here.
   * @default create it
   */
  readonly oidcProviderArn?: string;
  /** The ECS cluster the environment's deployments roll services in. */
  readonly clusterName: string;
  readonly region: pulumi.Input<string>;
  /** Where ci-cd's deploy jobs load the application team's Grafana dashboards (the only S3 the role may touch). */
  readonly dashboards: DashboardsLocation<pulumi.Input<string>>;
}

/** A bucket and a key prefix (with its trailing slash) in it. */
export interface DashboardsLocation<T = string> {
  readonly bucketArn: T;
  readonly prefix: string;
}

/** The trust policy: only this repository's jobs in this environment, with the STS audience. */
export function trustPolicy(oidcProviderArn: string, repository: string, environment: string): string {
  return oidcTrustPolicy(oidcProviderArn, `repo:${repository}:environment:${environment}`);
}

function oidcTrustPolicy(oidcProviderArn: string, subject: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  });
}

/** The model services a deploy job rolls, runs and reads: never the platform's own (MLflow, Grafana). */
export const MODEL_SERVICES = ["web-service", "mlflow-service", "batch"] as const;

/**
 * What deploy jobs do with AWS (docs/workflows.md): roll the model services of the environment's
 * cluster, run the batch task and point its schedule, read the canary alarms and the model services'
 * logs, and replace the team's dashboards under their prefix. Every resource is a model service's: the platform's services, their one-off tasks (which
 * run with MLflow's and Grafana's secrets), their roles and their logs stay out of reach.
 * Registering a task definition cannot be scoped by resource in IAM; what it could do is bounded by
 * the roles it may pass, which are the model services' own.
 */
export function deployPolicy(account: string, region: string, clusterName: string, dashboards: DashboardsLocation): string {
  const ecs = (resource: string) => `arn:aws:ecs:${region}:${account}:${resource}`;
  const each = <T>(format: (qualified: string) => T): T[] => MODEL_SERVICES.map((service) => format(`${clusterName}-${service}`));
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RollServices",
        Effect: "Allow",
        Action: ["ecs:DescribeServices", "ecs:UpdateService"],
        Resource: each((qualified) => ecs(`service/${clusterName}/${qualified}`)),
      },
      {
        // The canary's progress (when the test route reaches the new revision) and stopping it with
        // a rollback when the load test fails.
        Sid: "FollowDeployments",
        Effect: "Allow",
        Action: "ecs:ListServiceDeployments",
        Resource: each((qualified) => ecs(`service/${clusterName}/${qualified}`)),
      },
      {
        Sid: "StopDeployments",
        Effect: "Allow",
        Action: ["ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"],
        Resource: each((qualified) => ecs(`service-deployment/${clusterName}/${qualified}/*`)),
      },
      {
        Sid: "RunModelTasks",
        Effect: "Allow",
        Action: "ecs:RunTask",
        Resource: each((qualified) => ecs(`task-definition/${qualified}:*`)),
        Condition: { ArnEquals: { "ecs:cluster": ecs(`cluster/${clusterName}`) } },
      },
      {
        Sid: "WatchTasks",
        Effect: "Allow",
        Action: ["ecs:DescribeTasks", "ecs:StopTask"],
        Resource: ecs(`task/${clusterName}/*`),
      },
      {
        Sid: "TaskDefinitions",
        Effect: "Allow",
        Action: ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
        Resource: "*",
      },
      {
        Sid: "PassTaskRoles",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: each((qualified) => [`arn:aws:iam::${account}:role/${qualified}-execution`, `arn:aws:iam::${account}:role/${qualified}-task`]).flat(),
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
      {
        // The batch job's schedule lives in a group named after the cluster; updating it passes the
        // scheduler's role again.
        Sid: "PointTheBatchSchedule",
        Effect: "Allow",
        Action: ["scheduler:GetSchedule", "scheduler:UpdateSchedule"],
        Resource: `arn:aws:scheduler:${region}:${account}:schedule/${clusterName}/*`,
      },
      {
        Sid: "PassSchedulerRole",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: `arn:aws:iam::${account}:role/${clusterName}-batch-scheduler`,
        Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      },
      {
        // A failed trial run's last log lines go into the run's log and the incident issue.
        Sid: "ReadServiceLogs",
        Effect: "Allow",
        Action: "logs:GetLogEvents",
        Resource: each((qualified) => `arn:aws:logs:${region}:${account}:log-group:/ecs/${qualified}:*`),
      },
      {
        Sid: "CanaryAlarms",
        Effect: "Allow",
        Action: "cloudwatch:DescribeAlarms",
        Resource: `arn:aws:cloudwatch:${region}:${account}:alarm:${clusterName}-*`,
      },
      // `aws s3 sync --delete` of the team's dashboards: list what is there, upload, remove. No
      // read: what Grafana loads comes from the repository, never back from the bucket.
      {
        Sid: "ListDashboards",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: dashboards.bucketArn,
        Condition: { StringLike: { "s3:prefix": [`${dashboards.prefix}*`] } },
      },
      {
        Sid: "WriteDashboards",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: `${dashboards.bucketArn}/${dashboards.prefix}*`,
      },
    ],
  });
}

/**
 * The IAM role an environment's GitHub jobs assume through OIDC instead of holding AWS keys.
 */
export class GitHubDeployRole extends pulumi.ComponentResource {
  readonly role: aws.Role;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: GitHubDeployRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:identity:GitHubDeployRole", name, {}, opts);

    this.oidcProviderArn =
      args.oidcProviderArn !== undefined
        ? pulumi.output(args.oidcProviderArn)
        : new aws.OpenIdConnectProvider(`${name}-github`, { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE] }, { parent: this }).arn;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    this.role = new aws.Role(
      name,
      {
        description: `GitHub Actions jobs of ${args.repository} in the ${args.environment} environment`,
        assumeRolePolicy: this.oidcProviderArn.apply((arn) => trustPolicy(arn, args.repository, args.environment)),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );
    new aws.RolePolicy(
      `${name}-deploy`,
      {
        role: this.role.name,
        policy: pulumi
          .all([account, args.region, args.dashboards.bucketArn])
          .apply(([id, region, bucketArn]) => deployPolicy(id, region, args.clusterName, { bucketArn, prefix: args.dashboards.prefix })),
      },
      { parent: this },
    );

    this.roleArn = this.role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
