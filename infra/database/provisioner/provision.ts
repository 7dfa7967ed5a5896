/**
 * What the database provisioner does inside the VPC: brings the server's login roles, databases
 * and the metrics schema to the declared state. Every step is idempotent ("make it so", never
 * "create"), so the same request converges an empty server, a server restored from a snapshot or
 * from backups (the roles exist with their old passwords, which are reset), and a server that
 * already matches (nothing changes but the passwords, set to what they already are).
 *
 * Nothing here is dropped: a role or database no longer declared stays, as a data-bearing object
 * should; docs/runtime.md says how to remove one.
 *
 * A role may have a twin (`<role>_alt`, credential-slots.ts): a login of its own with its own
 * password that is a member of the role and acts as it from login on (`SET role`), so whichever
 * of the two a service logs in with, it owns and may do the same. Rotation changes one of the two
 * passwords at a time; the other keeps working meanwhile.
 */
import { alternateRoleName } from "../credential-slots";
import { scramVerifier } from "../scram";
import { databaseGrantStatements, RoleKey } from "../roles";
import { migrate, Migration, MigrationResult } from "../migrate";
import type { Sql } from "../sql";

/** A login role and the password it must have, and its twin's login when it has one. */
export interface LoginRoleState {
  readonly name: string;
  readonly password: string;
  /** `<name>_alt`: logs in with its own password and acts as `name`. */
  readonly alternate?: { readonly name: string; readonly password: string };
}

/** A login as a credential secret holds it. */
export interface SlotCredential {
  readonly username: string;
  readonly password: string;
}

/**
 * A role's state from its two credential secrets (current and standby, in either order of slots):
 * the one that logs in as the role gives its password, the other its twin's. A secret written
 * before rotation existed holds the role's own login and has no standby.
 */
export function loginRoleFromSlots(name: string, credentials: readonly SlotCredential[]): LoginRoleState {
  const own = credentials.find((credential) => credential.username === name);
  const twin = credentials.find((credential) => credential.username === alternateRoleName(name));
  const strangers = credentials.filter((credential) => credential !== own && credential !== twin).map((credential) => `"${credential.username}"`);
  if (own === undefined || strangers.length > 0) {
    throw new ProvisionError(
      `The credentials of role "${name}" must log in as "${name}" and, at most, "${alternateRoleName(name)}"; ` +
        `got ${credentials.map((credential) => `"${credential.username}"`).join(", ") || "none"}. Run pulumi up to write them again.`,
    );
  }
  return { name, password: own.password, ...(twin !== undefined ? { alternate: { name: twin.username, password: twin.password } } : {}) };
}

export interface DatabaseState {
  readonly name: string;
  /** The login role that owns it (one of `roles`). */
  readonly owner: string;
}

/** The declared state, with every password resolved. */
export interface ProvisionPlan {
  readonly roles: readonly LoginRoleState[];
  readonly databases: readonly DatabaseState[];
  /** The metrics database: its schema, migrated as its owner, and the writer's and reader's grants. */
  readonly metrics?: {
    readonly database: string;
    readonly roleNames: Readonly<Record<RoleKey, string>>;
  };
}

/** Whom to connect as, to which database of the one server. */
export interface ConnectTarget {
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export type Connect = (target: ConnectTarget) => Promise<Sql>;

/** What changed, for the invocation's result (kept in state): names only, never a password. */
export interface ProvisionResult {
  readonly rolesCreated: readonly string[];
  readonly rolesUpdated: readonly string[];
  readonly databasesCreated: readonly string[];
  readonly databasesReowned: readonly string[];
  readonly migrations: MigrationResult | null;
}

export class ProvisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProvisionError";
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The longest a query of the metrics reader may run. The reader is Grafana's, and the team's own
 * dashboards (loaded from their repository) query through it on the data source's five connections
 * that the platform's dashboards share: one unbounded query must not hold them. Ample for a
 * dashboard over `ml_metrics`, `workflow_runs` and `incidents`.
 */
export const READER_STATEMENT_TIMEOUT = "30s";

/** The problems of a plan, before anything runs: names PostgreSQL would need quoted, unknown owners. */
export function planProblems(plan: ProvisionPlan): string[] {
  const problems: string[] = [];
  const roleNames = new Set(plan.roles.map((role) => role.name));
  const logins = plan.roles.flatMap((role) => (role.alternate ? [role, role.alternate] : [role]));
  for (const role of logins) {
    if (!IDENTIFIER.test(role.name)) problems.push(`role "${role.name}" is not a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)`);
    if (role.password.length < 16) problems.push(`role "${role.name}" has a password shorter than 16 characters`);
  }
  if (new Set(logins.map((role) => role.name)).size !== logins.length) problems.push("a role is declared twice");
  for (const database of plan.databases) {
    if (!IDENTIFIER.test(database.name)) problems.push(`database "${database.name}" is not a lower-case SQL identifier`);
    if (!roleNames.has(database.owner)) problems.push(`database "${database.name}" is owned by "${database.owner}", which is not a declared login role`);
  }
  if (plan.metrics) {
    const metrics = plan.metrics;
    const database = plan.databases.find((entry) => entry.name === metrics.database);
    if (!database) problems.push(`the metrics database "${metrics.database}" is not a declared database`);
    else if (database.owner !== metrics.roleNames.owner) problems.push(`the metrics database is owned by "${database.owner}", not its owner role "${metrics.roleNames.owner}"`);
    for (const name of Object.values(metrics.roleNames)) {
      if (!roleNames.has(name)) problems.push(`metrics role "${name}" is not a declared login role`);
    }
  }
  return problems;
}

/**
 * Converges the server to `plan`. `admin` is a connection to the `postgres` database as the master
 * user, which on RDS is not a superuser: it may create roles and databases, and owns neither, so it
 * takes membership of each owner role before handing a database to it (PostgreSQL 16 asks that of
 * `CREATE DATABASE … OWNER`).
 */
export async function provision(
  admin: Sql,
  plan: ProvisionPlan,
  connect: Connect,
  migrations: readonly Migration[],
  log: (line: string) => void = () => undefined,
): Promise<ProvisionResult> {
  const problems = planProblems(plan);
  if (problems.length > 0) throw new ProvisionError(`The provisioning request is invalid:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);

  const rolesCreated: string[] = [];
  const rolesUpdated: string[] = [];
  for (const role of plan.roles) {
    const exists = (await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role.name])).length > 0;
    // format() quotes on the server, so no name or password is ever spliced into SQL here.
    // INHERIT: a database's owner acts on its `public` schema through the implicit
    // pg_database_owner role, whose privileges reach only an inheriting member; the roles are
    // granted nothing else.
    const template = exists
      ? "ALTER ROLE %I WITH LOGIN INHERIT NOCREATEROLE NOCREATEDB PASSWORD %L"
      : "CREATE ROLE %I WITH LOGIN INHERIT NOCREATEROLE NOCREATEDB PASSWORD %L";
    // The verifier, not the password: the server stores it as it is, and never sees the plaintext.
    await admin.exec(await formatted(admin, template, role.name, scramVerifier(role.password)));
    (exists ? rolesUpdated : rolesCreated).push(role.name);
    log(`${exists ? "updated" : "created"} role ${role.name}`);
    if (role.alternate) {
      const twinExisted = await convergeTwin(admin, role.name, role.alternate);
      (twinExisted ? rolesUpdated : rolesCreated).push(role.alternate.name);
      log(`${twinExisted ? "updated" : "created"} role ${role.alternate.name}, acting as ${role.name}`);
    }
  }

  if (plan.metrics) {
    // On each login: a session takes the settings of the role it logged in as, not of the role its
    // twin sets itself to, so the twin needs its own.
    const reader = plan.roles.find((role) => role.name === plan.metrics?.roleNames.reader) as LoginRoleState;
    for (const login of [reader.name, ...(reader.alternate ? [reader.alternate.name] : [])]) {
      await admin.exec(await formatted(admin, "ALTER ROLE %I SET statement_timeout = %L", login, READER_STATEMENT_TIMEOUT));
      log(`limited the statements of ${login} to ${READER_STATEMENT_TIMEOUT}`);
    }
  }

  const databasesCreated: string[] = [];
  const databasesReowned: string[] = [];
  for (const database of plan.databases) {
    const [current] = await admin.query<{ owner: string }>(
      "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
      [database.name],
    );
    // Membership of the owner is what lets a non-superuser create, hand over and revoke on it.
    const [member] = await admin.query<{ member: boolean }>("SELECT pg_has_role(current_user, $1, 'MEMBER') AS member", [database.owner]);
    if (!member?.member) await admin.exec(await formatted(admin, "GRANT %I TO CURRENT_USER", database.owner));
    if (current?.owner === database.owner) continue;
    if (current === undefined) {
      await admin.exec(await formatted(admin, "CREATE DATABASE %I OWNER %I", database.name, database.owner));
      databasesCreated.push(database.name);
      log(`created database ${database.name} owned by ${database.owner}`);
    } else {
      await admin.exec(await formatted(admin, "ALTER DATABASE %I OWNER TO %I", database.name, database.owner));
      databasesReowned.push(database.name);
      log(`gave database ${database.name} to ${database.owner} (was ${current.owner})`);
    }
  }
  // Only each database's owner and the roles granted CONNECT below may connect.
  for (const database of plan.databases) {
    await admin.exec(await formatted(admin, "REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC", database.name));
  }

  let migrationResult: MigrationResult | null = null;
  if (plan.metrics) {
    const { database, roleNames } = plan.metrics;
    const ownerRole = plan.roles.find((role) => role.name === roleNames.owner) as LoginRoleState;
    const owner = await connect({ database, user: ownerRole.name, password: ownerRole.password });
    try {
      for (const statement of databaseGrantStatements(database, roleNames)) await owner.exec(statement);
      migrationResult = await migrate(owner, migrations, { grantTo: roleNames, log });
    } finally {
      await owner.close();
    }
  }

  return { rolesCreated, rolesUpdated, databasesCreated, databasesReowned, migrations: migrationResult };
}

/**
 * The twin of `role`: a login with its own password, a member of `role` that inherits its
 * privileges and sets itself to it at login, so what it creates belongs to `role` (an MLflow or
 * Grafana schema migration run through the twin leaves the tables the role's). True when it existed.
 */
async function convergeTwin(admin: Sql, role: string, twin: { readonly name: string; readonly password: string }): Promise<boolean> {
  const exists = (await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [twin.name])).length > 0;
  const template = exists
    ? "ALTER ROLE %I WITH LOGIN INHERIT NOCREATEROLE NOCREATEDB PASSWORD %L"
    : "CREATE ROLE %I WITH LOGIN INHERIT NOCREATEROLE NOCREATEDB PASSWORD %L";
  await admin.exec(await formatted(admin, template, twin.name, scramVerifier(twin.password)));
  const [member] = await admin.query<{ member: boolean }>("SELECT pg_has_role($1, $2, 'MEMBER') AS member", [twin.name, role]);
  if (!member?.member) await admin.exec(await formatted(admin, "GRANT %I TO %I", role, twin.name));
  await admin.exec(await formatted(admin, "ALTER ROLE %I SET role = %L", twin.name, role));
  return exists;
}

async function formatted(sql: Sql, template: string, ...values: string[]): Promise<string> {
  const placeholders = values.map((_, index) => `$${index + 2}::text`).join(", ");
  const [row] = await sql.query<{ statement: string }>(`SELECT format($1::text, ${placeholders}) AS statement`, [template, ...values]);
  if (!row) throw new ProvisionError(`The server did not format: ${template}`);
  return row.statement;
}
