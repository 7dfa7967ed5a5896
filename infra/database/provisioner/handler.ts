/**
 * The database provisioner's Lambda entry point (bundled by `npm run gen` into
 * infra/database/provisioner/__bundle__/index.js). It runs inside the VPC, so the database stays
 * private and neither `pulumi up` nor its runner ever needs a route to it.
 *
 * The event names Secrets Manager secrets, never a password: the invocation's input is kept in
 * Pulumi state, and the function reads every credential itself with its own narrow role.
 */
import type { ClientConfig } from "pg";
import { secretField, secretJson } from "../../aws/secret-json";
import { Migration, readMigrations } from "../migrate";
import type { RoleKey } from "../roles";
import { connectPostgresWith } from "../sql";
import { loginAsMaster } from "./master-login";
import { ProvisionPlan, ProvisionResult, SlotCredential, loginRoleFromSlots, provision } from "./provision";

/** The invocation's input, as infra/database/database-provisioner.ts writes it. */
export interface ProvisionEvent {
  /** The master credentials: `{host, port, username, password}`. */
  readonly masterSecretArn: string;
  /**
   * Login roles; each secret holds `{username, password}` at least: the current login and, in the
   * standby secret, the other one (the role itself or its twin, credential-slots.ts).
   */
  readonly roles: readonly { readonly name: string; readonly secretArn: string; readonly standbySecretArn?: string }[];
  readonly databases: ProvisionPlan["databases"];
  readonly metrics?: { readonly database: string; readonly roleNames: Readonly<Record<RoleKey, string>> };
}

// Replaced with the migrations' JSON when the bundle is built.
declare const BUNDLED_MIGRATIONS: readonly Migration[] | undefined;

export async function handler(event: ProvisionEvent): Promise<ProvisionResult> {
  const master = await secretJson(event.masterSecretArn);
  const host = secretField(master, "host", event.masterSecretArn);
  const port = Number(secretField(master, "port", event.masterSecretArn));
  const credential = async (arn: string): Promise<SlotCredential> => {
    const value = await secretJson(arn);
    return { username: secretField(value, "username", arn), password: secretField(value, "password", arn) };
  };
  const roles = await Promise.all(
    event.roles.map(async (role) =>
      loginRoleFromSlots(role.name, await Promise.all([role.secretArn, ...(role.standbySecretArn !== undefined ? [role.standbySecretArn] : [])].map(credential))),
    ),
  );
  // TLS with the server's certificate verified against the RDS CAs the runtime ships
  // (NODE_EXTRA_CA_CERTS on the function); the server refuses anything else (rds.force_ssl).
  const connect = (database: string, user: string, password: string) =>
    connectPostgresWith({ host, port, database, user, password, ssl: { rejectUnauthorized: true }, connectionTimeoutMillis: 15_000 } satisfies ClientConfig);
  const masterUser = secretField(master, "username", event.masterSecretArn);
  const masterPassword = secretField(master, "password", event.masterSecretArn);
  const admin = await loginAsMaster(() => connect("postgres", masterUser, masterPassword), {
    user: masterUser,
    secretArn: event.masterSecretArn,
    log: (line) => console.log(line),
  });
  try {
    return await provision(
      admin,
      { roles, databases: event.databases, metrics: event.metrics },
      (target) => connect(target.database, target.user, target.password),
      typeof BUNDLED_MIGRATIONS !== "undefined" ? BUNDLED_MIGRATIONS : readMigrations(),
      (line) => console.log(line),
    );
  } finally {
    await admin.close();
  }
}
