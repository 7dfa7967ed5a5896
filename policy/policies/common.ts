/**
 * What every policy module shares: the resource type tokens the pack inspects, readers for the
 * loosely typed property bags the engine hands a policy, and the rule that decides what counts as
 * production.
 *
 * Nothing here, nor in the policy modules, loads `@pulumi/policy` or a provider SDK at run time:
 * offline synth evaluates the same policies in-process, and constructing a `PolicyPack` (only
 * policy/index.ts does) starts a gRPC server that keeps the process alive.
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** The resource types the pack inspects, as the engine names them. */
export const TYPES = {
  stack: "pulumi:pulumi:Stack",
  awsProvider: "pulumi:providers:aws",
  // GitHub
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  branchProtection: "github:index/branchProtection:BranchProtection",
  actionsVariable: "github:index/actionsVariable:ActionsVariable",
  actionsEnvironmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  actionsOrganizationVariable: "github:index/actionsOrganizationVariable:ActionsOrganizationVariable",
  actionsSecret: "github:index/actionsSecret:ActionsSecret",
  actionsEnvironmentSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  actionsOrganizationSecret: "github:index/actionsOrganizationSecret:ActionsOrganizationSecret",
  // AWS
  dbInstance: "aws:rds/instance:Instance",
  dbCluster: "aws:rds/cluster:Cluster",
  dbClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
  role: "aws:iam/role:Role",
  accessKey: "aws:iam/accessKey:AccessKey",
} as const;

export type Props = Readonly<Record<string, unknown>>;

export type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A nested object property, or an empty one. */
export function recordAt(value: unknown): Props {
  return isRecord(value) ? value : {};
}

/** A list property; absent or not a list reads as empty. */
export function listAt(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringAt(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * A boolean as the provider reads it: `true`/`false`, or the strings "true"/"false" in any letter
 * case (what a program passing config through may hand it). Anything else is `undefined`.
 */
export function boolAt(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  return undefined;
}

/** GitHub compares environment names without regard to letter case. */
export function isProductionName(name: unknown): boolean {
  return typeof name === "string" && name.trim().toLowerCase() === PRODUCTION;
}

export function numberAt(value: unknown): number | undefined {
  // A number written as a string ("0", " 14 ") is that number to the provider, so to the policies.
  const number = typeof value === "string" && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
}

/**
 * A property that is JSON in a string (IAM policies, ECS container definitions, provider inputs)
 * or already an object (a program may pass either); `undefined` when it is neither.
 */
export function jsonAt(value: unknown): unknown {
  if (typeof value !== "string") return value ?? undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>`: the stack a resource belongs to. */
export function stackOfUrn(urn: string): string {
  return urn.startsWith("urn:pulumi:") ? (urn.slice("urn:pulumi:".length).split("::")[0] ?? "") : "";
}

export const PRODUCTION = "production";

/**
 * A resource is held to production rules when its stack is named `production`, or when it, or the
 * default tags of its AWS provider, say `Environment: production`. Either is enough: a stack named
 * otherwise that tags its resources production is production, and a production stack cannot opt out
 * by tagging.
 */
export function isProduction(args: { readonly urn: string; readonly props: Props; readonly provider?: { readonly props: Props } }): boolean {
  if (stackOfUrn(args.urn) === PRODUCTION) return true;
  if (recordAt(args.props.tags).Environment === PRODUCTION) return true;
  const defaultTags = recordAt(jsonAt(args.provider?.props.defaultTags));
  return recordAt(defaultTags.tags).Environment === PRODUCTION;
}

/** `a`, `a and b`, `a, b and c`. */
export function listInProse(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export type EnforcementLevel = "mandatory" | "advisory";

interface PolicyMetadata {
  /** Unique in the pack; kebab-case, as policy config and `pulumi preview` name it. */
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly configSchema?: PolicyConfigSchema;
}

/**
 * A policy over single resources of the given types: the engine calls every resource policy for
 * every resource, so the type filter comes first.
 */
export function resourcePolicy(
  spec: PolicyMetadata & {
    readonly types: readonly string[];
    readonly validate: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void;
  },
): ResourceValidationPolicy {
  const { types, validate, ...metadata } = spec;
  return {
    ...metadata,
    validateResource: (args, reportViolation) => {
      if (types.includes(args.type)) validate(args, reportViolation);
    },
  };
}

/** A policy over the whole stack: for rules that need to see several resources at once. */
export function stackPolicy(
  spec: PolicyMetadata & { readonly validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => void },
): StackValidationPolicy {
  return { ...spec };
}

/**
 * The resources `resource` takes `property` from, among `candidates`. The engine records which
 * resources each property came from; when it did not (a resource built by hand), every dependency
 * among the candidates counts.
 */
export function referencedBy(resource: PolicyResource, property: string, candidates: readonly PolicyResource[]): PolicyResource[] {
  const sources = resource.propertyDependencies[property];
  const pool = sources !== undefined && sources.length > 0 ? sources : resource.dependencies;
  return candidates.filter((candidate) => pool.includes(candidate));
}
