/**
 * The database provisioner's convergence (infra/database/provisioner/provision.ts) on a real
 * PostgreSQL server, as RDS's master user meets it: a role with CREATEROLE and CREATEDB that is not
 * a superuser. It runs where DATABASE_URL names a server (CI: PostgreSQL 15 on 127.0.0.1:5432);
 * PGlite has one database and one user, so it cannot stand in. The request's own checks run
 * everywhere.
 */
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { scramVerifier } from "../infra/database/scram";
import { connectPostgres, connectPostgresWith, PROVISIONER_BUNDLE, readMigrations, roleNames, Sql } from "../infra/database";
import { planProblems, provision, ProvisionError, ProvisionPlan, READER_STATEMENT_TIMEOUT } from "../infra/database/provisioner/provision";
import { loginAsMaster, MASTER_LOGIN_WAITS_MS } from "../infra/database/provisioner/master-login";
import { alternateRoleName } from "../infra/database/credential-slots";

/** Every migration this release ships (tests/metrics-database.test.ts names them one by one). */
const ALL_MIGRATIONS = readMigrations().map((entry) => `${entry.version}_${entry.name}`);

describe("the provisioning request's checks", () => {
  const valid: ProvisionPlan = {
    roles: [
      { name: "metrics_owner", password: "a".repeat(40) },
      { name: "metrics_writer", password: "b".repeat(40) },
      { name: "metrics_reader", password: "c".repeat(40) },
    ],
    databases: [{ name: "metrics", owner: "metrics_owner" }],
    metrics: { database: "metrics", roleNames: roleNames("metrics") },
  };

  it("accepts the program's own request", () => {
    expect(planProblems(valid)).toEqual([]);
  });

  it("names every problem: quoted names, short passwords, unknown owners, a metrics database that is not declared", () => {
    expect(
      planProblems({
        roles: [
          { name: "Bad-Name", password: "short" },
          { name: "ok", password: "x".repeat(20) },
          { name: "ok", password: "x".repeat(20) },
        ],
        databases: [
          { name: "data base", owner: "ok" },
          { name: "orphan", owner: "nobody" },
        ],
        metrics: { database: "metrics", roleNames: roleNames("metrics") },
      }),
    ).toEqual([
      'role "Bad-Name" is not a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)',
      'role "Bad-Name" has a password shorter than 16 characters',
      "a role is declared twice",
      'database "data base" is not a lower-case SQL identifier',
      'database "orphan" is owned by "nobody", which is not a declared login role',
      'the metrics database "metrics" is not a declared database',
      'metrics role "metrics_owner" is not a declared login role',
      'metrics role "metrics_writer" is not a declared login role',
      'metrics role "metrics_reader" is not a declared login role',
    ]);
  });

  it("checks a twin login as it checks a role: its name, its password, and that no other login has its name", () => {
    expect(
      planProblems({
        ...valid,
        roles: [
          { name: "metrics_owner", password: "a".repeat(40), alternate: { name: "metrics_writer", password: "d".repeat(40) } },
          { name: "metrics_writer", password: "b".repeat(40), alternate: { name: "Metrics-Writer-Alt", password: "short" } },
          { name: "metrics_reader", password: "c".repeat(40) },
        ],
      }),
    ).toEqual([
      'role "Metrics-Writer-Alt" is not a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)',
      'role "Metrics-Writer-Alt" has a password shorter than 16 characters',
      "a role is declared twice",
    ]);
  });

  it("refuses an invalid request before it runs a statement", async () => {
    const statements: string[] = [];
    const recording: Sql = {
      query: async (text) => {
        statements.push(text);
        return [];
      },
      exec: async (text) => {
        statements.push(text);
      },
      close: async () => undefined,
    };
    await expect(provision(recording, { roles: [], databases: [{ name: "x", owner: "y" }] }, () => Promise.resolve(recording), [])).rejects.toThrow(
      'The provisioning request is invalid:\n- database "x" is owned by "y", which is not a declared login role',
    );
    expect(statements).toEqual([]);
  });
});

describe("the master login, while RDS applies a new master password (provisioner/master-login.ts)", () => {
  const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-cicd-staging/database/master";
  const refused = () => Object.assign(new Error('password authentication failed for user "mlops"'), { code: "28P01" });
  const connection: Sql = { query: async () => [], exec: async () => undefined, close: async () => undefined };
  /** A connect that the server refuses `refusals` times (Infinity: always), then accepts. */
  const loginAfter = (refusals: number) => {
    const sleeps: number[] = [];
    const lines: string[] = [];
    let attempts = 0;
    const login = loginAsMaster(
      async () => {
        attempts++;
        if (attempts <= refusals) throw refused();
        return connection;
      },
      { user: "mlops", secretArn: SECRET, sleep: async (ms) => void sleeps.push(ms), log: (line) => lines.push(line) },
    );
    return { login, sleeps, lines, attempts: () => attempts };
  };

  it("tries again, waiting longer each time, until the server takes the new password", async () => {
    // GIVEN RDS applies the password after the provisioner's first two tries
    const run = loginAfter(2);
    // THEN the third try logs in, after waits of 5 and 10 seconds, each said in the function's log
    expect(await run.login).toBe(connection);
    expect({ attempts: run.attempts(), sleeps: run.sleeps }).toEqual({ attempts: 3, sleeps: [5_000, 10_000] });
    expect(run.lines).toEqual([
      'the master login "mlops" was refused (SQLSTATE 28P01): RDS may still be applying a new password; trying again in 5 s',
      'the master login "mlops" was refused (SQLSTATE 28P01): RDS may still be applying a new password; trying again in 10 s',
    ]);
  });

  it("gives up after about two minutes, well inside the function's five, saying what is wrong and what to do", async () => {
    const run = loginAfter(Infinity);
    await expect(run.login).rejects.toThrow(ProvisionError);
    await expect(run.login).rejects.toThrow(
      'The database refused the password of its master user "mlops" (SQLSTATE 28P01) 7 times over 120 seconds: ' +
        `the password in ${SECRET} is not the instance's yet. RDS may still be applying it ` +
        "(aws rds describe-db-instances lists it under PendingModifiedValues): wait until it does not, then run pulumi up again.",
    );
    expect(run.sleeps).toEqual([...MASTER_LOGIN_WAITS_MS]);
    expect(MASTER_LOGIN_WAITS_MS.reduce((sum, ms) => sum + ms, 0)).toBe(120_000);
  });

  it("does not wait on any other failure: an unreachable server or a refused connection is reported at once", async () => {
    const sleeps: number[] = [];
    for (const failure of [Object.assign(new Error("connect ECONNREFUSED 10.0.1.5:5432"), { code: "ECONNREFUSED" }), Object.assign(new Error("no pg_hba.conf entry"), { code: "28000" })]) {
      await expect(loginAsMaster(() => Promise.reject(failure), { user: "mlops", secretArn: SECRET, sleep: async (ms) => void sleeps.push(ms) })).rejects.toBe(failure);
    }
    expect(sleeps).toEqual([]);
  });
});

const serverUrl = process.env.DATABASE_URL;
const onServer = serverUrl ? describe : describe.skip;

onServer("provisioning a server as RDS's master user (DATABASE_URL)", () => {
  const url = new URL(serverUrl ?? "postgresql://localhost/test");
  const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const prefix = `prov_${suffix}`;
  const master = `${prefix}_master`;
  const names = roleNames(`${prefix}_metrics`);
  const metricsDatabase = `${prefix}_metrics`;
  const mlflowDatabase = `${prefix}_mlflow`;
  const mlflowRole = `${prefix}_mlflow`;
  let superuser: Sql;

  const connectAs = (database: string, user: string) =>
    connectPostgresWith({ host: url.hostname, port: Number(url.port || 5432), database, user, password: "unused-with-trust" });
  const plan = (password: string): ProvisionPlan => ({
    roles: [
      { name: names.owner, password: `${password}-owner-0123456789` },
      { name: names.writer, password: `${password}-writer-0123456789` },
      { name: names.reader, password: `${password}-reader-0123456789` },
      { name: mlflowRole, password: `${password}-mlflow-0123456789` },
    ],
    databases: [
      { name: metricsDatabase, owner: names.owner },
      { name: mlflowDatabase, owner: mlflowRole },
    ],
    metrics: { database: metricsDatabase, roleNames: names },
  });
  const run = async (request: ProvisionPlan) => {
    const admin = await connectAs(url.pathname.slice(1) || "postgres", master);
    try {
      return await provision(admin, request, (target) => connectAs(target.database, target.user), readMigrations());
    } finally {
      await admin.close();
    }
  };
  const passwordHash = async (role: string) =>
    (await superuser.query<{ hash: string }>("SELECT rolpassword AS hash FROM pg_authid WHERE rolname = $1", [role]))[0]?.hash;

  beforeAll(async () => {
    superuser = await connectPostgres(url.toString());
    // RDS's master: may create roles and databases, is no superuser.
    await superuser.exec(`CREATE ROLE "${master}" LOGIN CREATEROLE CREATEDB`);
  });

  afterAll(async () => {
    for (const database of [metricsDatabase, mlflowDatabase]) await superuser.exec(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    const twins = [...Object.values(names), mlflowRole].map(alternateRoleName);
    for (const role of [...twins, ...Object.values(names), mlflowRole, master]) await superuser.exec(`DROP ROLE IF EXISTS "${role}"`);
    await superuser.close();
  });

  it("creates the roles, the databases, the grants and the metrics schema on an empty server", async () => {
    const result = await run(plan("first"));
    expect(result).toEqual({
      rolesCreated: [names.owner, names.writer, names.reader, mlflowRole],
      rolesUpdated: [],
      databasesCreated: [metricsDatabase, mlflowDatabase],
      databasesReowned: [],
      migrations: { applied: ALL_MIGRATIONS, alreadyApplied: [] },
    });
    const roles = await superuser.query<{ rolname: string; rolcanlogin: boolean; rolinherit: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolsuper: boolean }>(
      "SELECT rolname, rolcanlogin, rolinherit, rolcreaterole, rolcreatedb, rolsuper FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname",
      [[...Object.values(names), mlflowRole]],
    );
    expect(roles).toHaveLength(4);
    for (const role of roles) expect(role).toMatchObject({ rolcanlogin: true, rolinherit: true, rolcreaterole: false, rolcreatedb: false, rolsuper: false });
    const owners = await superuser.query<{ datname: string; owner: string; public_connect: boolean }>(
      "SELECT datname, pg_get_userbyid(datdba) AS owner, has_database_privilege('public', datname, 'CONNECT') AS public_connect FROM pg_database WHERE datname = ANY($1) ORDER BY datname",
      [[metricsDatabase, mlflowDatabase]],
    );
    expect(owners).toEqual([
      { datname: metricsDatabase, owner: names.owner, public_connect: false },
      { datname: mlflowDatabase, owner: mlflowRole, public_connect: false },
    ]);
    // The writer writes and cannot delete; the reader reads and cannot write; others cannot connect.
    const writer = await connectAs(metricsDatabase, names.writer);
    await writer.query("INSERT INTO ml_metrics (timestamp, model_name, model_version, drift_score, dataset_drift) VALUES (now(), 'm', '1', 0.1, false)");
    await expect(writer.exec("DELETE FROM ml_metrics")).rejects.toThrow(/permission denied/);
    await writer.close();
    const reader = await connectAs(metricsDatabase, names.reader);
    expect(await reader.query("SELECT model_name FROM ml_metrics")).toEqual([{ model_name: "m" }]);
    await expect(reader.exec("UPDATE ml_metrics SET model_name = 'x'")).rejects.toThrow(/permission denied/);
    await reader.close();
    await expect(connectAs(metricsDatabase, mlflowRole)).rejects.toThrow(/permission denied for database/);
  });

  it("converges again without a change but the passwords, which it sets to the ones given", async () => {
    const before = await passwordHash(names.writer);
    const result = await run(plan("second"));
    expect(result).toEqual({
      rolesCreated: [],
      rolesUpdated: [names.owner, names.writer, names.reader, mlflowRole],
      databasesCreated: [],
      databasesReowned: [],
      migrations: { applied: [], alreadyApplied: ALL_MIGRATIONS },
    });
    expect(await passwordHash(names.writer)).not.toBe(before);
    // The server stored the verifier sent, not a hash of it: the password itself logs in.
    expect(await scramAccepts(String(await passwordHash(names.writer)), "second-writer-0123456789")).toBe(true);
  });

  it("adopts a restored server: a database owned by someone else is handed to its declared owner, data kept", async () => {
    // GIVEN a database restored from a snapshot that the master owns
    await superuser.exec(`ALTER DATABASE "${mlflowDatabase}" OWNER TO "${master}"`);
    // WHEN the provisioner runs
    const result = await run(plan("third"));
    // THEN the database is its owner's again, and the metrics rows are still there
    expect(result.databasesReowned).toEqual([mlflowDatabase]);
    const [row] = await superuser.query<{ owner: string }>("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1", [mlflowDatabase]);
    expect(row?.owner).toBe(mlflowRole);
    const reader = await connectAs(metricsDatabase, names.reader);
    expect(await reader.query("SELECT count(*)::int AS rows FROM ml_metrics")).toEqual([{ rows: 1 }]);
    await reader.close();
  });
  it("limits the reader's statements to 30 seconds, the writer's not", async () => {
    const show = async (user: string) => {
      const session = await connectAs(metricsDatabase, user);
      try {
        return (await session.query<{ statement_timeout: string }>("SHOW statement_timeout"))[0]?.statement_timeout;
      } finally {
        await session.close();
      }
    };
    expect({ reader: await show(names.reader), writer: await show(names.writer) }).toEqual({ reader: READER_STATEMENT_TIMEOUT, writer: "0" });
    expect(READER_STATEMENT_TIMEOUT).toBe("30s");
  });

  describe("with each role's twin, as credential rotation alternates them", () => {
    /** The plan with a twin for every role: `twin` is the twin's password generation, `own` the role's. */
    const withTwins = (own: string, twin: string): ProvisionPlan => {
      const base = plan(own);
      return { ...base, roles: base.roles.map((role) => ({ ...role, alternate: { name: alternateRoleName(role.name), password: `${twin}-${role.name}-twin-0123456789` } })) };
    };

    it("makes every twin a login that acts as its role: what it creates is the role's, what it may do is the role's", async () => {
      const result = await run(withTwins("third", "first"));
      expect(result.rolesCreated).toEqual([names.owner, names.writer, names.reader, mlflowRole].map(alternateRoleName));
      // GIVEN MLflow logged in through its twin, WHEN it creates a table (a schema migration)
      const mlflow = await connectAs(mlflowDatabase, alternateRoleName(mlflowRole));
      expect(await mlflow.query("SELECT session_user AS login, current_user AS acting")).toEqual([{ login: alternateRoleName(mlflowRole), acting: mlflowRole }]);
      await mlflow.exec("CREATE TABLE rotation_probe (id int)");
      // THEN the role owns it, so the role's own login (the other slot) keeps full use of it
      expect(await mlflow.query("SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'rotation_probe'")).toEqual([{ owner: mlflowRole }]);
      await mlflow.close();
      // AND the writer's twin writes and cannot delete, the reader's reads and cannot write
      const writer = await connectAs(metricsDatabase, alternateRoleName(names.writer));
      await writer.query("INSERT INTO ml_metrics (timestamp, model_name, model_version, drift_score, dataset_drift) VALUES (now(), 'twin', '1', 0.2, false)");
      await expect(writer.exec("DELETE FROM ml_metrics")).rejects.toThrow(/permission denied/);
      await writer.close();
      const reader = await connectAs(metricsDatabase, alternateRoleName(names.reader));
      expect(await reader.query("SELECT count(*)::int AS rows FROM ml_metrics WHERE model_name = 'twin'")).toEqual([{ rows: 1 }]);
      await expect(reader.exec("UPDATE ml_metrics SET model_name = 'x'")).rejects.toThrow(/permission denied/);
      await reader.close();
      // AND a twin is no more than its role: no other database opens to it
      await expect(connectAs(metricsDatabase, alternateRoleName(mlflowRole))).rejects.toThrow(/permission denied for database/);
    });

    it("limits the reader's statements on both its logins: a session takes the settings of the login, not of the role it acts as", async () => {
      for (const user of [names.reader, alternateRoleName(names.reader)]) {
        const session = await connectAs(metricsDatabase, user);
        try {
          expect({ user, ...(await session.query("SHOW statement_timeout"))[0] }).toEqual({ user, statement_timeout: "30s" });
        } finally {
          await session.close();
        }
      }
    });

    it("rotates the twin's password and keeps the role's: the login in use keeps working", async () => {
      // GIVEN the role's own login current, WHEN a rotation gives the twin a new password
      const result = await run(withTwins("third", "second"));
      expect(result.rolesCreated).toEqual([]);
      expect(result.rolesUpdated).toEqual(expect.arrayContaining([names.writer, alternateRoleName(names.writer)]));
      // THEN the twin logs in with the new password only, and the role still with its own
      const twinHash = String(await passwordHash(alternateRoleName(names.writer)));
      expect(await scramAccepts(twinHash, `second-${names.writer}-twin-0123456789`)).toBe(true);
      expect(await scramAccepts(twinHash, `first-${names.writer}-twin-0123456789`)).toBe(false);
      expect(await scramAccepts(String(await passwordHash(names.writer)), "third-writer-0123456789")).toBe(true);
      // AND the twin is still a member that acts as the role, once
      const settings = await superuser.query<{ setting: string[] }>(
        "SELECT setconfig AS setting FROM pg_db_role_setting WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = $1)",
        [alternateRoleName(names.writer)],
      );
      expect(settings).toEqual([{ setting: [`role=${names.writer}`] }]);
    });
  });
});

/**
 * Whether a SCRAM-SHA-256 verifier accepts `password`, checked as the server checks a login: node-postgres's
 * own client computes the proof from a server-first message built from the verifier's salt and iterations.
 */
async function scramAccepts(verifier: string, password: string): Promise<boolean> {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) return false;
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [string, string, string, string, string];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sasl = require("pg/lib/crypto/sasl") as {
    startSession(mechanisms: string[]): { clientNonce: string; response: string; serverSignature?: string };
    continueSession(session: unknown, password: string, serverData: string): Promise<void>;
  };
  const session = sasl.startSession(["SCRAM-SHA-256"]);
  const nonce = `${session.clientNonce}servernonce`;
  const serverFirst = `r=${nonce},s=${salt},i=${iterations}`;
  await sasl.continueSession(session, password, serverFirst);
  const [withoutProof, proof] = session.response.split(",p=") as [string, string];
  const authMessage = `n=*,r=${session.clientNonce},${serverFirst},${withoutProof}`;
  const clientSignature = createHmac("sha256", Buffer.from(storedKey, "base64")).update(authMessage).digest();
  const clientKey = Buffer.from(proof, "base64").map((byte, index) => byte ^ (clientSignature[index] as number));
  const storedMatches = createHash("sha256").update(clientKey).digest("base64") === storedKey;
  const serverMatches = createHmac("sha256", Buffer.from(serverKey, "base64")).update(authMessage).digest("base64") === session.serverSignature;
  return storedMatches && serverMatches;
}

describe("the SCRAM-SHA-256 verifier the provisioner sends instead of a password", () => {
  it("is in PostgreSQL's format and accepts the password, and only it, as a login would check", async () => {
    const verifier = scramVerifier("s3cretPassw0rd0123456789");
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(await scramAccepts(verifier, "s3cretPassw0rd0123456789")).toBe(true);
    expect(await scramAccepts(verifier, "s3cretPassw0rd0123456788")).toBe(false);
  });

  it("is salted anew each time, and refuses a password it could not compute faithfully", () => {
    expect(scramVerifier("samePassword0123")).not.toBe(scramVerifier("samePassword0123"));
    expect(() => scramVerifier("pässword")).toThrow("A SCRAM verifier is computed here for printable ASCII passwords only.");
  });
});

describe("the Lambda functions' committed bundles", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LAMBDA_BUNDLES, bundleLambda } = require("../tools/platform-bundle") as typeof import("../tools/platform-bundle");
  it.each(LAMBDA_BUNDLES.map((lambda) => [lambda.entryPoint, lambda] as const))("%s: is what `npm run gen:functions` builds from the sources", (entryPoint, lambda) => {
    const committed = readFileSync(lambda.bundlePath, "utf8");
    expect(committed === bundleLambda(lambda)).toBe(true);
    expect(committed.startsWith(`// Generated by mlops-cicd from ${entryPoint} by \`npm run gen:functions\`. Do not edit.\n`)).toBe(true);
  });

  it("bundles the provisioner with the metrics migrations", () => {
    expect(readFileSync(PROVISIONER_BUNDLE, "utf8")).toContain('"harden_ml_metrics"');
  });
});
