/**
 * Coverage: the pack fails closed. A resource of a family the guardrails judge (databases, buckets,
 * network access, repository protection) but of a type no policy knows (an RDS global cluster, an
 * S3 access point, a new ingress resource) would otherwise pass unexamined.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

/** Per guarded family: the types a policy judges, or that hold nothing to judge (a subnet group). */
export const GUARDED_FAMILIES: readonly { readonly family: string; readonly matches: RegExp; readonly known: readonly string[] }[] = [
  {
    family: "databases",
    matches: /^aws:rds\//,
    known: [
      "aws:rds/instance:Instance",
      "aws:rds/cluster:Cluster",
      "aws:rds/clusterInstance:ClusterInstance",
      "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
      "aws:rds/subnetGroup:SubnetGroup",
      "aws:rds/parameterGroup:ParameterGroup",
      "aws:rds/clusterParameterGroup:ClusterParameterGroup",
      "aws:rds/optionGroup:OptionGroup",
    ],
  },
  {
    family: "buckets",
    matches: /^aws:s3\//,
    known: [
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketV2:BucketV2",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketVersioning:BucketVersioning",
      "aws:s3/bucketVersioningV2:BucketVersioningV2",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
      "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
      "aws:s3/bucketNotification:BucketNotification",
    ],
  },
  {
    family: "network access",
    matches: /^aws:(ec2|vpc)\/\w*[sS]ecurityGroup/,
    known: [
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ],
  },
  {
    family: "repository protection",
    matches: /^github:index\/(repositoryRuleset|branchProtection|organizationRuleset)/,
    known: ["github:index/repositoryRuleset:RepositoryRuleset", "github:index/branchProtection:BranchProtection"],
  },
];

/** The violation message for `type`, when it is guarded and unknown; undefined otherwise. */
export function unknownGuardedType(type: string, name: string): string | undefined {
  const family = GUARDED_FAMILIES.find((candidate) => candidate.matches.test(type));
  if (family === undefined || family.known.includes(type)) return undefined;
  return (
    `\`${name}\` is a \`${type}\`, among the ${family.family} the guardrails judge, but no policy knows this type, so nothing examines it. ` +
    `Teach a policy (policy/policies/) to judge it, or add it to the known ${family.family} types in policy/policies/coverage.ts when it holds nothing to judge.`
  );
}

export const guardedTypesKnown: ResourceValidationPolicy = {
  name: "guarded-types-known",
  description:
    "A resource of a family the guardrails judge (RDS, S3, security groups, repository protection) is of a type some policy knows: " +
    "one no policy judges would pass unexamined.",
  enforcementLevel: "mandatory",
  // Every type, matched by pattern: a type a provider adds later is caught too.
  validateResource: ({ type, name }, reportViolation) => {
    const message = unknownGuardedType(type, name);
    if (message !== undefined) reportViolation(message);
  },
};

export const COVERAGE_POLICIES = [guardedTypesKnown];
