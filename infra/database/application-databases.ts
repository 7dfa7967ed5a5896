import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import { DatabaseProvisioner, SecretRef } from "./database-provisioner";
import { METRICS_DATABASE, RoleKey, roleNames } from "./roles";

export interface ApplicationDatabasesArgs {
  /** The server's address and port, as the services reach it. */
  readonly address: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  /** The master credentials' secret, as written (PostgresInstance). */
  readonly masterSecret: SecretRef;
  /** Prefix of the Secrets Manager names: `<prefix>/database/<role>`. */
  readonly secretPrefix: string;
  /** The provisioner function's name (`<cluster>-db-provisioner`). */
  readonly provisionerName: string;
  /** Private subnets the provisioner runs in. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The provisioner's security group, resolved once the rules to and from the database exist. */
  readonly provisionerSecurityGroupId: pulumi.Input<string>;
  readonly logRetentionDays: number;
}

export const MLFLOW_DATABASE = "mlflow";
/**
 * MLflow's users and permissions. Not in `mlflow`: before MLflow 3.6 the auth store and the tracking
 * store both keep their schema version in `alembic_version`, so sharing a database breaks both.
 */
export const MLFLOW_AUTH_DATABASE = "mlflow_auth";
/**
 * Where images/mlflow puts the RDS certificate authorities. MLflow's driver (libpq) takes
 * `sslmode=require` as encryption without any certificate check; its URIs ask for verify-full
 * against this bundle instead. Node's pg, which the other URIs serve, verifies `require` fully.
 */
export const MLFLOW_RDS_CA_BUNDLE = "/etc/ssl/certs/rds-ca-bundle.pem";
export const MLFLOW_ROLE = "mlflow";
export const GRAFANA_DATABASE = "grafana";
export const GRAFANA_ROLE = "grafana";

export type LoginRole = RoleKey | "mlflow" | "grafana";

const LOGIN_ROLES: readonly LoginRole[] = ["owner", "writer", "reader", "mlflow", "grafana"];

/**
 * The databases on the server, `mlflow` and `mlflow_auth` (its users), `grafana` (Grafana's own
 * state) and `metrics`, each owned
 * by its own role, with the metrics roles of the monitoring issue and the metrics schema. Every
 * generated password lands in its own Secrets Manager secret (`username`, `password`, `host`,
 * `port`, `dbname` and a TLS-only `uri`), read by the services that need it; none is an output.
 * The roles and databases are made on the server by the `DatabaseProvisioner` inside the VPC.
 */
export class ApplicationDatabases extends pulumi.ComponentResource {
  readonly provisioner: DatabaseProvisioner;
  /**
   * Secret ARNs with `{username, password, host, port, dbname, uri}`, by role. Each resolves once
   * the role exists on the server with that password: a task reading one waits for its login.
   */
  readonly credentialSecretArns: Readonly<Record<LoginRole, pulumi.Output<string>>>;
  /** Role names of the metrics database. */
  readonly metricsRoleNames: Readonly<Record<RoleKey, string>>;

  constructor(name: string, args: ApplicationDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:ApplicationDatabases", name, {}, opts);

    const password = (role: LoginRole) => new RandomPassword(`${name}-${role}`, { length: 40, special: false }, { parent: this }).result;
    const passwords = Object.fromEntries(LOGIN_ROLES.map((role) => [role, password(role)])) as Record<LoginRole, pulumi.Output<string>>;

    const metricsRoles = roleNames("metrics");
    const usernames: Record<LoginRole, string> = { ...metricsRoles, mlflow: MLFLOW_ROLE, grafana: GRAFANA_ROLE };
    const databases: Record<LoginRole, string> = {
      owner: METRICS_DATABASE,
      writer: METRICS_DATABASE,
      reader: METRICS_DATABASE,
      mlflow: MLFLOW_DATABASE,
      grafana: GRAFANA_DATABASE,
    };
    const uri = (role: LoginRole, database = databases[role]) =>
      pulumi.secret(
        pulumi
          .all([args.address, args.port, passwords[role]])
          .apply(([host, port, secretValue]) => {
            const tls = role === "mlflow" ? `sslmode=verify-full&sslrootcert=${MLFLOW_RDS_CA_BUNDLE}` : "sslmode=require";
            return `postgresql://${usernames[role]}:${secretValue}@${host}:${port}/${database}?${tls}`;
          }),
      );
    const secrets = {} as Record<LoginRole, SecretRef>;
    for (const role of LOGIN_ROLES) {
      const secret = new aws.Secret(`${name}-${role}`, { name: `${args.secretPrefix}/database/${usernames[role]}`, description: `Credentials of the ${usernames[role]} role` }, { parent: this });
      const version = new aws.SecretVersion(
        `${name}-${role}`,
        {
          secretId: secret.id,
          secretString: pulumi.secret(
            pulumi
              .all([args.address, args.port, passwords[role], uri(role), role === "mlflow" ? uri(role, MLFLOW_AUTH_DATABASE) : undefined])
              .apply(([host, port, secretValue, connection, authConnection]) =>
                JSON.stringify({
                  username: usernames[role],
                  password: secretValue,
                  host,
                  port,
                  dbname: databases[role],
                  uri: connection,
                  // MLflow's second database: its users and permissions.
                  ...(authConnection !== undefined ? { auth_uri: authConnection } : {}),
                }),
              ),
          ),
        },
        { parent: this },
      );
      secrets[role] = { arn: secret.arn, versionId: version.versionId };
    }

    this.provisioner = new DatabaseProvisioner(
      `${name}-provisioner`,
      {
        name: args.provisionerName,
        subnetIds: args.subnetIds,
        securityGroupId: args.provisionerSecurityGroupId,
        masterSecret: args.masterSecret,
        roles: LOGIN_ROLES.map((role) => ({ name: usernames[role], secret: secrets[role] })),
        databases: [
          { name: METRICS_DATABASE, owner: metricsRoles.owner },
          { name: MLFLOW_DATABASE, owner: MLFLOW_ROLE },
          { name: MLFLOW_AUTH_DATABASE, owner: MLFLOW_ROLE },
          { name: GRAFANA_DATABASE, owner: GRAFANA_ROLE },
        ],
        metrics: { database: METRICS_DATABASE, roleNames: metricsRoles },
        logRetentionDays: args.logRetentionDays,
      },
      { parent: this },
    );

    const provisioned = this.provisioner.invocation;
    this.credentialSecretArns = Object.fromEntries(LOGIN_ROLES.map((role) => [role, readyAfter(secrets[role].arn, provisioned)])) as Record<
      LoginRole,
      pulumi.Output<string>
    >;
    this.metricsRoleNames = metricsRoles;
    this.registerOutputs({});
  }
}
