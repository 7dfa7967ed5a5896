import * as pulumi from "@pulumi/pulumi";
import { assumedBy } from "../aws/iam";
import * as aws from "../aws/sdk";

export interface ArtifactBucketArgs {
  /**
   * Pulumi `protect`, and no emptying on deletion: production's models live here.
   * @default false
   */
  readonly dataProtection?: boolean;
  /**
   * Days a replaced or deleted object version stays recoverable.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Keep a replica of every object version in a bucket of this region (versioned, encrypted with
   * a key of that region, private, TLS-only), so the artifacts survive the loss of the bucket's
   * own region. Must differ from the bucket's region.
   * @default no replica
   */
  readonly replicaRegion?: string;
}

/** How long S3 Replication Time Control promises to take for 99.99% of objects (its SLA's 15 minutes). */
export const REPLICATION_TIME_MINUTES = 15;

/**
 * MLflow's artifact store: versioned, encrypted, private, TLS-only. MLflow proxies every artifact
 * (`--artifacts-destination`), so only its task role ever touches the bucket. With a replica
 * region, S3 copies every new object version there within minutes (docs/disaster-recovery.md).
 */
export class ArtifactBucket extends pulumi.ComponentResource {
  readonly bucket: aws.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The replica, when `replicaRegion` is set. */
  readonly replica: aws.Bucket | undefined;
  readonly replicaName: pulumi.Output<string> | undefined;

  constructor(name: string, args: ArtifactBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:mlflow:ArtifactBucket", name, {}, opts);

    const protect = args.dataProtection ?? false;
    const noncurrentDays = args.noncurrentVersionDays ?? 90;

    this.bucket = new aws.Bucket(name, { bucketPrefix: `mlops-cicd-${pulumi.getStack()}-artifacts-`, forceDestroy: !protect }, { parent: this, protect });
    const sourceVersioning = this.secure(name, this.bucket, { sseAlgorithm: "aws:kms" }, noncurrentDays, undefined);

    // The replica's resources carry their region themselves (AWS provider v7 takes `region` per
    // resource) rather than going through a second provider: they stay under the stack's one AWS
    // provider, so its credentials and default tags apply to them unchanged and nothing has to
    // copy the tags into a provider of its own.
    let replica: aws.Bucket | undefined;
    if (args.replicaRegion !== undefined) {
      const region = args.replicaRegion;
      const key = new aws.KmsKey(
        `${name}-replica`,
        { region, description: `MLflow artifacts of ${pulumi.getStack()}, replicated`, enableKeyRotation: true, deletionWindowInDays: 30 },
        { parent: this, protect },
      );
      replica = new aws.Bucket(
        `${name}-replica`,
        { region, bucketPrefix: `mlops-cicd-${pulumi.getStack()}-replica-`, forceDestroy: !protect },
        { parent: this, protect },
      );
      const replicaVersioning = this.secure(`${name}-replica`, replica, { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, noncurrentDays, region);
      const { role, policy } = this.replicationRole(name, this.bucket, replica, key, region);
      new aws.BucketReplicationConfig(
        name,
        {
          bucket: this.bucket.id,
          role: role.arn,
          rules: [
            {
              id: "recovery-copy",
              status: "Enabled",
              filter: {},
              // A deletion here (a mistake, or an attacker with MLflow's role) must not hide the
              // object in the copy that exists to undo it.
              deleteMarkerReplication: { status: "Disabled" },
              // The source encrypts every object with KMS; without this S3 skips them all.
              sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
              destination: {
                bucket: replica.arn,
                // Read only during a recovery.
                storageClass: "STANDARD_IA",
                encryptionConfiguration: { replicaKmsKeyId: key.arn },
                // Replication Time Control: the SLA-backed bound on the artifacts' RPO.
                replicationTime: { status: "Enabled", time: { minutes: REPLICATION_TIME_MINUTES } },
                metrics: { status: "Enabled", eventThreshold: { minutes: REPLICATION_TIME_MINUTES } },
              },
            },
          ],
        },
        // S3 refuses a replication configuration until both buckets are versioned; the role's
        // permissions come before the first object S3 tries to copy.
        { parent: this, dependsOn: [sourceVersioning, replicaVersioning, policy] },
      );
    }

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.replica = replica;
    this.replicaName = replica?.bucket;
    this.registerOutputs({ bucketName: this.bucketName, replicaName: this.replicaName });
  }

  /** Owner-enforced, private, versioned, encrypted, old versions expiring, TLS-only; returns the versioning. */
  private secure(
    name: string,
    bucket: aws.Bucket,
    encryption: { readonly sseAlgorithm: string; readonly kmsMasterKeyId?: pulumi.Input<string> },
    noncurrentDays: number,
    region: string | undefined,
  ): aws.BucketVersioning {
    const id = bucket.id;
    const at = region === undefined ? {} : { region };
    new aws.BucketOwnershipControls(name, { ...at, bucket: id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this });
    new aws.BucketPublicAccessBlock(
      name,
      { ...at, bucket: id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    const versioning = new aws.BucketVersioning(name, { ...at, bucket: id, versioningConfiguration: { status: "Enabled" } }, { parent: this });
    new aws.BucketServerSideEncryptionConfiguration(
      name,
      { ...at, bucket: id, rules: [{ applyServerSideEncryptionByDefault: encryption, bucketKeyEnabled: true }] },
      { parent: this },
    );
    new aws.BucketLifecycleConfiguration(
      name,
      {
        ...at,
        bucket: id,
        rules: [
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );
    new aws.BucketPolicy(
      name,
      {
        ...at,
        bucket: id,
        policy: bucket.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    return versioning;
  }

  /** The role S3 replicates as: read the source's versions, write the replica's, and the two keys. */
  private replicationRole(
    name: string,
    source: aws.Bucket,
    replica: aws.Bucket,
    replicaKey: aws.KmsKey,
    replicaRegion: string,
  ): { role: aws.Role; policy: aws.RolePolicy } {
    const role = new aws.Role(
      `${name}-replication`,
      {
        description: `S3 replication of ${name} into its replica`,
        assumeRolePolicy: assumedBy("s3.amazonaws.com"),
      },
      { parent: this },
    );
    const sourceRegion = aws.getRegionOutput({}, { parent: this }).region;
    const policy = new aws.RolePolicy(
      `${name}-replication`,
      {
        role: role.id,
        policy: pulumi.all([source.arn, replica.arn, replicaKey.arn, sourceRegion]).apply(([sourceArn, replicaArn, keyArn, from]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "ReadSourceConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: sourceArn },
              {
                Sid: "ReadSourceVersions",
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: `${sourceArn}/*`,
              },
              { Sid: "WriteReplica", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: `${replicaArn}/*` },
              {
                // The source's objects are encrypted with the account's aws/s3 key, used through S3
                // only; with S3 Bucket Keys the context is the bucket's ARN, without them the object's.
                Sid: "DecryptSource",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: {
                  StringEquals: { "kms:ViaService": `s3.${from}.amazonaws.com` },
                  StringLike: { "kms:EncryptionContext:aws:s3:arn": [sourceArn, `${sourceArn}/*`] },
                },
              },
              {
                Sid: "EncryptReplica",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: keyArn,
                Condition: {
                  StringEquals: { "kms:ViaService": `s3.${replicaRegion}.amazonaws.com` },
                  StringLike: { "kms:EncryptionContext:aws:s3:arn": [replicaArn, `${replicaArn}/*`] },
                },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    return { role, policy };
  }
}
