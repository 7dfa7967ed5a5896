/**
 * How long `pulumi up` takes to create each kind of resource from empty state, and the operator's
 * steps around it. Planning figures, not measurements: each names where it comes from, and
 * docs/disaster-recovery.md lists them with those sources (a test keeps the two in step). Replace
 * them with the timings of the first recovery drill (`pulumi up` prints one per resource).
 */

/** Where a figure comes from; cited by docs/disaster-recovery.md under the same key. */
export const SOURCES = {
  rdsRestore: {
    title: "AWS Prescriptive Guidance, DR for Amazon RDS: PITR snapshot replication (restore time: snapshot restore plus log replay, up to a few hours)",
    url: "https://docs.aws.amazon.com/prescriptive-guidance/latest/dr-standard-edition-amazon-rds/rds-pitr-snapshot.html",
  },
  rdsPitr: {
    title: "AWS Knowledge Center: why a point-in-time restore of an RDS instance takes long",
    url: "https://repost.aws/knowledge-center/rds-point-in-time-restore-issues",
  },
  rdsCreate: {
    title: "terraform-provider-aws internal/service/rds/instance.go (behind @pulumi/aws): the provider waits for `available`, by default at most 40 minutes",
    url: "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/rds/instance.go",
  },
  rdsProvider: {
    title: "terraform-provider-aws (behind @pulumi/aws): a restore is followed by ModifyDBInstance for the master password and backups, then another wait (hashicorp/terraform-provider-aws#35589)",
    url: "https://github.com/hashicorp/terraform-provider-aws/pull/35589",
  },
  backupReplication: {
    title: "Amazon RDS User Guide: replicating automated backups to another AWS Region (the provider waits for `replicating`)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html",
  },
  natGateway: {
    title: "terraform-provider-aws internal/service/ec2/wait.go: the provider waits for `available`, at most 10 minutes (natGatewayCreatedTimeout)",
    url: "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ec2/wait.go",
  },
  loadBalancer: {
    title: "Elastic Load Balancing User Guide: an Application Load Balancer is `provisioning` until `active`, which the provider waits for",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-state",
  },
  ecsService: {
    title:
      "This program's services: health checks every 15 s, 2 to pass, a 120 s grace period (infra/platform/fargate-task.ts, platform-web-service.ts), after Fargate pulls the image; platform services wait for steady state",
    url: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html",
  },
  imageBuild: {
    title: "This program's images are built by `pulumi up` (infra/images/container-image.ts); a cold build of images/mlflow installs MLflow and its drivers with pip",
    url: "https://www.pulumi.com/registry/packages/docker/api-docs/image/",
  },
  kmsKey: {
    title: "AWS KMS CreateKey returns at once; the provider then waits for the key to propagate",
    url: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html",
  },
  lambdaVpc: {
    title: "AWS Lambda Developer Guide: a function attached to a VPC is `Pending` while Lambda creates its Hyperplane network interfaces (typically minutes), which the provider waits for",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
  },
  provisionerRun: {
    title: "This program's database provisioner (infra/database/provisioner/provision.ts): five roles, three databases, the grants and the metrics migrations, one connection each; the function's timeout is 5 minutes",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
  },
  apiCall: {
    title: "One API call with no provisioning behind it (GitHub, IAM, S3 settings, log groups, alarms); stated, not measured",
    url: "https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/",
  },
  instant: {
    title: "Providers are configured, not created: no cloud operation",
    url: "https://www.pulumi.com/docs/iac/concepts/resources/providers/",
  },
  parallelism: {
    title: "Pulumi CLI: `--parallel` defaults to 4 × the number of CPUs (pulumi/pulumi#15016)",
    url: "https://github.com/pulumi/pulumi/pull/15016",
  },
} as const;

export type SourceKey = keyof typeof SOURCES;

/** One row of the table: a resource type, optionally narrowed by its inputs. */
export interface DurationRule {
  /** What the docs call it. */
  readonly label: string;
  /** Type token, or a prefix ending in ":" (`github:`) for a whole provider. */
  readonly type: string;
  readonly when?: (inputs: Readonly<Record<string, unknown>>) => boolean;
  readonly seconds: number;
  readonly sources: readonly SourceKey[];
}

const minutes = (count: number) => count * 60;
const restores = (inputs: Readonly<Record<string, unknown>>) => inputs.snapshotIdentifier !== undefined || inputs.restoreToPointInTime !== undefined;
const multiAz = (inputs: Readonly<Record<string, unknown>>) => inputs.multiAz === true;

/** First match wins, so narrower rules come before wider ones. */
export const DURATION_RULES: readonly DurationRule[] = Object.freeze([
  { label: "RDS instance restored from a snapshot or backups, Multi-AZ", type: "aws:rds/instance:Instance", when: (i) => restores(i) && multiAz(i), seconds: minutes(40), sources: ["rdsRestore", "rdsPitr", "rdsProvider"] },
  { label: "RDS instance restored from a snapshot or backups, single-AZ", type: "aws:rds/instance:Instance", when: restores, seconds: minutes(30), sources: ["rdsRestore", "rdsPitr", "rdsProvider"] },
  { label: "RDS instance created empty, Multi-AZ", type: "aws:rds/instance:Instance", when: multiAz, seconds: minutes(20), sources: ["rdsCreate"] },
  { label: "RDS instance created empty, single-AZ", type: "aws:rds/instance:Instance", seconds: minutes(10), sources: ["rdsCreate"] },
  {
    label: "RDS automated backups replication to the recovery region",
    type: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    seconds: minutes(15),
    sources: ["backupReplication"],
  },
  { label: "NAT gateway", type: "aws:ec2/natGateway:NatGateway", seconds: minutes(3), sources: ["natGateway"] },
  { label: "Application Load Balancer", type: "aws:lb/loadBalancer:LoadBalancer", seconds: minutes(4), sources: ["loadBalancer"] },
  { label: "ECS service, until its tasks are healthy", type: "aws:ecs/service:Service", seconds: minutes(6), sources: ["ecsService"] },
  { label: "Container image built and pushed", type: "docker:index/image:Image", seconds: minutes(8), sources: ["imageBuild"] },
  { label: "KMS key", type: "aws:kms/key:Key", seconds: 60, sources: ["kmsKey"] },
  { label: "Provider", type: "pulumi:providers:", seconds: 0, sources: ["instant"] },
  { label: "GitHub setting, secret, variable or file", type: "github:", seconds: 10, sources: ["apiCall"] },
  { label: "Lambda function in the VPC (the database provisioner)", type: "aws:lambda/function:Function", seconds: minutes(3), sources: ["lambdaVpc"] },
  { label: "Database provisioner run: roles, databases, grants, metrics schema", type: "aws:lambda/invocation:Invocation", seconds: minutes(1), sources: ["provisionerRun"] },
  { label: "Generated password", type: "random:", seconds: 0, sources: ["instant"] },
]);

/** Anything the table does not name: one API call and the provider's wait for it. */
export const DEFAULT_RULE: DurationRule = Object.freeze<DurationRule>({ label: "Any other resource", type: "*", seconds: 30, sources: ["apiCall"] });

export function durationRule(type: string, inputs: Readonly<Record<string, unknown>>): DurationRule {
  const matches = (rule: DurationRule) => (rule.type.endsWith(":") ? type.startsWith(rule.type) : type === rule.type) && (rule.when?.(inputs) ?? true);
  return DURATION_RULES.find(matches) ?? DEFAULT_RULE;
}

/** A step of the runbook outside `pulumi up` that the rebuild waits for. */
export interface OperatorStep {
  /** The heading of its step in docs/disaster-recovery.md's runbook. */
  readonly runbookStep: string;
  readonly seconds: number;
  /** Only when the stack restores its database from a snapshot or backups. */
  readonly onlyWhenRestoring?: boolean;
}

export const OPERATOR_STEPS: readonly OperatorStep[] = Object.freeze([
  { runbookStep: "Declare the disaster and choose the recovery point", seconds: minutes(15) },
  { runbookStep: "Open the state and the secrets key in the recovery region", seconds: minutes(10) },
  { runbookStep: "Create the rebuild stack and hand it GitHub", seconds: minutes(10) },
  { runbookStep: "Reset Grafana's administrator", seconds: minutes(5), onlyWhenRestoring: true },
  { runbookStep: "Copy the artifacts from the replica", seconds: minutes(15), onlyWhenRestoring: true },
  { runbookStep: "Point the host names at the new load balancer", seconds: minutes(10) },
  { runbookStep: "Deploy the releases again", seconds: minutes(15) },
]);

/** The recovery time objective of docs/disaster-recovery.md, for a region lost with production in it. */
export const RTO_TARGET_SECONDS = minutes(240);

/**
 * The parallelism the estimate assumes: Pulumi's default of 4 × CPUs on a 2-CPU runner (this
 * project's CI machines). A fixed number, so the plan prints the same on every machine.
 */
export const DEFAULT_PARALLELISM = 8;
