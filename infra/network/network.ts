import * as pulumi from "@pulumi/pulumi";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import { PRIVATE_SLOT, PUBLIC_SLOT, subnetCidr } from "./cidr";

export interface NetworkArgs {
  /** The VPC's private IPv4 block, /16 to /20. */
  readonly cidrBlock: string;
  /** Availability zones to span: 2 or 3. */
  readonly availabilityZoneCount: number;
  /**
   * One NAT gateway per zone, so losing a zone does not cut the others off the internet.
   * @default false: one NAT gateway, in the first zone
   */
  readonly natGatewayPerZone?: boolean;
}

/**
 * The stack's VPC: public subnets for the load balancer only, private subnets for the services
 * and the database, reaching the internet through NAT.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.Vpc;
  readonly publicSubnets: readonly aws.Subnet[];
  readonly privateSubnets: readonly aws.Subnet[];
  readonly natGateways: readonly aws.NatGateway[];
  readonly vpcId: pulumi.Output<string>;
  /** Resolved once each subnet routes to the internet gateway. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** The private subnets, for what never calls out (the database's subnet group). */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /**
   * The private subnets, resolved once each routes out through its NAT gateway: for tasks and
   * functions that pull images or call AWS APIs as soon as they start.
   */
  readonly egressSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:network:Network", name, {}, opts);

    const zones = args.availabilityZoneCount;
    if (zones < 2 || zones > 3) throw new Error(`Network ${name}: availabilityZoneCount must be 2 or 3, got ${zones}.`);
    const perZoneNat = args.natGatewayPerZone ?? false;

    const zoneNames = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this }).names;
    const zone = (index: number) =>
      zoneNames.apply((names) => {
        const found = names[index];
        if (found === undefined) throw new Error(`The region has ${names.length} availability zones; the network needs ${zones}.`);
        return found;
      });

    this.vpc = new aws.Vpc(name, { cidrBlock: args.cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } }, { parent: this });
    const internetGateway = new aws.InternetGateway(name, { vpcId: this.vpc.id, tags: { Name: name } }, { parent: this });

    const publicRoutes = new aws.RouteTable(`${name}-public`, { vpcId: this.vpc.id, tags: { Name: `${name}-public` } }, { parent: this });
    const publicInternet = new aws.Route(`${name}-public-internet`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }, { parent: this });

    const publicSubnets: aws.Subnet[] = [];
    const privateSubnets: aws.Subnet[] = [];
    const natGateways: aws.NatGateway[] = [];
    // Subnet IDs that resolve once the subnet's route to the internet is in place: what anything
    // that calls out on creation (a load balancer, a function in the VPC, a task) must wait for.
    const routedPublic: pulumi.Output<string>[] = [];
    const routedPrivate: pulumi.Output<string>[] = [];
    for (let index = 0; index < zones; index++) {
      const publicSubnet = new aws.Subnet(
        `${name}-public-${index}`,
        {
          vpcId: this.vpc.id,
          availabilityZone: zone(index),
          cidrBlock: subnetCidr(args.cidrBlock, PUBLIC_SLOT + index),
          // Only the load balancer lives here, and it gets its addresses from AWS.
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-public-${index}`, Tier: "public" },
        },
        { parent: this },
      );
      const publicAssociation = new aws.RouteTableAssociation(`${name}-public-${index}`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id }, { parent: this });
      publicSubnets.push(publicSubnet);
      routedPublic.push(readyAfter(publicSubnet.id, publicAssociation, publicInternet));

      if (index === 0 || perZoneNat) {
        const address = new aws.Eip(`${name}-nat-${index}`, { domain: "vpc", tags: { Name: `${name}-nat-${index}` } }, { parent: this });
        natGateways.push(
          new aws.NatGateway(
            `${name}-nat-${index}`,
            { subnetId: publicSubnet.id, allocationId: address.id, tags: { Name: `${name}-nat-${index}` } },
            { parent: this, dependsOn: [internetGateway] },
          ),
        );
      }

      const privateSubnet = new aws.Subnet(
        `${name}-private-${index}`,
        {
          vpcId: this.vpc.id,
          availabilityZone: zone(index),
          cidrBlock: subnetCidr(args.cidrBlock, PRIVATE_SLOT + index),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-private-${index}`, Tier: "private" },
        },
        { parent: this },
      );
      const privateRoutes = new aws.RouteTable(`${name}-private-${index}`, { vpcId: this.vpc.id, tags: { Name: `${name}-private-${index}` } }, { parent: this });
      const nat = natGateways[perZoneNat ? index : 0] as aws.NatGateway;
      const privateInternet = new aws.Route(`${name}-private-${index}-internet`, { routeTableId: privateRoutes.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, { parent: this });
      const privateAssociation = new aws.RouteTableAssociation(`${name}-private-${index}`, { subnetId: privateSubnet.id, routeTableId: privateRoutes.id }, { parent: this });
      privateSubnets.push(privateSubnet);
      routedPrivate.push(readyAfter(privateSubnet.id, privateAssociation, privateInternet));
    }

    this.publicSubnets = publicSubnets;
    this.privateSubnets = privateSubnets;
    this.natGateways = natGateways;
    this.vpcId = this.vpc.id;
    this.publicSubnetIds = pulumi.all(routedPublic);
    this.privateSubnetIds = pulumi.all(privateSubnets.map((subnet) => subnet.id));
    this.egressSubnetIds = pulumi.all(routedPrivate);
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
