/**
 * `npm run db:migrate` as an operator runs it: exit codes, messages, and a real run when a server
 * is given. Which message each bad command line gets is checked on the command's parser
 * in-process; one goes through the command.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { readMigrations } from "../infra/database/migrate";
import { connectPostgres } from "../infra/database/sql";
import { UsageError } from "../tools/command-line";
import { parseCommandLine } from "../tools/db-migrate";
import { ENGINES } from "./database-engines";
import { runTool } from "./run-tool";

/** Every migration this release ships (tests/metrics-database.test.ts names them one by one). */
const SHIPPED = readMigrations().map((entry) => `${entry.version}_${entry.name}`);

const ROOT = path.resolve(__dirname, "..");
const migrateCli = (args: string[], env: Record<string, string> = {}) => runTool("db-migrate.ts", args, { env: { PATH: process.env.PATH ?? "", ...env } });

describe("refuses bad arguments with exit 2, before connecting, naming the fix", () => {
  const badCommandLines: [string[], string][] = [
    [[], "No database given: pass --database-url or set DATABASE_URL."],
    [["--database-url", "postgresql://x@localhost/db", "--no-grants", "--role-prefix", "m"], "--role-prefix and --no-grants exclude each other."],
    // Before: the migrations were applied, then the grants failed on the name.
    [["--database-url", "postgresql://x@127.0.0.1:1/db", "--role-prefix", "Bad-Prefix"], '--role-prefix must be a lower-case SQL name (letters, digits, "_"; up to 51 characters), got "Bad-Prefix".'],
    [["--database-url", "not a url"], "The database URL is not a URL: expected postgresql://<role>@<host>:<port>/<database>."],
    [["--database-url", "mysql://x@localhost/db"], "The database URL must start with postgresql://, got mysql://."],
    [["--database-url", "postgresql://x@localhost/db", "--lock-timeout", "soon"], '--lock-timeout must be a whole number of seconds, got "soon".'],
    [["--databse-url", "postgresql://x@localhost/db"], "Unknown option '--databse-url'. Did you mean --database-url?"],
  ];

  /** The UsageError the command line gets, in an environment without DATABASE_URL, as the command runs below. */
  const usageError = (args: readonly string[]): Error => {
    try {
      parseCommandLine(args, { PATH: process.env.PATH ?? "" });
    } catch (error) {
      return error as Error;
    }
    throw new Error(`${JSON.stringify(args)} passed the command line's checks.`);
  };

  it.each(badCommandLines)("%j", (args, message) => {
    // A UsageError: the command prints its message alone and exits 2 (once through the command, below).
    const error = usageError(args);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message.split("\n")[0]).toBe(message);
    expect(error.message).toContain("usage: npm run db:migrate");
  });

  it("a bad command line through the command: exit 2, that message alone on stderr", () => {
    const [args, message] = badCommandLines[0] as [string[], string];
    const result = migrateCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(message);
    expect(result.stderr).toContain("usage: npm run db:migrate");
    expect(result.stderr).toBe(`${usageError(args).message}\n`);
  });

  it("prints the usage on --help and exits 0, touching nothing", () => {
    const result = migrateCli(["--help", "--database-url", "postgresql://x@127.0.0.1:1/db"]);
    expect({ status: result.code, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/^usage: npm run db:migrate -- --database-url /);
  });
});

it("exits 1 when the server cannot be reached", () => {
  const result = migrateCli(["--database-url", "postgresql://x@127.0.0.1:1/db"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^Cannot connect to 127\.0\.0\.1:1: /);
});

const server = ENGINES.find((engine) => engine.name.startsWith("PostgreSQL server"));
(server ? it : it.skip)("migrates a real database, then grants the roles their table privileges", async () => {
  const db = await (server as NonNullable<typeof server>).open();
  try {
    for (const role of ["writer", "reader"]) await db.sql.exec(`CREATE ROLE "${db.rolePrefix}_${role}"`);
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${db.database}`;
    const result = migrateCli(["--database-url", url.toString(), "--role-prefix", db.rolePrefix]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      [
        ...SHIPPED.map((name) => `applied ${name}`),
        `granted ${db.rolePrefix}_writer and ${db.rolePrefix}_reader their table privileges`,
        `${url.host}: ${SHIPPED.length} applied, 0 already applied.`,
        "",
      ].join("\n"),
    );
    expect(result.code).toBe(0);
  } finally {
    await db.dispose();
  }
});

(server ? describe : describe.skip)("db:migrate under faults, on the real server", () => {
  const admin = () => connectPostgres(process.env.DATABASE_URL as string);
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["-r", path.join(ROOT, "tools", "register.js"), path.join(ROOT, "tools", "db-migrate.ts"), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "" },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });

  it("says whose lock it waits for, gives up after --lock-timeout, and exits 1 without a stack trace", async () => {
    const db = await (server as NonNullable<typeof server>).open();
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${db.database}`;
    const holder = await connectPostgres(url.toString());
    try {
      await holder.query("SELECT pg_advisory_lock(65677)");
      const result = await run(["--database-url", url.toString(), "--no-grants", "--lock-timeout", "1"]);
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^waiting up to 1 s for the migration lock, held by server process \d+ \(mlops-cicd\), connected since /);
      expect(result.stderr).toMatch(/^Another migration run holds the migration lock \(server process \d+ \(mlops-cicd\), connected since [^)]+\); gave up after 1 s\. Let it finish and run again, or wait longer with --lock-timeout <seconds>\.\n$/);
    } finally {
      await holder.close();
      await db.dispose();
    }
  }, 30_000);

  it("gives up on a table lock another session holds after --lock-timeout, naming it", async () => {
    const db = await (server as NonNullable<typeof server>).open();
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${db.database}`;
    const holder = await connectPostgres(url.toString());
    try {
      await holder.exec("CREATE TABLE schema_migrations (version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      await holder.exec("BEGIN");
      await holder.exec("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE");
      const result = await run(["--database-url", url.toString(), "--no-grants", "--lock-timeout", "1"]);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        "Gave up after 1 s waiting for a table lock another session holds (canceling statement due to lock timeout). Let it finish and run again, or wait longer with --lock-timeout <seconds>.\n",
      );
    } finally {
      await holder.exec("ROLLBACK");
      await holder.close();
      await db.dispose();
    }
  }, 30_000);

  it("reports a connection killed from the server side as a failure, exit 1, one message, no stack trace, nothing half-applied", async () => {
    const db = await (server as NonNullable<typeof server>).open();
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${db.database}`;
    const holder = await connectPostgres(url.toString());
    const killer = await admin();
    try {
      // It waits on the lock; the server then terminates its session.
      await holder.query("SELECT pg_advisory_lock(65677)");
      // The sessions already there (the test's own); the new one is the command's.
      const before = (await killer.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [db.database])).map((row) => row.pid);
      const running = run(["--database-url", url.toString(), "--no-grants", "--lock-timeout", "20"]);
      for (let i = 0; i < 100; i++) {
        const [victim] = await killer.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND NOT (pid = ANY($2::int[]))", [db.database, before]);
        if (victim) {
          await killer.query("SELECT pg_terminate_backend($1)", [victim.pid]);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const result = await running;
      expect(result.status).toBe(1);
      expect(result.stderr).toBe("migration failed: the connection to the database was lost: terminating connection due to administrator command\n");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      await holder.query("SELECT pg_advisory_unlock(65677)");
      const [table] = await holder.query<{ exists: boolean }>("SELECT to_regclass('ml_metrics') IS NOT NULL AS exists");
      expect(table?.exists).toBe(false);
    } finally {
      await holder.close();
      await killer.close();
      await db.dispose();
    }
  }, 30_000);
});
