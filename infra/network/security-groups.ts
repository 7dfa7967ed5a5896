import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";

export interface SecurityGroupsArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Ports the services listen on, reachable from the load balancer only. */
  readonly servicePorts: readonly number[];
  /** @default 5432 */
  readonly databasePort?: number;
}

const ANYWHERE_V4 = "0.0.0.0/0";
const ANYWHERE_V6 = "::/0";

/**
 * The three paths the runtime needs and nothing more: the internet to the load balancer on HTTPS,
 * the load balancer to the services on their ports, the services to the database. Services reach
 * out on HTTPS only (registries, AWS APIs).
 */
export class SecurityGroups extends pulumi.ComponentResource {
  readonly loadBalancer: aws.SecurityGroup;
  readonly services: aws.SecurityGroup;
  readonly database: aws.SecurityGroup;
  readonly provisioner: aws.SecurityGroup;
  /**
   * The provisioner's group ID, resolved once its path to the database is open both ways: what
   * the provisioner function takes, so its first run finds the way.
   */
  readonly provisionerGroupId: pulumi.Output<string>;
  /** The services' group ID, resolved once their rules to the database and the internet exist. */
  readonly servicesGroupId: pulumi.Output<string>;

  constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:network:SecurityGroups", name, {}, opts);

    const databasePort = args.databasePort ?? 5432;
    // Inline rules would be reverted by any rule resource; separate rule resources only.
    const group = (suffix: string, description: string) =>
      new aws.SecurityGroup(`${name}-${suffix}`, { vpcId: args.vpcId, description, tags: { Name: `${name}-${suffix}` } }, { parent: this });
    this.loadBalancer = group("load-balancer", "HTTPS from the internet to the load balancer");
    this.services = group("services", "The services, from the load balancer");
    this.database = group("database", "PostgreSQL, from the services and the provisioner");
    this.provisioner = group("provisioner", "The database provisioner: PostgreSQL and AWS APIs");

    const ingress = (suffix: string, rule: Omit<ConstructorParameters<typeof aws.SecurityGroupIngressRule>[1], "ipProtocol">) =>
      new aws.SecurityGroupIngressRule(`${name}-${suffix}`, { ipProtocol: "tcp", ...rule }, { parent: this });
    const egress = (suffix: string, rule: Omit<ConstructorParameters<typeof aws.SecurityGroupEgressRule>[1], "ipProtocol">) =>
      new aws.SecurityGroupEgressRule(`${name}-${suffix}`, { ipProtocol: "tcp", ...rule }, { parent: this });

    ingress("lb-https-v4", { securityGroupId: this.loadBalancer.id, cidrIpv4: ANYWHERE_V4, fromPort: 443, toPort: 443, description: "HTTPS" });
    ingress("lb-https-v6", { securityGroupId: this.loadBalancer.id, cidrIpv6: ANYWHERE_V6, fromPort: 443, toPort: 443, description: "HTTPS" });
    for (const port of args.servicePorts) {
      egress(`lb-to-services-${port}`, { securityGroupId: this.loadBalancer.id, referencedSecurityGroupId: this.services.id, fromPort: port, toPort: port });
      ingress(`services-from-lb-${port}`, { securityGroupId: this.services.id, referencedSecurityGroupId: this.loadBalancer.id, fromPort: port, toPort: port });
    }
    const servicesOut = [
      egress("services-https", { securityGroupId: this.services.id, cidrIpv4: ANYWHERE_V4, fromPort: 443, toPort: 443, description: "Registries and AWS APIs" }),
      egress("services-to-database", { securityGroupId: this.services.id, referencedSecurityGroupId: this.database.id, fromPort: databasePort, toPort: databasePort }),
      ingress("database-from-services", { securityGroupId: this.database.id, referencedSecurityGroupId: this.services.id, fromPort: databasePort, toPort: databasePort }),
    ];
    const provisionerPath = [
      egress("provisioner-https", { securityGroupId: this.provisioner.id, cidrIpv4: ANYWHERE_V4, fromPort: 443, toPort: 443, description: "Secrets Manager" }),
      egress("provisioner-to-database", { securityGroupId: this.provisioner.id, referencedSecurityGroupId: this.database.id, fromPort: databasePort, toPort: databasePort }),
      ingress("database-from-provisioner", { securityGroupId: this.database.id, referencedSecurityGroupId: this.provisioner.id, fromPort: databasePort, toPort: databasePort }),
    ];
    this.provisionerGroupId = readyAfter(this.provisioner.id, ...provisionerPath);
    this.servicesGroupId = readyAfter(this.services.id, ...servicesOut);

    this.registerOutputs({});
  }
}
