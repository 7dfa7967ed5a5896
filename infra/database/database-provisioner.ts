import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { assumedBy } from "../aws/iam";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import type { RoleKey } from "./roles";

/** The provisioner's bundle, built from provisioner/handler.ts by `npm run gen` and committed. */
export const PROVISIONER_BUNDLE = path.join(__dirname, "provisioner", "__bundle__", "index.js");

/** Lambda's Node.js runtime; its AWS SDK v3 is what the bundle leaves out. */
export const PROVISIONER_RUNTIME = "nodejs24.x";

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
  /** Login roles, each with the secret holding its `password`, as written. */
  readonly roles: readonly { readonly name: string; readonly secret: SecretRef }[];
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

    const code = fs.readFileSync(PROVISIONER_BUNDLE, "utf8");
    const logGroup = new aws.LogGroup(name, { name: `/aws/lambda/${args.name}`, retentionInDays: args.logRetentionDays }, { parent: this });
    const role = new aws.Role(name, { name: args.name, assumeRolePolicy: assumedBy("lambda.amazonaws.com") }, { parent: this });
    // Lambda checks at creation that the role may create network interfaces in the VPC.
    const vpcAccess = new aws.RolePolicyAttachment(
      `${name}-vpc`,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" },
      { parent: this },
    );
    const secretArns = [args.masterSecret.arn, ...args.roles.map((entry) => entry.secret.arn)];
    const access = new aws.RolePolicy(
      name,
      {
        role: role.name,
        policy: pulumi.all([logGroup.arn, pulumi.all(secretArns)]).apply(([group, secrets]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${group}:*` },
              { Sid: "Credentials", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...new Set(secrets)].sort() },
            ],
          }),
        ),
      },
      { parent: this },
    );

    this.function = new aws.LambdaFunction(
      name,
      {
        name: args.name,
        description: "Converges the database's roles, databases, grants and metrics schema from inside the VPC",
        runtime: PROVISIONER_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(code) }),
        sourceCodeHash: createHash("sha256").update(code).digest("base64"),
        // Waits for both policies: the role must reach the VPC at creation and the secrets at the first call.
        role: readyAfter(role.arn, vpcAccess, access),
        timeout: 300,
        memorySize: 256,
        vpcConfig: { subnetIds: args.subnetIds, securityGroupIds: [args.securityGroupId] },
        // The RDS certificate authorities, which Node.js 20+ runtimes do not load by default.
        environment: { variables: { NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem" } },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
      },
      { parent: this },
    );

    const input = pulumi
      .all([args.masterSecret.arn, pulumi.all(args.roles.map((entry) => entry.secret.arn))])
      .apply(([masterSecretArn, roleSecretArns]) =>
        JSON.stringify({
          masterSecretArn,
          roles: args.roles.map((entry, index) => ({ name: entry.name, secretArn: roleSecretArns[index] })),
          databases: args.databases,
          metrics: args.metrics,
        }),
      );
    // A new secret value (a rebuild, a rotation) or new code (a migration) runs it again; the
    // version IDs are opaque, so nothing secret lands in state.
    const versions = pulumi.all([args.masterSecret.versionId, ...args.roles.map((entry) => entry.secret.versionId)]);
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
