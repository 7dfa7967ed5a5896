/**
 * A stack's topology at the level of its components, as a Mermaid flowchart for summary.md and
 * docs/runtime.md: one node per component (the resources right under the stack) with its main
 * resources, drawn inside the trust boundary whose credentials manage it (the AWS account, the
 * GitHub repository, the container registry); within the account, in the VPC's public or private
 * subnets when it runs there, and what a component keeps in another region (a replica, replicated
 * backups) in that recovery region's own box; Secrets Manager, a regional service, outside the VPC.
 * The two ways in are drawn too: the Internet to a public load balancer, GitHub Actions to the role
 * it assumes through OIDC. Data stores are cylinders; an arrow points from a component to one it
 * uses, one arrow per pair. Everything is read from what the program registered, so the picture
 * cannot drift from the code.
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
  ["aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "backup replication"],
  ["aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication"],
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
/** Data stores: what a replacement would start empty, and replicated backups. */
const STORES = new Set(["database", "bucket", "backup"]);

/** Nodes that are not components: the ways in, and the regional service every secret lives in. */
const INTERNET = "\u0000internet";
const GITHUB_ACTIONS = "\u0000github-actions";
const SECRETS_MANAGER = "\u0000secrets-manager";

const CLASSES = {
  component: "fill:#f6f8fa,stroke:#57606a",
  store: "fill:#ddf4ff,stroke:#0969da",
  outside: "fill:#ffffff,stroke:#8c959f,stroke-dasharray:4 3",
} as const;

export const TOPOLOGY_LEGEND =
  "One box per component, drawn inside the boundary whose credentials manage it; an arrow points from a component to one it uses (A → B: A uses B), one arrow per pair, and the dotted one is GitHub Actions assuming the deploy role through OIDC. Public and private subnets stand for the VPC's subnets and security groups; what a component keeps in another region is drawn in that recovery region; a cylinder stores data.";

interface Component {
  readonly key: string;
  readonly name: string;
  readonly type: string;
  readonly resources: RecordedResource[];
  /** Set when the component's resources here live in a region other than the stack's. */
  readonly region?: string;
}

const packageOf = (type: string) => type.split(":")[0];
const shortType = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isSecret = (type: string) => type.startsWith("aws:secretsmanager/");

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

/** A subnet's tier, as the network tags it (`Tier`), else by whether it gives public addresses. */
function subnetTier(subnet: RecordedResource): "public" | "private" {
  const tier = (subnet.inputs.tags as Record<string, unknown> | undefined)?.Tier;
  if (tier === "public" || tier === "private") return tier;
  return subnet.inputs.mapPublicIpOnLaunch === true ? "public" : "private";
}

/** The flowchart of `resources` (one stack's, as synth records them). */
export function topologyChart(resources: readonly RecordedResource[]): string {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const stack = resources.find((resource) => resource.type === "pulumi:pulumi:Stack");
  const homeRegion = resources.find((resource) => resource.type === "pulumi:providers:aws" && resource.name === "default")?.inputs.region ??
    resources.find((resource) => resource.type === "pulumi:providers:aws")?.inputs.region;
  /** The region a resource lives in when it is not the stack's own (AWS provider 7's `region` argument). */
  const otherRegion = (resource: RecordedResource): string | undefined => {
    const region = resource.inputs.region;
    return packageOf(resource.type) === "aws" && typeof region === "string" && region !== homeRegion ? region : undefined;
  };
  /** The resource right under the stack that `urn` belongs to. */
  const topOf = (urn: string): RecordedResource | undefined => {
    let current = byUrn.get(urn);
    while (current?.parent !== undefined && current.parent !== stack?.urn && byUrn.has(current.parent)) current = byUrn.get(current.parent);
    return current;
  };
  /** The node a resource is drawn in: Secrets Manager, its component's part in another region, or its component. */
  const keyOf = (resource: RecordedResource): string | undefined => {
    if (isSecret(resource.type)) return SECRETS_MANAGER;
    const top = topOf(resource.urn);
    if (!top) return undefined;
    const region = otherRegion(resource);
    return region === undefined ? top.urn : `${top.urn}\u0000${region}`;
  };
  const components = new Map<string, Component>();
  for (const resource of resources) {
    if (resource === stack || !resource.custom || resource.type.startsWith("pulumi:providers:")) continue;
    const key = keyOf(resource);
    const top = topOf(resource.urn);
    if (key === undefined || !top) continue;
    const region = key === SECRETS_MANAGER ? undefined : otherRegion(resource);
    const component =
      components.get(key) ??
      (key === SECRETS_MANAGER ? { key, name: "Secrets Manager", type: "", resources: [] } : { key, name: top.name, type: top.type, resources: [], ...(region !== undefined ? { region } : {}) });
    component.resources.push(resource);
    components.set(key, component);
  }
  const ordered = [...components.values()].sort((a, b) => byString(a.type, b.type) || byString(a.name, b.name) || byString(a.region ?? "", b.region ?? ""));
  const componentOf = (urn: string) => {
    const resource = byUrn.get(urn);
    const key = resource && keyOf(resource);
    return key === undefined ? undefined : components.get(key);
  };

  const boundaryOf = (component: Component) => {
    const packages = [...new Set(component.resources.map((resource) => packageOf(resource.type)).filter((name) => name in BOUNDARIES))];
    return packages.length === 1 ? packages[0] : undefined;
  };
  /** Components whose own resources are the network: drawn as the VPC's content, not arrowed to. */
  const isNetwork = (component: Component) => component.resources.every((resource) => /^aws:(ec2|vpc)\//.test(resource.type));
  const vpcUses = (component: Component) => component.resources.flatMap((resource) => resource.dependsOn.map((urn) => byUrn.get(urn)).filter((used): used is RecordedResource => used !== undefined && IN_VPC.has(used.type)));
  const inVpc = (component: Component) => component.key !== SECRETS_MANAGER && component.region === undefined && (isNetwork(component) || vpcUses(component).length > 0);
  /** Where in the VPC: private when it runs in any private subnet, public when only in public ones. */
  const tierOf = (component: Component): "public" | "private" | undefined => {
    if (isNetwork(component)) return undefined;
    const tiers = new Set(vpcUses(component).filter((used) => used.type === "aws:ec2/subnet:Subnet").map(subnetTier));
    return tiers.has("private") ? "private" : tiers.has("public") ? "public" : undefined;
  };
  const regions = [...new Set(ordered.map((component) => component.region).filter((region): region is string => region !== undefined))].sort(byString);

  const used = [...new Set(ordered.map(boundaryOf).filter((name): name is string => name !== undefined))].sort(byString);
  const oidc = ordered.find((component) => component.resources.some((resource) => resource.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"));
  if (oidc && !used.includes("github")) used.push("github");
  const groups: FlowGroup[] = used.map((name) => ({ key: name, label: BOUNDARIES[name] }));
  const vpcMembers = ordered.filter((component) => boundaryOf(component) === "aws" && inVpc(component));
  if (vpcMembers.length > 0) groups.push({ key: "vpc", label: "VPC", parent: "aws" });
  for (const tier of ["public", "private"] as const) {
    if (vpcMembers.some((component) => tierOf(component) === tier)) groups.push({ key: tier, label: tier === "public" ? "Public subnets" : "Private subnets", parent: "vpc" });
  }
  for (const region of regions) groups.push({ key: `region ${region}`, label: `Recovery region ${region}`, parent: "aws" });

  const names = new Map<string, number>();
  for (const component of ordered) if (component.region === undefined) names.set(component.name, (names.get(component.name) ?? 0) + 1);
  const nodes: FlowNode[] = ordered.map((component) => {
    const stores = [...new Set(component.resources.map((resource) => dataCategory(resource.type)).filter((category) => category !== undefined && STORES.has(category)))];
    const boundary = boundaryOf(component);
    const tier = vpcMembers.includes(component) ? (tierOf(component) ?? "vpc") : undefined;
    const group = component.region !== undefined ? `region ${component.region}` : boundary === "aws" && tier !== undefined ? tier : boundary;
    // Two components may share a name (a cluster and its dashboard): the type tells them apart.
    const title = component.region === undefined && (names.get(component.name) ?? 0) > 1 ? `${component.name} (${shortType(component.type)})` : component.name;
    const secrets = component.key === SECRETS_MANAGER;
    const single = component.type === component.resources[0]?.type && component.resources.length === 1;
    return {
      key: component.key,
      label: [title, secrets ? mainResources(component.resources) : single ? shortType(component.type) : `${shortType(component.type)} · ${mainResources(component.resources)}`],
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
      // One arrow per pair: a pair that uses each other both ways is drawn once, the first way found.
      const pair = [component.key, target.key].sort(byString).join("\u0000");
      if (seen.has(pair)) continue;
      seen.add(pair);
      // A secret's version waits for what its value comes from; read as "keeps its secrets there".
      edges.push(component.key === SECRETS_MANAGER ? { from: target.key, to: component.key } : { from: component.key, to: target.key });
    }
  }

  const ingress = ordered.filter((component) => component.resources.some((resource) => resource.type === "aws:lb/loadBalancer:LoadBalancer" && resource.inputs.internal !== true));
  if (ingress.length > 0) {
    nodes.unshift({ key: INTERNET, label: ["Internet"], shape: "rounded", className: "outside" });
    for (const component of ingress) edges.unshift({ from: INTERNET, to: component.key, label: "HTTPS" });
  }
  if (oidc) {
    nodes.push({ key: GITHUB_ACTIONS, label: ["GitHub Actions", "workflow runs"], shape: "rounded", className: "outside", group: "github" });
    edges.push({ from: GITHUB_ACTIONS, to: oidc.key, label: "assumes via OIDC", dotted: true });
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
