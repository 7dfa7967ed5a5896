/**
 * Network: only the load balancer's HTTPS listener faces the internet.
 */
import { PolicyResource, Props, TYPES, listAt, numberAt, recordAt, referencedBy, resourcePolicy, stackPolicy, stringAt } from "./common";

/**
 * A source that is the internet, or most of it: any IPv4 block wider than a /8 or IPv6 block wider
 * than a /16, however it is written (`0.0.0.0/1` and `128.0.0.0/1` together are 0.0.0.0/0;
 * `::0/0` is `::/0`). No legitimate narrow source is that wide.
 */
export function isInternetWide(source: unknown): boolean {
  if (typeof source !== "string") return false;
  const match = /^\s*([0-9a-fA-F:.]+)\s*\/\s*(\d{1,3})\s*$/.exec(source);
  if (!match) return false;
  const prefix = Number(match[2]);
  return (match[1] as string).includes(":") ? prefix < 16 : prefix < 8;
}

/** An ingress rule open to the whole internet. */
export interface OpenIngress {
  /** `Security group rule \`x\`` or `An inline ingress rule of security group \`x\``. */
  readonly subject: string;
  readonly protocol: string;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly source: string;
}

/**
 * The internet-facing ingress a resource declares: inline rules of a security group, a
 * security-group rule of type ingress, or a VPC ingress rule.
 */
export function openIngress(type: string, name: string, props: Props): OpenIngress[] {
  const open = (subject: string, rule: Props, protocolKey: string, sources: readonly unknown[]): OpenIngress[] => {
    // A rule with several wide blocks is one finding, named by its first.
    const source = sources.find(isInternetWide) as string | undefined;
    if (source === undefined) return [];
    return [{ subject, protocol: String(rule[protocolKey] ?? "-1"), fromPort: numberAt(rule.fromPort), toPort: numberAt(rule.toPort), source }];
  };
  switch (type) {
    // The VPC's default group too: adopting it with inline rules opens whatever uses it by default.
    case TYPES.securityGroup:
    case TYPES.defaultSecurityGroup:
      return listAt(props.ingress).flatMap((entry) => {
        const rule = recordAt(entry);
        return open(`An inline ingress rule of security group \`${name}\``, rule, "protocol", [...listAt(rule.cidrBlocks), ...listAt(rule.ipv6CidrBlocks)]);
      });
    case TYPES.securityGroupRule:
      return props.type === "ingress"
        ? open(`Security group rule \`${name}\``, props, "protocol", [...listAt(props.cidrBlocks), ...listAt(props.ipv6CidrBlocks)])
        : [];
    case TYPES.securityGroupIngressRule:
      return open(`Security group rule \`${name}\``, props, "ipProtocol", [stringAt(props.cidrIpv4), stringAt(props.cidrIpv6)]);
    default:
      return [];
  }
}

/** TCP to port 443 only: what the load balancer's HTTPS listener needs. */
export function isHttpsOnly(rule: OpenIngress): boolean {
  return ["tcp", "6"].includes(rule.protocol.toLowerCase()) && rule.fromPort === 443 && rule.toPort === 443;
}

function describePorts(rule: OpenIngress): string {
  if (rule.protocol === "-1" || rule.protocol.toLowerCase() === "all") return "every protocol and port";
  const ports = rule.fromPort === rule.toPort ? `port ${rule.fromPort ?? "any"}` : `ports ${rule.fromPort ?? "?"}-${rule.toPort ?? "?"}`;
  return `${rule.protocol} ${ports}`;
}

const INGRESS_TYPES = [TYPES.securityGroup, TYPES.defaultSecurityGroup, TYPES.securityGroupRule, TYPES.securityGroupIngressRule];

export const noOpenIngress = resourcePolicy({
  name: "no-open-ingress",
  description: "No security group admits 0.0.0.0/0 or ::/0 except on HTTPS (tcp 443), which only the load balancer may take (see open-ingress-only-on-load-balancers).",
  enforcementLevel: "mandatory",
  types: INGRESS_TYPES,
  validate: ({ type, name, props }, reportViolation) => {
    for (const rule of openIngress(type, name, props).filter((candidate) => !isHttpsOnly(candidate))) {
      reportViolation(
        `${rule.subject} opens ${describePorts(rule)} to ${rule.source}. ` +
          "Only the load balancer's HTTPS (tcp 443) may face the internet: take traffic from a security group (`referencedSecurityGroupId`) or a known CIDR.",
      );
    }
  },
});

const LOAD_BALANCER_TYPES: readonly string[] = [TYPES.loadBalancer, TYPES.albLoadBalancer];

export const openIngressOnlyOnLoadBalancers = stackPolicy({
  name: "open-ingress-only-on-load-balancers",
  description: "The HTTPS ingress open to the internet belongs to a security group that a load balancer uses, and to no other.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const groups = resources.filter((resource) => resource.type === TYPES.securityGroup);
    const loadBalancerGroups = new Set<PolicyResource>(
      resources.filter((resource) => LOAD_BALANCER_TYPES.includes(resource.type)).flatMap((lb) => referencedBy(lb, "securityGroups", groups)),
    );
    for (const resource of resources.filter((candidate) => INGRESS_TYPES.includes(candidate.type as (typeof INGRESS_TYPES)[number]))) {
      const https = openIngress(resource.type, resource.name, resource.props).filter(isHttpsOnly);
      if (https.length === 0) continue;
      const owners = resource.type === TYPES.securityGroup ? [resource] : referencedBy(resource, "securityGroupId", groups);
      if (owners.length > 0 && owners.every((group) => loadBalancerGroups.has(group))) continue;
      for (const rule of https) {
        reportViolation(
          `${rule.subject} opens tcp port 443 to ${rule.source} on a security group no load balancer uses. ` +
            "Only a load balancer faces the internet: attach the group to the load balancer (`securityGroups`), or take traffic from the load balancer's group instead.",
          resource.urn,
        );
      }
    }
  },
});

export const NETWORK_POLICIES = [noOpenIngress, openIngressOnlyOnLoadBalancers];
