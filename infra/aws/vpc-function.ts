import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { assumedBy } from "./iam";
import * as aws from "./sdk";
import { readyAfter } from "../ready";

/** Lambda's Node.js runtime; its AWS SDK v3 is what the committed bundles leave out. */
export const FUNCTION_RUNTIME = "nodejs24.x";

export interface VpcFunctionSpec {
  /** The function's name; its role and log group follow it. */
  readonly functionName: string;
  readonly description: string;
  /** The committed single-file bundle (`npm run gen:functions`), deployed as `index.js`. */
  readonly bundle: string;
  /** Private subnets with a route to the AWS APIs it calls (NAT): where its network interfaces go. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Its security group, passed resolved once the rules the function needs exist. */
  readonly securityGroupId: pulumi.Input<string>;
  /** Secrets Manager secrets it reads, and nothing else. */
  readonly secretArns: readonly pulumi.Input<string>[];
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  /** Environment variables besides the RDS certificate authorities'. */
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
}

export interface VpcFunction {
  readonly function: aws.LambdaFunction;
  readonly role: aws.Role;
  readonly logGroup: aws.LogGroup;
}

/**
 * A Node.js Lambda function on the VPC's private subnets, with a role that may write its own logs,
 * create its network interfaces and read exactly the listed secrets. The database stays private:
 * what must reach it runs here. Resources are children of `parent`, named after `name`.
 */
export function vpcFunction(parent: pulumi.Resource, name: string, spec: VpcFunctionSpec): VpcFunction {
  const opts = { parent };
  const code = fs.readFileSync(spec.bundle, "utf8");
  const logGroup = new aws.LogGroup(name, { name: `/aws/lambda/${spec.functionName}`, retentionInDays: spec.logRetentionDays }, opts);
  const role = new aws.Role(name, { name: spec.functionName, assumeRolePolicy: assumedBy("lambda.amazonaws.com") }, opts);
  // Lambda checks at creation that the role may create network interfaces in the VPC.
  const vpcAccess = new aws.RolePolicyAttachment(
    `${name}-vpc`,
    { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" },
    opts,
  );
  const access = new aws.RolePolicy(
    name,
    {
      role: role.name,
      policy: pulumi.all([logGroup.arn, pulumi.all([...spec.secretArns])]).apply(([group, secrets]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${group}:*` },
            { Sid: "Credentials", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...new Set(secrets)].sort() },
          ],
        }),
      ),
    },
    opts,
  );
  const fn = new aws.LambdaFunction(
    name,
    {
      name: spec.functionName,
      description: spec.description,
      runtime: FUNCTION_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(code) }),
      sourceCodeHash: createHash("sha256").update(code).digest("base64"),
      // Waits for both policies: the role must reach the VPC at creation and the secrets at the first call.
      role: readyAfter(role.arn, vpcAccess, access),
      timeout: spec.timeoutSeconds,
      memorySize: 256,
      vpcConfig: { subnetIds: spec.subnetIds, securityGroupIds: [spec.securityGroupId] },
      // The RDS certificate authorities, which Node.js 20+ runtimes do not load by default.
      environment: { variables: { ...spec.environment, NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem" } },
      loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
    },
    opts,
  );
  return { function: fn, role, logGroup };
}
