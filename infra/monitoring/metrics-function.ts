import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { vpcFunction } from "../aws/vpc-function";
import { METRICS_FUNCTION_BUNDLE } from "../lambda-bundles";
import { trustPolicy } from "../identity/github-deploy-role";
import { readyAfter } from "../ready";

export { METRICS_FUNCTION_BUNDLE };

export interface MetricsFunctionArgs {
  /** `<cluster>-metrics`: the function's name; its role and log group follow it. */
  readonly functionName: string;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** A security group whose path to the database is open, passed resolved once it is. */
  readonly securityGroupId: pulumi.Input<string>;
  /** The metrics writer's credentials (`{uri}`), as written. */
  readonly writerSecretArn: pulumi.Input<string>;
  /**
   * The version of that secret this run wrote, resolved only once the provisioner has set its
   * password on the server: the function reads that version, never `AWSCURRENT`, which moves
   * before the server has the new password.
   */
  readonly writerSecretVersionId: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /** `owner/repository` of the application repository, whose monitoring job invokes the function. */
  readonly repository: string;
  /** The GitHub environment of that job: the only jobs that may invoke it. */
  readonly environment: string;
  readonly oidcProviderArn: pulumi.Input<string>;
}

/**
 * The monitoring job's way to the private metrics database: a Lambda function in the VPC that runs
 * `mlops-monitor store` and `freshness` as the metrics writer (function/handler.ts), and a role the
 * job assumes through GitHub OIDC that may invoke it and nothing else. The job holds no database
 * password and needs no runner in the VPC.
 */
export class MetricsFunction extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly invokerRoleArn: pulumi.Output<string>;

  constructor(name: string, args: MetricsFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:monitoring:MetricsFunction", name, {}, opts);

    const fn = vpcFunction(this, name, {
      functionName: args.functionName,
      description: "Stores the monitoring job's metrics and reports their freshness, from inside the VPC",
      bundle: METRICS_FUNCTION_BUNDLE,
      subnetIds: args.subnetIds,
      securityGroupId: args.securityGroupId,
      secretArns: [args.writerSecretArn],
      timeoutSeconds: 60,
      logRetentionDays: args.logRetentionDays,
      // A new version changes the function's configuration, after the provisioner ran (the input
      // resolves then): the function moves to the new login once it works, not before.
      environment: { WRITER_SECRET_ARN: args.writerSecretArn, WRITER_SECRET_VERSION_ID: args.writerSecretVersionId },
    }).function;

    const invoker = new aws.Role(
      `${name}-invoker`,
      {
        name: `${args.functionName}-github`,
        description: `Jobs of ${args.repository} in the ${args.environment} environment: invoke ${args.functionName}`,
        assumeRolePolicy: pulumi.output(args.oidcProviderArn).apply((arn) => trustPolicy(arn, args.repository, args.environment)),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );
    const invoke = new aws.RolePolicy(
      `${name}-invoker`,
      {
        role: invoker.name,
        policy: fn.arn.apply((arn) =>
          JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "InvokeMetricsFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: arn }] }),
        ),
      },
      { parent: this },
    );

    this.functionName = fn.name;
    // A job that assumes the role before its policy exists is refused the call: publish it after.
    this.invokerRoleArn = readyAfter(invoker.arn, invoke);
    this.registerOutputs({ functionName: this.functionName, invokerRoleArn: this.invokerRoleArn });
  }
}
