import * as pulumi from "@pulumi/pulumi";
import { assumedBy } from "../aws/iam";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import { FargateTaskSpec, fargateTask } from "../platform/fargate-task";

/**
 * `image` is what the job's first task definition runs, by digest; the pipeline moves the schedule
 * to each revision it deploys, as for the model's web services.
 */
export interface ScheduledBatchJobArgs extends Omit<FargateTaskSpec, "port"> {
  /**
   * When the job runs, as EventBridge Scheduler reads it: `cron(…)` or `rate(…)`.
   * @default "cron(0 3 * * ? *)" — daily at 03:00
   */
  readonly scheduleExpression?: string;
  /** @default "UTC" */
  readonly scheduleTimezone?: string;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupId: pulumi.Input<string>;
}

/**
 * The batch scoring job: a Fargate task that EventBridge Scheduler starts on a schedule, with
 * alarms on runs that fail and on runs the scheduler could not start.
 *
 * Like the web services, its running revision belongs to the deploy pipeline: deploy-service
 * registers a revision, runs it once to completion, and only then points the schedule at it. The
 * program ignores the schedule's task definition, so `pulumi up` never reverts a deployment.
 */
export class ScheduledBatchJob extends pulumi.ComponentResource {
  readonly taskDefinition: aws.TaskDefinition;
  readonly logGroup: aws.LogGroup;
  readonly schedule: aws.Schedule;
  readonly scheduleName: string;
  /** The schedule group, named after the cluster: the deploy role may update its schedules only. */
  readonly scheduleGroupName: string;
  readonly alarmNames: readonly string[];
  readonly alarms: readonly aws.MetricAlarm[];
  /** The rule matching runs that exited with an error. */
  readonly failedRuns: aws.EventRule;

  constructor(name: string, args: ScheduledBatchJobArgs, opts?: pulumi.ComponentResourceOptions) {
    // The token keeps the folder's first name (infra/serving): a new one would change every URN.
    super("mlops-cicd:serving:ScheduledBatchJob", name, {}, opts);

    const task = fargateTask(this, name, args);
    const qualified = task.qualifiedName;
    this.logGroup = task.logGroup;
    this.taskDefinition = task.taskDefinition;
    this.scheduleName = qualified;
    this.scheduleGroupName = args.cluster.clusterName;

    const group = new aws.ScheduleGroup(name, { name: this.scheduleGroupName }, { parent: this });

    // The scheduler starts the task as this role: RunTask on the job's family only, and passing the
    // task's own two roles.
    const schedulerRole = new aws.Role(`${name}-scheduler`, { name: `${qualified}-scheduler`, assumeRolePolicy: assumedBy("scheduler.amazonaws.com") }, { parent: this });
    const schedulerPolicy = new aws.RolePolicy(
      `${name}-scheduler`,
      {
        role: schedulerRole.name,
        policy: pulumi
          .all([this.taskDefinition.arnWithoutRevision, task.executionRole.arn, task.taskRole.arn, args.cluster.cluster.arn])
          .apply(([family, executionRole, taskRole, cluster]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "RunTheJob",
                  Effect: "Allow",
                  Action: "ecs:RunTask",
                  Resource: `${family}:*`,
                  Condition: { ArnEquals: { "ecs:cluster": cluster } },
                },
                { Sid: "PassTaskRoles", Effect: "Allow", Action: "iam:PassRole", Resource: [executionRole, taskRole] },
                {
                  // The schedule propagates the task definition's tags to the task it starts.
                  Sid: "TagTheTask",
                  Effect: "Allow",
                  Action: "ecs:TagResource",
                  Resource: "*",
                  Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
                },
              ],
            }),
          ),
      },
      { parent: this },
    );

    this.schedule = new aws.Schedule(
      name,
      {
        name: this.scheduleName,
        groupName: group.name,
        description: `Batch scoring of ${args.cluster.clusterName}`,
        scheduleExpression: args.scheduleExpression ?? "cron(0 3 * * ? *)",
        scheduleExpressionTimezone: args.scheduleTimezone ?? "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: args.cluster.cluster.arn,
          roleArn: readyAfter(schedulerRole.arn, schedulerPolicy),
          ecsParameters: {
            taskDefinitionArn: this.taskDefinition.arn,
            launchType: "FARGATE",
            platformVersion: "LATEST",
            taskCount: 1,
            networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
            propagateTags: "TASK_DEFINITION",
            enableEcsManagedTags: true,
          },
          // A run that cannot start is retried for an hour, then counted as a target error below.
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        },
      },
      // The deploy pipeline owns the revision the schedule runs: a later `pulumi up` must not revert it.
      { parent: this, ignoreChanges: ["target.ecsParameters.taskDefinitionArn"] },
    );

    // A run that stopped with a non-zero exit code, or never started (an image or a secret it could
    // not get): ECS reports both on the default event bus, and the rule's MatchedEvents counts them.
    const failedRuns = new aws.EventRule(
      `${name}-failed-runs`,
      {
        name: `${qualified}-failed-runs`,
        description: `Runs of ${qualified} that exited with an error`,
        eventPattern: args.cluster.cluster.arn.apply((cluster) =>
          JSON.stringify({
            source: ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            detail: {
              clusterArn: [cluster],
              group: [`family:${qualified}`],
              lastStatus: ["STOPPED"],
              $or: [{ containers: { name: [args.name], exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
            },
          }),
        ),
      },
      { parent: this },
    );

    // Both alarms fire on a single occurrence in five minutes: one failed or unstarted run is news.
    const anyOccurrence = (suffix: string, description: string, namespace: string, metricName: string, dimensions: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
      new aws.MetricAlarm(
        `${name}-${suffix}`,
        {
          name: `${qualified}-${suffix}`,
          alarmDescription: description,
          namespace,
          metricName,
          dimensions,
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          treatMissingData: "notBreaching",
        },
        { parent: this },
      );
    const failedRunsAlarm = anyOccurrence(
      "failed-runs",
      `A run of ${qualified} exited with an error or failed to start: see the /ecs/${qualified} logs and the stopped task's reason`,
      "AWS/Events",
      "MatchedEvents",
      { RuleName: failedRuns.name },
    );
    const startErrorsAlarm = anyOccurrence(
      "start-errors",
      `EventBridge Scheduler dropped a run of ${qualified}: RunTask failed after all its retries`,
      "AWS/Scheduler",
      "InvocationDroppedCount",
      { ScheduleGroup: group.name },
    );
    this.alarmNames = ["failed-runs", "start-errors"].map((suffix) => `${qualified}-${suffix}`);
    this.alarms = [failedRunsAlarm, startErrorsAlarm];
    this.failedRuns = failedRuns;

    this.registerOutputs({ scheduleName: this.scheduleName, scheduleGroupName: this.scheduleGroupName });
  }
}
