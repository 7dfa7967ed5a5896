import * as pulumi from "@pulumi/pulumi";
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
}

/**
 * MLflow's artifact store: versioned, encrypted, private, TLS-only. MLflow proxies every artifact
 * (`--artifacts-destination`), so only its task role ever touches the bucket.
 */
export class ArtifactBucket extends pulumi.ComponentResource {
  readonly bucket: aws.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: ArtifactBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:mlflow:ArtifactBucket", name, {}, opts);

    const protect = args.dataProtection ?? false;
    this.bucket = new aws.Bucket(name, { bucketPrefix: `mlops-cicd-${pulumi.getStack()}-artifacts-`, forceDestroy: !protect }, { parent: this, protect });
    const bucket = this.bucket.id;

    new aws.BucketOwnershipControls(name, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this });
    new aws.BucketPublicAccessBlock(
      name,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.BucketVersioning(name, { bucket, versioningConfiguration: { status: "Enabled" } }, { parent: this });
    new aws.BucketServerSideEncryptionConfiguration(
      name,
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
      { parent: this },
    );
    new aws.BucketLifecycleConfiguration(
      name,
      {
        bucket,
        rules: [
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 90 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );
    new aws.BucketPolicy(
      name,
      {
        bucket,
        policy: this.bucket.arn.apply((arn) =>
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

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
