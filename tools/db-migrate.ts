/**
 * `npm run db:migrate -- --database-url <url>` (or DATABASE_URL): applies the metrics database's
 * migrations as the connecting role, which should be the owner role. Exit codes: 0 done (and on
 * `--help`), 2 bad arguments (checked before connecting: nothing touched), 1 the database refused or
 * the connection failed (message on stderr; a migration is applied whole or not at all).
 */
import { MigrationError, migrate, readMigrations } from "../infra/database/migrate";
import { roleNames } from "../infra/database/roles";
import { connectPostgres } from "../infra/database/sql";
import { UsageError, parseOptions, runCommand } from "./command-line";

const USAGE = [
  "usage: npm run db:migrate -- --database-url <postgresql://metrics_owner@host:5432/metrics> [--role-prefix metrics | --no-grants] [--lock-timeout <seconds>]",
  "       (or set DATABASE_URL). Connect as the owner role; the writer and reader get their table privileges afterwards.",
  "       --lock-timeout: how long to wait for another run's migration lock (default 60).",
].join("\n");

const ROLE_PREFIX = /^[a-z_][a-z0-9_]{0,50}$/;

interface CommandLine {
  readonly url: string;
  readonly host: string;
  readonly grantTo: ReturnType<typeof roleNames> | undefined;
  readonly lockTimeoutSeconds: number;
}

/** The command line, checked, with DATABASE_URL from `env`: a UsageError (exit 2) names the first problem, then the usage. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  const values = parseOptions(
    argv,
    { "database-url": { type: "string" }, "role-prefix": { type: "string" }, "no-grants": { type: "boolean" }, "lock-timeout": { type: "string" } },
    USAGE,
  );
  const noGrants = values["no-grants"] === true;
  if (noGrants && values["role-prefix"] !== undefined) throw new UsageError("--role-prefix and --no-grants exclude each other.", USAGE);
  const prefix = values["role-prefix"] ?? "metrics";
  if (!ROLE_PREFIX.test(prefix)) {
    throw new UsageError(`--role-prefix must be a lower-case SQL name (letters, digits, "_"; up to 51 characters), got ${JSON.stringify(prefix)}.`, USAGE);
  }
  const timeout = values["lock-timeout"] ?? "60";
  if (!/^\d{1,5}$/.test(timeout)) throw new UsageError(`--lock-timeout must be a whole number of seconds, got ${JSON.stringify(timeout)}.`, USAGE);
  const url = values["database-url"] ?? env.DATABASE_URL;
  if (!url) throw new UsageError("No database given: pass --database-url or set DATABASE_URL.", USAGE);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError("The database URL is not a URL: expected postgresql://<role>@<host>:<port>/<database>.", USAGE);
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new UsageError(`The database URL must start with postgresql://, got ${parsed.protocol}//.`, USAGE);
  }
  return { url, host: parsed.host, grantTo: noGrants ? undefined : roleNames(prefix), lockTimeoutSeconds: Number(timeout) };
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  const migrations = readMigrations();
  let sql;
  try {
    sql = await connectPostgres(args.url);
  } catch (error) {
    process.stderr.write(`Cannot connect to ${args.host}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const result = await migrate(sql, migrations, {
      log: (line) => process.stdout.write(`${line}\n`),
      grantTo: args.grantTo,
      lockTimeoutSeconds: args.lockTimeoutSeconds,
    });
    process.stdout.write(`${args.host}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied.\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof MigrationError ? "" : "migration failed: "}${(error as Error).message}\n`);
    return 1;
  } finally {
    await sql.close().catch(() => undefined);
  }
}

if (require.main === module) runCommand("db:migrate", main);
