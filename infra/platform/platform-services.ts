import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import * as aws from "../aws/sdk";
import { readyAfter } from "../ready";
import type { ApplicationDatabases, LoginRole } from "../database/application-databases";
import { MLFLOW_CLIENTS, MlflowClient, MlflowClientName, alternateClientUsername, clientGrants, clientLoginVariables } from "../../contracts/mlflow-clients";
import { APPLICATION_DASHBOARDS } from "../../contracts/dashboards";
import { GRAFANA_RDS_CA_BUNDLE } from "../../contracts/image-files";
import { GRAFANA_DATABASE } from "../database/application-databases";
import type { RotationStep } from "../config";
import { Slot, SlotKeepers, appliedRotation, declareSingle, declareSlot } from "../database/credential-slots";
import type { ServiceCluster } from "./service-cluster";
import { PlatformWebService } from "./platform-web-service";
import { grafanaCloudWatchStatements } from "./grafana-cloudwatch-access";

export interface PlatformServicesArgs {
  readonly cluster: ServiceCluster;
  readonly databases: ApplicationDatabases;
  readonly databaseAddress: pulumi.Input<string>;
  readonly databasePort: pulumi.Input<number>;
  readonly artifactBucket: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
  readonly images: { readonly mlflow: pulumi.Input<string>; readonly grafana: pulumi.Input<string>; readonly dashboardSync: pulumi.Input<string> };
  readonly mlflowHostname: string;
  readonly grafanaHostname: string;
  /** The stack's AWS region: where Grafana's CloudWatch data source reads. */
  readonly region: string;
  /** The application's registered model: MLflow creates it at start and grants the clients on it. */
  readonly modelName: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly desiredCount: number;
  readonly logRetentionDays: number;
  /**
   * The rotation this run makes: a new MLflow administrator password, which only people use and
   * every MLflow task sets at start, and a new password for the client logins' slot it makes
   * current (docs/decisions/0004-credential-rotation.md).
   * @default none
   */
  readonly rotation?: RotationStep;
}

export const MLFLOW_PORT = 5000;
export const GRAFANA_PORT = 3000;
const ARTIFACTS_PREFIX = "artifacts";
/** The dashboard-sync image's VOLUME: ECS gives the shared bind mount that folder's owner. */
export const DASHBOARD_SYNC_PATH = "/dashboards";

/**
 * MLflow (tracking server and model registry; artifacts proxied to S3; basic auth) and Grafana
 * (its state in PostgreSQL, the metrics data source as the reader, CloudWatch through its task
 * role) on the cluster. Every credential is generated and kept in Secrets Manager, injected by ECS;
 * MLflow's clients each get their own login.
 */
export class PlatformServices extends pulumi.ComponentResource {
  readonly mlflow: PlatformWebService;
  readonly grafana: PlatformWebService;
  readonly mlflowUrl: string;
  readonly grafanaUrl: string;
  /**
   * Each MLflow client's current login (contracts/mlflow-clients.ts): the secret holding
   * `{username, password}`, readable once written, and the username and password themselves for
   * GitHub's variables and secrets. The username is the client's or its twin's.
   */
  readonly mlflowClients: Readonly<
    Record<
      MlflowClientName,
      {
        readonly secretArn: pulumi.Output<string>;
        readonly versionId: pulumi.Output<string>;
        readonly username: pulumi.Output<string>;
        readonly password: pulumi.Output<string>;
      }
    >
  >;

  constructor(name: string, args: PlatformServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    // The token keeps the folder's first name (infra/services): a new one would change every URN.
    super("mlops-cicd:services:PlatformServices", name, {}, opts);

    const prefix = args.cluster.clusterName;
    const generated = (key: string, description: string, rotates = false) => {
      const rotating = rotates ? declareSingle(args.rotation) : undefined;
      const value = new RandomPassword(
        `${name}-${key}`,
        { length: 48, special: false, keepers: rotating?.keepers },
        { parent: this, ignoreChanges: rotating === undefined || rotating.followsKeepers ? undefined : ["keepers"] },
      );
      const secret = new aws.Secret(`${name}-${key}`, { name: `${prefix}/${key}`, description }, { parent: this });
      const version = new aws.SecretVersion(`${name}-${key}`, { secretId: secret.id, secretString: pulumi.secret(value.result.apply((password) => JSON.stringify({ password }))) }, { parent: this });
      // Readers get the value as they start: the ARN resolves once it is written.
      return { secretArn: readyAfter(secret.arn, version), versionId: version.versionId };
    };
    // Rotates with the database's passwords: its task definition names the secret's version, so
    // MLflow rolls and its new tasks set the new password (docs/decisions/0004-credential-rotation.md).
    const mlflowAdmin = generated("mlflow-admin", "Password of MLflow's first administrator", true);
    // Not rotated: Grafana reads it only when its database is new, and keeps the password there.
    const grafanaAdmin = generated("grafana-admin", "Password of Grafana's admin user");
    // Grafana encrypts its data-source secrets with this key: it must never change, so it has no
    // keepers and no rotation config can replace it.
    const grafanaSecretKey = generated("grafana-secret-key", "Grafana's secret key");
    // Two logins per client, alternating like the database's roles (credential-slots.ts): the
    // client itself (its password keeps the name it always had, so a stack from before rotation
    // keeps it) and its twin `<client>_alt`, with the same grant. The client's secret holds the
    // current one, read by GitHub's variables and secrets and the model services; a `-standby`
    // secret the other, which MLflow keeps valid until the next rotation.
    const clientLogin = (client: MlflowClient) => {
      const slotPassword = (slot: Slot) => {
        const declared = declareSlot(slot, args.rotation);
        const key = `mlflow-client-${client.username}${slot === "primary" ? "" : "-alt"}`;
        return new RandomPassword(
          `${name}-${key}`,
          { length: 48, special: false, keepers: declared.keepers },
          { parent: this, ignoreChanges: declared.followsKeepers ? undefined : ["keepers"] },
        );
      };
      const slots: Record<Slot, RandomPassword> = { primary: slotPassword("primary"), alternate: slotPassword("alternate") };
      const credential = (which: "current" | "standby") =>
        pulumi.all([slots.primary.keepers, slots.alternate.keepers, slots.primary.result, slots.alternate.result]).apply(([primaryKeepers, alternateKeepers, primary, alternate]) => {
          const { current } = appliedRotation(primaryKeepers as SlotKeepers | undefined, alternateKeepers as SlotKeepers | undefined);
          const slot: Slot = which === "current" ? current : current === "primary" ? "alternate" : "primary";
          // The key order of the secret as it was before rotation: a stack at generation 0 writes the same JSON.
          return slot === "primary" ? { username: client.username as string, password: primary } : { username: alternateClientUsername(client), password: alternate };
        });
      const stored = (which: "current" | "standby") => {
        const key = `mlflow-client-${client.username}${which === "current" ? "" : "-standby"}`;
        const description = which === "current" ? `MLflow login of ${client.usedBy}` : `Standby MLflow login of ${client.username} (MLflow's only)`;
        const secret = new aws.Secret(`${name}-${key}`, { name: `${prefix}/${key}`, description }, { parent: this });
        const value = credential(which);
        const version = new aws.SecretVersion(`${name}-${key}`, { secretId: secret.id, secretString: pulumi.secret(value.apply((login) => JSON.stringify(login))) }, { parent: this });
        return { secretArn: readyAfter(secret.arn, version), versionId: version.versionId, username: pulumi.unsecret(value.apply((login) => login.username)), password: pulumi.secret(value.apply((login) => login.password)) };
      };
      return { current: stored("current"), standby: stored("standby") };
    };
    const logins = MLFLOW_CLIENTS.map((client) => ({ client, login: clientLogin(client) }));
    this.mlflowClients = Object.fromEntries(logins.map(({ client, login }) => [client.username, login.current])) as PlatformServices["mlflowClients"];
    // MLflow converges both logins of every client at start; each by the version this run wrote, so
    // a rotation rolls it.
    const clientLogins = Object.fromEntries(
      logins.flatMap(({ client, login }) =>
        (["current", "standby"] as const).flatMap((which) => {
          const variables = clientLoginVariables(client, which);
          const { secretArn, versionId } = login[which];
          return [
            [variables.username, { secretArn, versionId, key: "username" }],
            [variables.password, { secretArn, versionId, key: "password" }],
          ];
        }),
      ),
    );
    // Each database credential by the version this run wrote: a rotation rolls the service that reads it.
    const database = (role: LoginRole, key: string) => ({ secretArn: args.databases.credentialSecretArns[role], versionId: args.databases.credentialVersionIds[role], key });
    const common = {
      cluster: args.cluster,
      vpcId: args.vpcId,
      subnetIds: args.subnetIds,
      securityGroupId: args.securityGroupId,
      desiredCount: args.desiredCount,
      logRetentionDays: args.logRetentionDays,
    };

    this.mlflow = new PlatformWebService(
      `${name}-mlflow`,
      {
        ...common,
        name: "mlflow",
        image: args.images.mlflow,
        port: MLFLOW_PORT,
        hostname: args.mlflowHostname,
        priority: 10,
        healthCheckPath: "/health",
        cpu: 1024,
        memory: 2048,
        environment: {
          MLFLOW_ARTIFACTS_DESTINATION: pulumi.interpolate`s3://${args.artifactBucket.name}/${ARTIFACTS_PREFIX}`,
          MLFLOW_ADMIN_USERNAME: "admin",
          MLFLOW_MODEL_NAME: args.modelName,
          MLFLOW_CLIENTS: clientGrants(),
        },
        secrets: {
          MLFLOW_BACKEND_STORE_URI: database("mlflow", "uri"),
          MLFLOW_AUTH_DATABASE_URI: database("mlflow", "auth_uri"),
          MLFLOW_ADMIN_PASSWORD: { ...mlflowAdmin, key: "password" },
          ...clientLogins,
        },
        taskPolicyStatements: pulumi.output(args.artifactBucket.arn).apply((bucket) => [
          { Sid: "Artifacts", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucket}/${ARTIFACTS_PREFIX}/*` },
          { Sid: "ListArtifacts", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": [`${ARTIFACTS_PREFIX}/*`] } } },
        ]),
        // `aws ecs run-task --task-definition <cluster>-mlflow-upgrade` before a new MLflow version.
        // No reset task: every start sets the users' passwords to these secrets (images/mlflow).
        oneOffTasks: [{ suffix: "upgrade", command: ["upgrade"] }],
      },
      { parent: this },
    );

    this.grafana = new PlatformWebService(
      `${name}-grafana`,
      {
        ...common,
        name: "grafana",
        image: args.images.grafana,
        port: GRAFANA_PORT,
        hostname: args.grafanaHostname,
        priority: 20,
        healthCheckPath: "/api/health",
        environment: {
          GF_SERVER_ROOT_URL: `https://${args.grafanaHostname}`,
          GF_SECURITY_ADMIN_USER: "admin",
          GF_SECURITY_COOKIE_SECURE: "true",
          GF_DATABASE_TYPE: "postgres",
          GF_DATABASE_HOST: pulumi.interpolate`${args.databaseAddress}:${args.databasePort}`,
          GF_DATABASE_NAME: GRAFANA_DATABASE,
          // Grafana's driver takes "require" as no certificate check: verify against the RDS CAs its image holds.
          GF_DATABASE_SSL_MODE: "verify-full",
          GF_DATABASE_CA_CERT_PATH: GRAFANA_RDS_CA_BUNDLE,
          METRICS_DB_HOST: args.databaseAddress,
          // The CloudWatch data source's default region (tools/grafana/cloudwatch-query.ts).
          AWS_REGION: args.region,
        },
        secrets: {
          // The login, not only the password, comes from the secret: it is `grafana` or its twin
          // `grafana_alt`, whichever is current (credential-slots.ts); the same for the reader.
          GF_DATABASE_USER: database("grafana", "username"),
          GF_DATABASE_PASSWORD: database("grafana", "password"),
          GF_SECURITY_ADMIN_PASSWORD: { ...grafanaAdmin, key: "password" },
          GF_SECURITY_SECRET_KEY: { ...grafanaSecretKey, key: "password" },
          METRICS_READER_USER: database("reader", "username"),
          METRICS_READER_PASSWORD: database("reader", "password"),
        },
        // The application team's dashboards: ci-cd's deploy jobs write them under their prefix of the
        // artifact bucket; this container copies the prefix into a folder only Grafana's second
        // provider reads (docs/monitoring.md). The task role may read that prefix and nothing else.
        sidecars: [
          {
            name: "dashboard-sync",
            image: args.images.dashboardSync,
            environment: {
              DASHBOARDS_SOURCE: pulumi.interpolate`s3://${args.artifactBucket.name}/${APPLICATION_DASHBOARDS.bucketPrefix}`,
              DASHBOARDS_DIR: DASHBOARD_SYNC_PATH,
              SYNC_INTERVAL_SECONDS: String(APPLICATION_DASHBOARDS.syncIntervalSeconds),
            },
            sharedVolume: { name: "application-dashboards", sidecarPath: DASHBOARD_SYNC_PATH, mainPath: APPLICATION_DASHBOARDS.grafanaPath },
            // After the first round, copied or not: Grafana never starts on an empty folder, and a
            // later S3 outage leaves it alone (images/dashboard-sync).
            readyCommand: ["test", "-e", "/tmp/first-round-done"],
          },
        ],
        taskPolicyStatements: pulumi.output(args.artifactBucket.arn).apply((bucket) => [
          { Sid: "ReadDashboards", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/${APPLICATION_DASHBOARDS.bucketPrefix}*` },
          {
            Sid: "ListDashboards",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucket,
            Condition: { StringLike: { "s3:prefix": [`${APPLICATION_DASHBOARDS.bucketPrefix}*`] } },
          },
          // The CloudWatch data source's reads (docs/monitoring.md).
          ...grafanaCloudWatchStatements(args.region),
        ]),
        // `aws ecs run-task --task-definition <cluster>-grafana-reset-admin` after a restore: the admin
        // password lives in Grafana's database, which a restore brings back with the lost stack's.
        oneOffTasks: [
          {
            suffix: "reset-admin",
            entryPoint: ["/bin/sh", "-c"],
            command: ['exec grafana cli --homepath /usr/share/grafana admin reset-admin-password "$GF_SECURITY_ADMIN_PASSWORD"'],
          },
        ],
      },
      { parent: this },
    );

    this.mlflowUrl = this.mlflow.url;
    this.grafanaUrl = this.grafana.url;
    this.registerOutputs({ mlflowUrl: this.mlflowUrl, grafanaUrl: this.grafanaUrl });
  }
}
