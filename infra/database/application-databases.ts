import * as pulumi from "@pulumi/pulumi";
import { Database } from "@pulumi/postgresql/database";
import { Provider as PostgresProvider } from "@pulumi/postgresql/provider";
import { Role } from "@pulumi/postgresql/role";
import { RandomPassword } from "@pulumi/random/randomPassword";
import * as aws from "../aws/sdk";
import { MetricsDatabaseAccess } from "./metrics-database-access";
import { MASTER_USERNAME } from "./postgres-instance";
import { METRICS_DATABASE, RoleKey } from "./roles";

export interface ApplicationDatabasesArgs {
  /** The server's address and port, as the services reach it. */
  readonly address: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  readonly masterPassword: pulumi.Input<string>;
  /**
   * Where `pulumi up` reaches the server, when it cannot reach `address` (an SSM port forward).
   * @default address and port
   */
  readonly adminEndpoint?: { readonly host: string; readonly port: number };
  /** Prefix of the Secrets Manager names: `<prefix>/database/<role>`. */
  readonly secretPrefix: string;
  /**
   * Pulumi `protect` on the two databases, so no update can drop them.
   * @default false
   */
  readonly protectDatabases?: boolean;
}

export const MLFLOW_DATABASE = "mlflow";
export const MLFLOW_ROLE = "mlflow";
export const GRAFANA_DATABASE = "grafana";
export const GRAFANA_ROLE = "grafana";

export type LoginRole = RoleKey | "mlflow" | "grafana";

/**
 * The databases on the server, `mlflow`, `grafana` (Grafana's own state) and `metrics`, each owned
 * by its own role, with the metrics roles of the monitoring issue. Every generated password lands in
 * its own Secrets Manager secret (`username`, `password`, `host`, `port`, `dbname` and a TLS-only
 * `uri`), read by the services that need it; none is an output.
 */
export class ApplicationDatabases extends pulumi.ComponentResource {
  readonly provider: PostgresProvider;
  readonly metricsAccess: MetricsDatabaseAccess;
  readonly mlflowDatabase: Database;
  readonly metricsDatabase: Database;
  readonly grafanaDatabase: Database;
  /** Secret ARNs with `{username, password, host, port, dbname, uri}`, by role. */
  readonly credentialSecretArns: Readonly<Record<LoginRole, pulumi.Output<string>>>;
  /** The monitoring job's connection URL (the writer role, TLS required); a secret. */
  readonly writerUri: pulumi.Output<string>;

  constructor(name: string, args: ApplicationDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:ApplicationDatabases", name, {}, opts);

    this.provider = new PostgresProvider(
      `${name}-admin`,
      {
        host: args.adminEndpoint?.host ?? args.address,
        port: args.adminEndpoint?.port ?? args.port,
        username: MASTER_USERNAME,
        password: pulumi.secret(args.masterPassword),
        database: "postgres",
        sslmode: "require",
        // The RDS master is not a superuser; the provider then avoids superuser-only statements.
        superuser: false,
        connectTimeout: 15,
      },
      { parent: this },
    );
    const onServer = { parent: this, provider: this.provider };

    const password = (role: LoginRole) => new RandomPassword(`${name}-${role}`, { length: 40, special: false }, { parent: this }).result;
    const passwords: Record<LoginRole, pulumi.Output<string>> = {
      owner: password("owner"),
      writer: password("writer"),
      reader: password("reader"),
      mlflow: password("mlflow"),
      grafana: password("grafana"),
    };

    this.metricsAccess = new MetricsDatabaseAccess(
      `${name}-metrics`,
      { database: METRICS_DATABASE, passwords: { owner: passwords.owner, writer: passwords.writer, reader: passwords.reader } },
      { parent: this, providers: [this.provider] },
    );
    this.metricsDatabase = new Database(
      `${name}-metrics`,
      { name: METRICS_DATABASE, owner: this.metricsAccess.roles.owner.name },
      { ...onServer, protect: args.protectDatabases ?? false },
    );

    const mlflowRole = new Role(`${name}-mlflow`, { name: MLFLOW_ROLE, login: true, password: pulumi.secret(passwords.mlflow), inherit: false }, onServer);
    this.mlflowDatabase = new Database(`${name}-mlflow`, { name: MLFLOW_DATABASE, owner: mlflowRole.name }, { ...onServer, protect: args.protectDatabases ?? false });
    const grafanaRole = new Role(`${name}-grafana`, { name: GRAFANA_ROLE, login: true, password: pulumi.secret(passwords.grafana), inherit: false }, onServer);
    this.grafanaDatabase = new Database(`${name}-grafana`, { name: GRAFANA_DATABASE, owner: grafanaRole.name }, { ...onServer, protect: args.protectDatabases ?? false });

    const usernames: Record<LoginRole, string> = { ...this.metricsAccess.roleNames, mlflow: MLFLOW_ROLE, grafana: GRAFANA_ROLE };
    const databases: Record<LoginRole, string> = {
      owner: METRICS_DATABASE,
      writer: METRICS_DATABASE,
      reader: METRICS_DATABASE,
      mlflow: MLFLOW_DATABASE,
      grafana: GRAFANA_DATABASE,
    };
    const uri = (role: LoginRole) =>
      pulumi.secret(
        pulumi
          .all([args.address, args.port, passwords[role]])
          .apply(([host, port, secretValue]) => `postgresql://${usernames[role]}:${secretValue}@${host}:${port}/${databases[role]}?sslmode=require`),
      );
    const arns = {} as Record<LoginRole, pulumi.Output<string>>;
    for (const role of ["owner", "writer", "reader", "mlflow", "grafana"] as const) {
      const secret = new aws.Secret(`${name}-${role}`, { name: `${args.secretPrefix}/database/${usernames[role]}`, description: `Credentials of the ${usernames[role]} role` }, { parent: this });
      new aws.SecretVersion(
        `${name}-${role}`,
        {
          secretId: secret.id,
          secretString: pulumi.secret(
            pulumi
              .all([args.address, args.port, passwords[role], uri(role)])
              .apply(([host, port, secretValue, connection]) =>
                JSON.stringify({ username: usernames[role], password: secretValue, host, port, dbname: databases[role], uri: connection }),
              ),
          ),
        },
        { parent: this },
      );
      arns[role] = secret.arn;
    }
    this.credentialSecretArns = arns;
    this.writerUri = uri("writer");
    this.registerOutputs({});
  }
}
