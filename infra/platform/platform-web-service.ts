import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { RoutedServiceSpec, fargateTask, ipTargetGroup, routedService } from "./fargate-task";

export type PlatformWebServiceArgs = RoutedServiceSpec;

/**
 * A platform service on Fargate behind the cluster's HTTPS listener: private subnets, no public
 * address, logs kept for a set time, secrets injected by ECS from Secrets Manager, deployments that
 * roll back by themselves when new tasks do not become healthy.
 */
export class PlatformWebService extends pulumi.ComponentResource {
  readonly service: aws.EcsService;
  readonly taskDefinition: aws.TaskDefinition;
  readonly oneOffTaskDefinitions: readonly aws.TaskDefinition[];
  readonly targetGroup: aws.TargetGroup;
  readonly logGroup: aws.LogGroup;
  readonly taskRole: aws.Role;
  readonly executionRole: aws.Role;
  readonly url: string;

  constructor(name: string, args: PlatformWebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type token keeps its first name: it is part of every child's URN, and a new token would
    // make `pulumi up` replace the running services (the folder is infra/platform/ now).
    super("mlops-cicd:services:WebService", name, {}, opts);

    const task = fargateTask(this, name, args);
    this.logGroup = task.logGroup;
    this.executionRole = task.executionRole;
    this.taskRole = task.taskRole;
    this.taskDefinition = task.taskDefinition;
    this.oneOffTaskDefinitions = task.oneOffTaskDefinitions;

    this.targetGroup = ipTargetGroup(this, name, args.port, args.vpcId, args.healthCheckPath);
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

    this.service = routedService(this, name, task, args, route, {
      loadBalancers: [{ targetGroupArn: this.targetGroup.arn, containerName: args.name, containerPort: args.port }],
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      waitForSteadyState: true,
    });

    this.url = `https://${args.hostname}`;
    this.registerOutputs({ url: this.url });
  }
}
