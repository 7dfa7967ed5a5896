import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import * as aws from "../aws/sdk";
import type { CredentialRotation } from "../config";
import { readyAfter } from "../ready";
import { AppliedRotation, Slot, SlotKeepers, alternateRoleName, appliedRotation, declareSlot } from "./credential-slots";
import { DatabaseProvisioner, SecretRef } from "./database-provisioner";
import { METRICS_DATABASE, RoleKey, roleNames } from "./roles";
import { MLFLOW_RDS_CA_BUNDLE } from "../../contracts/image-files";

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
  /** The rotation schedule, and the rotation this run makes (docs/decisions/0004-credential-rotation.md). */
  readonly rotation: CredentialRotation;
}

export const MLFLOW_DATABASE = "mlflow";
/**
 * MLflow's users and permissions. Not in `mlflow`: before MLflow 3.6 the auth store and the tracking
 * store both keep their schema version in `alembic_version`, so sharing a database breaks both.
 */
export const MLFLOW_AUTH_DATABASE = "mlflow_auth";
export const MLFLOW_ROLE = "mlflow";
export const GRAFANA_DATABASE = "grafana";
export const GRAFANA_ROLE = "grafana";

export type LoginRole = RoleKey | "mlflow" | "grafana";

const LOGIN_ROLES: readonly LoginRole[] = ["owner", "writer", "reader", "mlflow", "grafana"];

/** What the stack output `credentialRotation` says: the rotation workflow decides from it. */
export interface RotationStatus {
  readonly generation: number;
  readonly rotatedOn: string | null;
  readonly periodDays: number;
  /** Which login each role's secret holds: the role itself (`primary`) or its twin `<role>_alt`. */
  readonly current: Slot;
}

/**
 * The databases on the server, `mlflow` and `mlflow_auth` (its users), `grafana` (Grafana's own
 * state) and `metrics`, each owned
 * by its own role, with the metrics roles of the monitoring issue and the metrics schema. Every
 * generated password lands in its own Secrets Manager secret (`username`, `password`, `host`,
 * `port`, `dbname` and a TLS-only `uri`), read by the services that need it; none is an output.
 * The roles and databases are made on the server by the `DatabaseProvisioner` inside the VPC.
 *
 * Each login role has a twin (`<role>_alt`) and the two take turns, one rotation each, as the
 * current credential (credential-slots.ts): the secret holds the current one, a `-standby` secret
 * the other, which only the provisioner reads and which stays valid until the next rotation.
 */
export class ApplicationDatabases extends pulumi.ComponentResource {
  readonly provisioner: DatabaseProvisioner;
  /**
   * Secret ARNs with `{username, password, host, port, dbname, uri}`, by role. Each resolves once
   * the role exists on the server with that password: a task reading one waits for its login.
   */
  readonly credentialSecretArns: Readonly<Record<LoginRole, pulumi.Output<string>>>;
  /**
   * The version of each credential secret written by this run: a task definition that names it
   * changes, and its service rolls, when a rotation writes a new one.
   */
  readonly credentialVersionIds: Readonly<Record<LoginRole, pulumi.Output<string>>>;
  /** The generation the passwords are at, its date, and the period: the stack output `credentialRotation`. */
  readonly rotation: pulumi.Output<RotationStatus>;
  /** Role names of the metrics database. */
  readonly metricsRoleNames: Readonly<Record<RoleKey, string>>;

  constructor(name: string, args: ApplicationDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:database:ApplicationDatabases", name, {}, opts);

    // Two passwords per role, one per slot. The primary slot's keeps the name it always had, so a
    // stack from before rotation keeps its passwords; keepers change only when a rotation makes that
    // slot current, and otherwise state wins (credential-slots.ts).
    const slotPassword = (role: LoginRole, slot: Slot) => {
      const declared = declareSlot(slot, args.rotation.step);
      return new RandomPassword(
        slot === "primary" ? `${name}-${role}` : `${name}-${role}-alt`,
        { length: 40, special: false, keepers: declared.keepers },
        { parent: this, ignoreChanges: declared.followsKeepers ? undefined : ["keepers"] },
      );
    };
    const slots = Object.fromEntries(LOGIN_ROLES.map((role) => [role, { primary: slotPassword(role, "primary"), alternate: slotPassword(role, "alternate") }])) as Record<
      LoginRole,
      Record<Slot, RandomPassword>
    >;
    // Every role rotates together: any role's keepers tell the stack's state.
    const applied = (role: LoginRole): pulumi.Output<AppliedRotation> =>
      pulumi
        .all([slots[role].primary.keepers, slots[role].alternate.keepers])
        .apply(([primary, alternate]) => appliedRotation(primary as SlotKeepers | undefined, alternate as SlotKeepers | undefined));

    const metricsRoles = roleNames("metrics");
    const usernames: Record<LoginRole, string> = { ...metricsRoles, mlflow: MLFLOW_ROLE, grafana: GRAFANA_ROLE };
    const databases: Record<LoginRole, string> = {
      owner: METRICS_DATABASE,
      writer: METRICS_DATABASE,
      reader: METRICS_DATABASE,
      mlflow: MLFLOW_DATABASE,
      grafana: GRAFANA_DATABASE,
    };
    /** The login of a slot: the role itself, or its twin. */
    const login = (role: LoginRole, slot: Slot) => (slot === "primary" ? usernames[role] : alternateRoleName(usernames[role]));
    const other = (slot: Slot): Slot => (slot === "primary" ? "alternate" : "primary");
    /** `{username, password}` of the current slot, or of the standby one. */
    const credential = (role: LoginRole, which: "current" | "standby") =>
      pulumi.all([applied(role), slots[role].primary.result, slots[role].alternate.result]).apply(([state, primary, alternate]) => {
        const slot = which === "current" ? state.current : other(state.current);
        return { username: login(role, slot), password: slot === "primary" ? primary : alternate };
      });
    const connectionUri = (role: LoginRole, username: string, secretValue: string, host: string, port: number, database = databases[role]) => {
      const tls = role === "mlflow" ? `sslmode=verify-full&sslrootcert=${MLFLOW_RDS_CA_BUNDLE}` : "sslmode=require";
      return `postgresql://${username}:${secretValue}@${host}:${port}/${database}?${tls}`;
    };
    const secrets = {} as Record<LoginRole, { current: SecretRef; standby: SecretRef }>;
    for (const role of LOGIN_ROLES) {
      const secret = new aws.Secret(`${name}-${role}`, { name: `${args.secretPrefix}/database/${usernames[role]}`, description: `Credentials of the ${usernames[role]} role` }, { parent: this });
      const version = new aws.SecretVersion(
        `${name}-${role}`,
        {
          secretId: secret.id,
          secretString: pulumi.secret(
            pulumi.all([args.address, args.port, credential(role, "current")]).apply(([host, port, { username, password }]) =>
              JSON.stringify({
                username,
                password,
                host,
                port,
                dbname: databases[role],
                uri: connectionUri(role, username, password, host, port),
                // MLflow's second database: its users and permissions.
                ...(role === "mlflow" ? { auth_uri: connectionUri(role, username, password, host, port, MLFLOW_AUTH_DATABASE) } : {}),
              }),
            ),
          ),
        },
        { parent: this },
      );
      // The slot that is not current: only the provisioner reads it, to keep that login valid until
      // the next rotation replaces it.
      const standbySecret = new aws.Secret(
        `${name}-${role}-standby`,
        { name: `${args.secretPrefix}/database/${usernames[role]}-standby`, description: `Standby credentials of the ${usernames[role]} role (the provisioner's only)` },
        { parent: this },
      );
      const standbyVersion = new aws.SecretVersion(
        `${name}-${role}-standby`,
        { secretId: standbySecret.id, secretString: pulumi.secret(credential(role, "standby").apply((value) => JSON.stringify(value))) },
        { parent: this },
      );
      secrets[role] = { current: { arn: secret.arn, versionId: version.versionId }, standby: { arn: standbySecret.arn, versionId: standbyVersion.versionId } };
    }

    this.provisioner = new DatabaseProvisioner(
      `${name}-provisioner`,
      {
        name: args.provisionerName,
        subnetIds: args.subnetIds,
        securityGroupId: args.provisionerSecurityGroupId,
        masterSecret: args.masterSecret,
        roles: LOGIN_ROLES.map((role) => ({ name: usernames[role], secret: secrets[role].current, standbySecret: secrets[role].standby })),
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
    this.credentialSecretArns = Object.fromEntries(LOGIN_ROLES.map((role) => [role, readyAfter(secrets[role].current.arn, provisioned)])) as Record<
      LoginRole,
      pulumi.Output<string>
    >;
    this.credentialVersionIds = Object.fromEntries(LOGIN_ROLES.map((role) => [role, readyAfter(secrets[role].current.versionId, provisioned)])) as Record<
      LoginRole,
      pulumi.Output<string>
    >;
    this.rotation = applied("owner").apply((state) => ({ generation: state.generation, rotatedOn: state.rotatedOn, periodDays: args.rotation.periodDays, current: state.current }));
    this.metricsRoleNames = metricsRoles;
    this.registerOutputs({});
  }
}
