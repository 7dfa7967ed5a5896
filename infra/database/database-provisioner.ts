import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { vpcFunction } from "../aws/vpc-function";
import { PROVISIONER_BUNDLE } from "../lambda-bundles";
import type { RoleKey } from "./roles";

export { PROVISIONER_BUNDLE };

export interface DatabaseProvisionerArgs {
  /** `<cluster>-db-provisioner`: the function's name, role and log group follow it. */
  readonly name: string;
  /** Private subnets with a route to Secrets Manager (NAT): where the function's network interfaces go. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The function's security group. Pass it with its rules already resolved (an Output that waits for
   * the egress to the database and the database's ingress from it): the first invocation needs them.
   */
  readonly securityGroupId: pulumi.Input<string>;
  /** The master credentials' secret, as its version was written (`{host, port, username, password}`). */
  readonly masterSecret: SecretRef;
  /**
   * Login roles, each with the secret holding its current `{username, password}` and the one holding
   * its standby `{username, password}`, as written: one of the two logins is the role itself, the
   * other its twin `<role>_alt` (credential-slots.ts).
   */
  readonly roles: readonly { readonly name: string; readonly secret: SecretRef; readonly standbySecret: SecretRef }[];
  readonly databases: readonly { readonly name: string; readonly owner: string }[];
  /** The metrics database: migrated as its owner, with the writer's and reader's grants. */
  readonly metrics?: { readonly database: string; readonly roleNames: Readonly<Record<RoleKey, string>> };
  readonly logRetentionDays: number;
}

/**
 * A secret whose value the provisioner reads: its ARN and the ID of the version written, so the
 * invocation waits for the value (not only the secret) and runs again when the value changes.
 */
export interface SecretRef {
  readonly arn: pulumi.Input<string>;
  readonly versionId: pulumi.Input<string>;
}

/**
 * The database's path from inside the VPC: a Lambda function on the private subnets that converges
 * roles, databases, grants and the metrics schema (provisioner/provision.ts), invoked by `pulumi up`
 * whenever what it is asked to do, a credential or its code changes. The database stays private,
 * nothing outside the VPC ever connects to it, a preview never invokes it, and a first `up` from
 * empty state reaches it as soon as the server exists (docs/decisions/0003-database-provisioning.md).
 */
export class DatabaseProvisioner extends pulumi.ComponentResource {
  readonly function: aws.LambdaFunction;
  readonly invocation: aws.LambdaInvocation;
  /** Names only: what the last run created or changed. */
  readonly result: pulumi.Output<string>;

  constructor(name: string, args: DatabaseProvisionerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:DatabaseProvisioner", name, {}, opts);

    this.function = vpcFunction(this, name, {
      functionName: args.name,
      description: "Converges the database's roles, databases, grants and metrics schema from inside the VPC",
      bundle: PROVISIONER_BUNDLE,
      subnetIds: args.subnetIds,
      securityGroupId: args.securityGroupId,
      secretArns: [args.masterSecret.arn, ...args.roles.flatMap((entry) => [entry.secret.arn, entry.standbySecret.arn])],
      timeoutSeconds: 300,
      logRetentionDays: args.logRetentionDays,
    }).function;

    const input = pulumi
      .all([args.masterSecret.arn, pulumi.all(args.roles.map((entry) => entry.secret.arn)), pulumi.all(args.roles.map((entry) => entry.standbySecret.arn))])
      .apply(([masterSecretArn, roleSecretArns, standbySecretArns]) =>
        JSON.stringify({
          masterSecretArn,
          roles: args.roles.map((entry, index) => ({ name: entry.name, secretArn: roleSecretArns[index], standbySecretArn: standbySecretArns[index] })),
          databases: args.databases,
          metrics: args.metrics,
        }),
      );
    // A new secret value (a rebuild, a rotation) or new code (a migration) runs it again; the
    // version IDs are opaque, so nothing secret lands in state.
    const versions = pulumi.all([args.masterSecret.versionId, ...args.roles.flatMap((entry) => [entry.secret.versionId, entry.standbySecret.versionId])]);
    this.invocation = new aws.LambdaInvocation(
      name,
      {
        functionName: this.function.name,
        input,
        triggers: pulumi.all([versions, this.function.sourceCodeHash]).apply(([ids, hash]) => ({
          credentials: createHash("sha256").update(ids.join(",")).digest("hex"),
          code: hash,
        })),
      },
      { parent: this },
    );

    this.result = this.invocation.result;
    this.registerOutputs({ result: this.result });
  }
}
