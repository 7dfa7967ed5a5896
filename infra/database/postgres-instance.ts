import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import type * as awsInputs from "@pulumi/aws/types/input";
import * as aws from "../aws/sdk";
import { runtimeNames } from "../../contracts/runtime-names";
import type { RotationStep } from "../config";
import type { RestoreSource } from "../validation";
import { declareSingle } from "./credential-slots";
import type { SecretRef } from "./database-provisioner";

export interface PostgresInstanceArgs {
  /** Private subnets in at least two zones. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly instanceClass: string;
  readonly allocatedStorageGb: number;
  /** Days of automated backups and point-in-time recovery. */
  readonly backupRetentionDays: number;
  /**
   * Multi-AZ, deletion protection, Pulumi `protect`, a final snapshot on deletion, backups kept
   * after deletion.
   */
  readonly dataProtection: boolean;
  /**
   * Create from this snapshot instead of empty (disaster recovery). Ignored once the instance
   * exists, so removing it later does not replace the database. Mutually exclusive with
   * `pointInTimeRestore`.
   * @default empty database
   */
  readonly snapshotIdentifier?: string;
  /**
   * Create restored to a point in time from automated backups instead of empty (disaster
   * recovery). Ignored once the instance exists, like `snapshotIdentifier`, with which it is
   * mutually exclusive.
   * @default empty database
   */
  readonly pointInTimeRestore?: PointInTimeRestore;
  /**
   * Replicate the automated backups (snapshots and transaction logs) to this region, encrypted
   * with a key of that region, so the database can be restored there to a point in time when its
   * own region is gone. Must differ from the instance's region.
   * @default no replication
   */
  readonly backupReplicationRegion?: string;
  /**
   * The rotation this run makes: a new master password (docs/decisions/0004-credential-rotation.md).
   * Only the provisioner logs in as the master, and it runs after the instance took the password.
   * @default none: the password stays as state holds it
   */
  readonly rotation?: RotationStep;
}

/** A restore to a point in time, as stack config states it (infra/config.ts). */
export interface PointInTimeRestore {
  readonly source: RestoreSource;
  /** A UTC RFC 3339 time, or `latest`. */
  readonly restoreTime: string;
}

/** PostgreSQL's major version; RDS applies minor versions itself in the maintenance window. */
export const POSTGRES_MAJOR_VERSION = "16";
export const MASTER_USERNAME = "platform_admin";

/**
 * The PostgreSQL server for MLflow and the metrics: private, encrypted, TLS-only, backed up, its
 * generated master password kept in Secrets Manager.
 */
export class PostgresInstance extends pulumi.ComponentResource {
  readonly instance: aws.DbInstance;
  readonly masterPassword: pulumi.Output<string>;
  /** The Secrets Manager secret with the master credentials. */
  readonly masterSecret: aws.Secret;
  /** The master credentials as written: what the provisioner reads and waits for. */
  readonly masterSecretRef: SecretRef;
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** The backups' replication to `backupReplicationRegion`, when asked for. */
  readonly backupReplication: aws.InstanceAutomatedBackupsReplication | undefined;

  constructor(name: string, args: PostgresInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:PostgresInstance", name, {}, opts);

    if (args.snapshotIdentifier !== undefined && args.pointInTimeRestore !== undefined) {
      throw new Error(`PostgresInstance ${name}: snapshotIdentifier and pointInTimeRestore are mutually exclusive; restore from one of them.`);
    }

    // Letters and digits only: the password goes into connection URLs unescaped.
    const rotating = declareSingle(args.rotation);
    const password = new RandomPassword(
      `${name}-master`,
      { length: 40, special: false, keepers: rotating.keepers },
      { parent: this, ignoreChanges: rotating.followsKeepers ? undefined : ["keepers"] },
    );
    const subnets = new aws.DbSubnetGroup(name, { subnetIds: args.subnetIds, description: `${name}: private subnets` }, { parent: this });
    const parameters = new aws.ParameterGroup(
      name,
      {
        family: `postgres${POSTGRES_MAJOR_VERSION}`,
        description: `${name}: TLS only, slow statements logged`,
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          { name: "log_min_duration_statement", value: "1000" },
        ],
      },
      { parent: this },
    );

    const identifier = runtimeNames(pulumi.getStack()).database;
    const restoring = args.snapshotIdentifier !== undefined || args.pointInTimeRestore !== undefined;
    this.instance = new aws.DbInstance(
      name,
      {
        identifier,
        engine: "postgres",
        engineVersion: POSTGRES_MAJOR_VERSION,
        instanceClass: args.instanceClass,
        allocatedStorage: args.allocatedStorageGb,
        maxAllocatedStorage: args.allocatedStorageGb * 5,
        storageType: "gp3",
        storageEncrypted: true,
        username: MASTER_USERNAME,
        password: pulumi.secret(password.result),
        dbSubnetGroupName: subnets.name,
        parameterGroupName: parameters.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        multiAz: args.dataProtection,
        deletionProtection: args.dataProtection,
        backupRetentionPeriod: args.backupRetentionDays,
        backupWindow: "02:00-03:00",
        maintenanceWindow: "sun:03:30-sun:04:30",
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: !args.dataProtection,
        skipFinalSnapshot: !args.dataProtection,
        finalSnapshotIdentifier: args.dataProtection ? `${identifier}-final` : undefined,
        snapshotIdentifier: args.snapshotIdentifier,
        restoreToPointInTime: args.pointInTimeRestore && restoreToPointInTime(args.pointInTimeRestore),
        autoMinorVersionUpgrade: true,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        performanceInsightsEnabled: true,
      },
      {
        parent: this,
        protect: args.dataProtection,
        // Both restore inputs force a new instance: ignoring them once it exists is what lets the
        // operator clear the restore keys after a rebuild without replacing the database.
        ignoreChanges: ["snapshotIdentifier", "restoreToPointInTime"],
        // A restore replays transaction logs, which AWS says can take hours; the provider's default
        // 40 minutes would fail the rebuild half-way through an otherwise healthy restore.
        customTimeouts: restoring ? { create: "4h" } : undefined,
      },
    );

    // The region is this resource's own (AWS provider v7 takes `region` per resource), so the copy
    // stays under the stack's one AWS provider, with its credentials and default tags.
    let backupReplication: aws.InstanceAutomatedBackupsReplication | undefined;
    if (args.backupReplicationRegion !== undefined) {
      const key = new aws.KmsKey(
        `${name}-backups`,
        {
          region: args.backupReplicationRegion,
          description: `${identifier}: automated backups replicated from its own region`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
        },
        { parent: this, protect: args.dataProtection },
      );
      backupReplication = new aws.InstanceAutomatedBackupsReplication(
        name,
        {
          region: args.backupReplicationRegion,
          sourceDbInstanceArn: this.instance.arn,
          kmsKeyId: key.arn,
          retentionPeriod: args.backupRetentionDays,
        },
        { parent: this, protect: args.dataProtection },
      );
    }

    this.masterSecret = new aws.Secret(`${name}-master`, { name: `${identifier}/database/master`, description: `Master credentials of ${identifier}` }, { parent: this });
    const masterVersion = new aws.SecretVersion(
      `${name}-master`,
      {
        secretId: this.masterSecret.id,
        secretString: pulumi.secret(
          pulumi
            .all([this.instance.address, this.instance.port, password.result])
            .apply(([host, port, secret]) => JSON.stringify({ engine: "postgres", host, port, username: MASTER_USERNAME, password: secret })),
        ),
      },
      { parent: this },
    );

    this.masterSecretRef = { arn: this.masterSecret.arn, versionId: masterVersion.versionId };
    this.masterPassword = pulumi.secret(password.result);
    this.backupReplication = backupReplication;
    this.address = this.instance.address;
    this.port = this.instance.port;
    this.registerOutputs({ address: this.address, port: this.port });
  }
}

/** The provider's `restoreToPointInTime` block: one source, and a time or the latest one. */
function restoreToPointInTime(restore: PointInTimeRestore): awsInputs.rds.InstanceRestoreToPointInTime {
  const { source, restoreTime } = restore;
  return {
    sourceDbInstanceIdentifier: source.kind === "instanceIdentifier" ? source.value : undefined,
    sourceDbiResourceId: source.kind === "resourceId" ? source.value : undefined,
    sourceDbInstanceAutomatedBackupsArn: source.kind === "automatedBackupsArn" ? source.value : undefined,
    ...(restoreTime === "latest" ? { useLatestRestorableTime: true } : { restoreTime }),
  };
}
