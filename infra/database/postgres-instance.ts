import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import * as aws from "../aws/sdk";

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
   * exists, so removing it later does not replace the database.
   * @default empty database
   */
  readonly snapshotIdentifier?: string;
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
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;

  constructor(name: string, args: PostgresInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:PostgresInstance", name, {}, opts);

    // Letters and digits only: the password goes into connection URLs unescaped.
    const password = new RandomPassword(`${name}-master`, { length: 40, special: false }, { parent: this });
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

    const identifier = `${pulumi.getProject()}-${pulumi.getStack()}`;
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
        autoMinorVersionUpgrade: true,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        performanceInsightsEnabled: true,
      },
      { parent: this, protect: args.dataProtection, ignoreChanges: ["snapshotIdentifier"] },
    );

    this.masterSecret = new aws.Secret(`${name}-master`, { name: `${identifier}/database/master`, description: `Master credentials of ${identifier}` }, { parent: this });
    new aws.SecretVersion(
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

    this.masterPassword = pulumi.secret(password.result);
    this.address = this.instance.address;
    this.port = this.instance.port;
    this.registerOutputs({ address: this.address, port: this.port });
  }
}
