/**
 * A stack's topology at the level of its components, as a Mermaid flowchart for summary.md and
 * docs/runtime.md: one node per component (the resources right under the stack) with its main
 * resources, drawn inside the trust boundary whose credentials manage it (the AWS account, the
 * GitHub repository, the container registry) and, within the account, inside the VPC when it runs
 * there; data stores as cylinders; an arrow from each component to the components it uses.
 * Everything is read from what the program registered, so the picture cannot drift from the code.
 */
import { DIAGRAM_CAP, type FlowEdge, type FlowGroup, type FlowNode, fitsDiagramCap, renderFlowchart } from "../mermaid/flowchart";
import { dataCategory } from "../pr-comment/data-bearing";
import type { RecordedResource } from "./recording-monitor";

/** The resources a reader recognises a component by, in the order they are named; the rest are counted. */
const MAIN_RESOURCES: readonly (readonly [type: string, noun: string])[] = [
  ["aws:ec2/vpc:Vpc", "VPC"],
  ["aws:ec2/subnet:Subnet", "subnet"],
  ["aws:ec2/natGateway:NatGateway", "NAT gateway"],
  ["aws:ec2/securityGroup:SecurityGroup", "security group"],
  ["aws:lb/loadBalancer:LoadBalancer", "load balancer"],
  ["aws:ecs/cluster:Cluster", "ECS cluster"],
  ["aws:ecs/service:Service", "ECS service"],
  ["aws:rds/instance:Instance", "RDS instance"],
  ["aws:s3/bucket:Bucket", "S3 bucket"],
  ["aws:kms/key:Key", "KMS key"],
  ["aws:lambda/function:Function", "Lambda function"],
  ["aws:scheduler/schedule:Schedule", "schedule"],
  ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "OIDC provider"],
  ["aws:iam/role:Role", "IAM role"],
  ["aws:secretsmanager/secret:Secret", "secret"],
  ["aws:cloudwatch/dashboard:Dashboard", "dashboard"],
  ["aws:cloudwatch/metricAlarm:MetricAlarm", "alarm"],
  ["docker:index/image:Image", "image"],
  ["github:index/repositoryRuleset:RepositoryRuleset", "ruleset"],
  ["github:index/repositoryEnvironment:RepositoryEnvironment", "environment"],
  ["github:index/repositoryFile:RepositoryFile", "committed file"],
  ["github:index/actionsSecret:ActionsSecret", "Actions secret"],
  ["github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret", "environment secret"],
];
const MAIN_SHOWN = 4;

/** Whose credentials manage a resource, by its package: each is a trust boundary. */
const BOUNDARIES: Readonly<Record<string, string>> = {
  aws: "AWS account",
  github: "GitHub repository",
  docker: "Container registry",
};

/** Resources that place a component in the VPC when it uses them. */
const IN_VPC = new Set(["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/securityGroup:SecurityGroup"]);
/** Data stores: what a replacement would start empty. */
const STORES = new Set(["database", "bucket"]);

const CLASSES = {
  component: "fill:#f6f8fa,stroke:#57606a",
  store: "fill:#ddf4ff,stroke:#0969da",
} as const;

export const TOPOLOGY_LEGEND =
  "One box per component, drawn inside the boundary whose credentials manage it; an arrow points from a component to one it uses. Inside the VPC stands for its subnets and security groups; a cylinder stores data.";

interface Component {
  readonly key: string;
  readonly name: string;
  readonly type: string;
  readonly resources: RecordedResource[];
}

const packageOf = (type: string) => type.split(":")[0];
const shortType = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function mainResources(resources: readonly RecordedResource[]): string {
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  const named = MAIN_RESOURCES.filter(([type]) => counts.has(type)).map(([type, noun]) => {
    const count = counts.get(type) as number;
    return count === 1 ? noun : `${count}× ${noun}`;
  });
  const rest = named.length - MAIN_SHOWN;
  return [...named.slice(0, MAIN_SHOWN), ...(rest > 0 ? [`+${rest} more kinds`] : [])].join(", ");
}

/** The flowchart of `resources` (one stack's, as synth records them). */
export function topologyChart(resources: readonly RecordedResource[]): string {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const stack = resources.find((resource) => resource.type === "pulumi:pulumi:Stack");
  /** The resource right under the stack that `urn` belongs to. */
  const topOf = (urn: string): RecordedResource | undefined => {
    let current = byUrn.get(urn);
    while (current?.parent !== undefined && current.parent !== stack?.urn && byUrn.has(current.parent)) current = byUrn.get(current.parent);
    return current;
  };
  const components = new Map<string, Component>();
  for (const resource of resources) {
    if (resource === stack || !resource.custom || resource.type.startsWith("pulumi:providers:")) continue;
    const top = topOf(resource.urn);
    if (!top) continue;
    const component = components.get(top.urn) ?? { key: top.urn, name: top.name, type: top.type, resources: [] };
    component.resources.push(resource);
    components.set(top.urn, component);
  }
  const ordered = [...components.values()].sort((a, b) => byString(a.type, b.type) || byString(a.name, b.name));
  const componentOf = (urn: string) => {
    const top = topOf(urn);
    return top ? components.get(top.urn) : undefined;
  };

  const boundaryOf = (component: Component) => {
    const packages = [...new Set(component.resources.map((resource) => packageOf(resource.type)).filter((name) => name in BOUNDARIES))];
    return packages.length === 1 ? packages[0] : undefined;
  };
  /** Components whose own resources are the network: drawn as the VPC's content, not arrowed to. */
  const isNetwork = (component: Component) => component.resources.every((resource) => /^aws:(ec2|vpc)\//.test(resource.type));
  const inVpc = (component: Component) =>
    isNetwork(component) || component.resources.some((resource) => resource.dependsOn.some((urn) => IN_VPC.has(byUrn.get(urn)?.type ?? "")));

  const used = [...new Set(ordered.map(boundaryOf).filter((name): name is string => name !== undefined))].sort(byString);
  const groups: FlowGroup[] = used.map((name) => ({ key: name, label: BOUNDARIES[name] }));
  const vpcMembers = ordered.filter((component) => boundaryOf(component) === "aws" && inVpc(component));
  if (vpcMembers.length > 0) groups.push({ key: "vpc", label: "VPC", parent: "aws" });

  const nodes: FlowNode[] = ordered.map((component) => {
    const stores = [...new Set(component.resources.map((resource) => dataCategory(resource.type)).filter((category) => category !== undefined && STORES.has(category)))];
    const boundary = boundaryOf(component);
    const group = boundary === "aws" && vpcMembers.includes(component) ? "vpc" : boundary;
    return {
      key: component.key,
      label: [component.name, component.type === component.resources[0]?.type && component.resources.length === 1 ? shortType(component.type) : `${shortType(component.type)} · ${mainResources(component.resources)}`],
      shape: stores.length ? "cylinder" : "box",
      className: stores.length ? "store" : "component",
      ...(group !== undefined ? { group } : {}),
    };
  });

  const seen = new Set<string>();
  const edges: FlowEdge[] = [];
  for (const component of ordered) {
    const targets = new Set<Component>();
    for (const resource of component.resources) {
      for (const urn of resource.dependsOn) {
        const target = componentOf(urn);
        if (target && target !== component && !isNetwork(target)) targets.add(target);
      }
    }
    for (const target of [...targets].sort((a, b) => ordered.indexOf(a) - ordered.indexOf(b))) {
      const key = `${component.key}\u0000${target.key}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from: component.key, to: target.key });
    }
  }
  // Top to bottom: the account holds most components, and a wide picture shrinks to fit a column.
  return renderFlowchart({ direction: "TB", nodes, groups, edges, classes: CLASSES });
}

/**
 * The topology as Markdown lines: a ```mermaid block, or the one-line reason there is none when the
 * chart would pass Mermaid's text limit (GitHub would draw an error in its place).
 */
export function topologyBlock(resources: readonly RecordedResource[]): string[] {
  const chart = topologyChart(resources);
  if (!fitsDiagramCap(chart)) return [`Topology not drawn: ${chart.length.toLocaleString("en-US")} characters of Mermaid, over the ${DIAGRAM_CAP.toLocaleString("en-US")} a picture may use.`];
  return ["```mermaid", chart, "```"];
}
