import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";

export interface ServiceClusterArgs {
  /** The ECS cluster's name; services, task roles and alarms are named `<name>-…`. */
  readonly name: string;
  readonly vpcId: pulumi.Input<string>;
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
  readonly certificateArn: string;
  /** GHCR credentials ECS pulls the images with. */
  /** What ECS pulls the images with: a read-only token (`read:packages`). */
  readonly registry: { readonly username: string; readonly pullToken: pulumi.Input<string> };
}

/** TLS 1.3 and 1.2 with forward secrecy only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * The ECS cluster the platform's services run in, and the load balancer in front of them: HTTPS
 * only (there is no port 80 to redirect), unknown host names answered 404.
 */
export class ServiceCluster extends pulumi.ComponentResource {
  readonly cluster: aws.EcsCluster;
  readonly loadBalancer: aws.LoadBalancer;
  readonly httpsListener: aws.Listener;
  /** Secrets Manager secret `{username, password}` for ECS's `repositoryCredentials`. */
  readonly registryCredentials: aws.Secret;
  /** Its ARN, resolved once the credentials are written: what task definitions name. */
  readonly registryCredentialsArn: pulumi.Output<string>;
  readonly clusterName: string;

  constructor(name: string, args: ServiceClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // The token keeps the folder's first name (infra/services): a new one would change every URN.
    super("mlops-cicd:services:ServiceCluster", name, {}, opts);

    this.clusterName = args.name;
    this.cluster = new aws.EcsCluster(name, { name: args.name, settings: [{ name: "containerInsights", value: "enabled" }] }, { parent: this });

    this.loadBalancer = new aws.LoadBalancer(
      name,
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [args.loadBalancerSecurityGroupId],
        dropInvalidHeaderFields: true,
        idleTimeout: 120,
      },
      { parent: this },
    );
    this.httpsListener = new aws.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: args.certificateArn,
        defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } }],
      },
      { parent: this },
    );

    this.registryCredentials = new aws.Secret(`${name}-registry`, { name: `${args.name}/registry/ghcr`, description: "GHCR credentials ECS pulls the platform's images with" }, { parent: this });
    const registryVersion = new aws.SecretVersion(
      `${name}-registry`,
      {
        secretId: this.registryCredentials.id,
        secretString: pulumi.secret(pulumi.output(args.registry.pullToken).apply((token) => JSON.stringify({ username: args.registry.username, password: token }))),
      },
      { parent: this },
    );
    this.registryCredentialsArn = readyAfter(this.registryCredentials.arn, registryVersion);
    this.registerOutputs({});
  }
}
