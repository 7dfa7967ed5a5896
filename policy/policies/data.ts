/**
 * Data stores: the PostgreSQL instance on RDS and S3 buckets.
 */
import {
  boolAt,
  PolicyResource,
  TYPES,
  isProduction,
  listAt,
  listInProse,
  numberAt,
  recordAt,
  referencedBy,
  resourcePolicy,
  stackPolicy,
  stringAt,
} from "./common";

export const rdsEncryptedPrivateBackedUp = resourcePolicy({
  name: "rds-encrypted-private-backed-up",
  description:
    "Every RDS instance and Aurora cluster is encrypted at rest, unreachable from the internet (a cluster's instances included), and keeps automated backups.",
  enforcementLevel: "mandatory",
  types: [TYPES.dbInstance, TYPES.dbCluster, TYPES.dbClusterInstance],
  validate: ({ type, name, props }, reportViolation) => {
    // A cluster's instances hold no storage or backups of their own; only their reachability is theirs.
    if (type === TYPES.dbClusterInstance) {
      if (props.publiclyAccessible !== undefined && boolAt(props.publiclyAccessible) !== false) {
        reportViolation(`Cluster instance \`${name}\` is publicly accessible. Set \`publiclyAccessible: false\` and reach it from inside the VPC.`);
      }
      return;
    }
    if (boolAt(props.storageEncrypted) !== true) {
      reportViolation(
        `Database \`${name}\` is not encrypted at rest. Set \`storageEncrypted: true\` ` +
          "(an existing instance is encrypted by restoring an encrypted copy of its snapshot).",
      );
    }
    // Unset is the provider's false; anything set that is not plainly false fails closed.
    if (props.publiclyAccessible !== undefined && boolAt(props.publiclyAccessible) !== false) {
      reportViolation(
        `Database \`${name}\` is publicly accessible. Set \`publiclyAccessible: false\` and reach it from inside the VPC or through an SSM port forward.`,
      );
    }
    const retention = numberAt(props.backupRetentionPeriod);
    if (retention === undefined || retention <= 0) {
      reportViolation(
        `Database \`${name}\` keeps no automated backups of its own choosing (\`backupRetentionPeriod\` is ${retention ?? "unset"}). ` +
          "Set `backupRetentionPeriod` to 7 days or more (config `mlops-cicd:dbBackupRetentionDays`).",
      );
    }
  },
});

export const rdsProductionDataProtection = resourcePolicy({
  name: "rds-production-data-protection",
  description:
    "A production RDS instance survives a mistaken delete (deletion protection, a final snapshot) and the loss of a zone (Multi-AZ). " +
    "Production: the stack is named `production`, or the instance or its AWS provider's default tags say `Environment: production`.",
  enforcementLevel: "mandatory",
  types: [TYPES.dbInstance, TYPES.dbCluster],
  validate: (args, reportViolation) => {
    if (!isProduction(args)) return;
    const { type, name, props } = args;
    const fix = "(config `mlops-cicd:dataProtection: true` sets it)";
    if (boolAt(props.deletionProtection) !== true) {
      reportViolation(`Production database \`${name}\` can be deleted. Set \`deletionProtection: true\` ${fix}.`);
    }
    // An Aurora cluster spans zones by its instances, not by a flag.
    if (type === TYPES.dbInstance && boolAt(props.multiAz) !== true) {
      reportViolation(`Production database \`${name}\` runs in a single availability zone. Set \`multiAz: true\` ${fix}.`);
    }
    const skipsFinalSnapshot = props.skipFinalSnapshot !== undefined && boolAt(props.skipFinalSnapshot) !== false;
    if (skipsFinalSnapshot || !stringAt(props.finalSnapshotIdentifier)) {
      reportViolation(
        `Production database \`${name}\` would be deleted without a final snapshot. Set \`skipFinalSnapshot: false\` and a \`finalSnapshotIdentifier\` ${fix}.`,
      );
    }
  },
});

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3BucketsProtected = stackPolicy({
  name: "s3-buckets-protected",
  description:
    "Every S3 bucket has a public access block with all four flags on, versioning enabled and default encryption. " +
    "A stack policy: each of these is a resource of its own that names the bucket.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const ofType = (type: string) => resources.filter((resource) => resource.type === type);
    const settings = (type: string, bucket: PolicyResource) => ofType(type).filter((resource) => referencedBy(resource, "bucket", [bucket]).length > 0);

    // Both generations of the bucket resource: BucketV2 takes the same separate settings resources.
    for (const bucket of [...ofType(TYPES.bucket), ...ofType(TYPES.bucketV2)]) {
      const subject = `Bucket \`${bucket.name}\``;

      const blocks = settings(TYPES.bucketPublicAccessBlock, bucket);
      if (blocks.length === 0) {
        reportViolation(
          `${subject} has no public access block. Add an aws.s3.BucketPublicAccessBlock for it with ${listInProse([...PUBLIC_ACCESS_FLAGS])} all true.`,
          bucket.urn,
        );
      }
      for (const block of blocks) {
        const off = PUBLIC_ACCESS_FLAGS.filter((flag) => boolAt(block.props[flag]) !== true);
        if (off.length > 0) {
          reportViolation(`The public access block \`${block.name}\` of bucket \`${bucket.name}\` leaves ${listInProse(off)} off. Set all four to true.`, bucket.urn);
        }
      }

      const versionedInline = boolAt(recordAt(bucket.props.versioning).enabled) === true;
      const versioned = settings(TYPES.bucketVersioning, bucket).some(
        (versioning) => recordAt(versioning.props.versioningConfiguration).status === "Enabled",
      );
      if (!versionedInline && !versioned) {
        reportViolation(
          `${subject} is not versioned: an overwrite or a delete loses the object. ` +
            'Add an aws.s3.BucketVersioning for it with `versioningConfiguration: { status: "Enabled" }`.',
          bucket.urn,
        );
      }

      const sseAlgorithm = (rule: unknown) => stringAt(recordAt(recordAt(rule).applyServerSideEncryptionByDefault).sseAlgorithm);
      const encryptedInline = sseAlgorithm(recordAt(bucket.props.serverSideEncryptionConfiguration).rule) !== undefined;
      const encrypted = settings(TYPES.bucketEncryption, bucket).some((config) => listAt(config.props.rules).some((rule) => sseAlgorithm(rule) !== undefined));
      if (!encryptedInline && !encrypted) {
        reportViolation(
          `${subject} declares no default encryption. Add an aws.s3.BucketServerSideEncryptionConfiguration for it ` +
            '(`applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }`).',
          bucket.urn,
        );
      }
    }
  },
});

export const DATA_POLICIES = [rdsEncryptedPrivateBackedUp, rdsProductionDataProtection, s3BucketsProtected];
