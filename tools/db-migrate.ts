/**
 * `npm run db:migrate -- --database-url <url>` (or DATABASE_URL): applies the metrics database's
 * migrations as the connecting role, which should be the owner role. Exit codes: 0 done, 2 bad
 * arguments, 1 the database refused (message on stderr, nothing half-applied).
 */
import { parseArgs } from "node:util";
import { MigrationError, migrate, readMigrations } from "../infra/database/migrate";
import { roleNames } from "../infra/database/roles";
import { connectPostgres } from "../infra/database/sql";

const USAGE = [
  "usage: npm run db:migrate -- --database-url <postgresql://metrics_owner@host:5432/metrics> [--role-prefix metrics | --no-grants]",
  "       (or set DATABASE_URL). Connect as the owner role; the writer and reader get their table privileges afterwards.",
].join("\n");

async function main(): Promise<number> {
  let url: string | undefined;
  let grantTo: ReturnType<typeof roleNames> | undefined;
  try {
    const { values } = parseArgs({
      options: { "database-url": { type: "string" }, "role-prefix": { type: "string" }, "no-grants": { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    });
    url = values["database-url"] ?? process.env.DATABASE_URL;
    if (values["no-grants"] && values["role-prefix"] !== undefined) throw new Error("--role-prefix and --no-grants exclude each other.");
    grantTo = values["no-grants"] ? undefined : roleNames(values["role-prefix"] ?? "metrics");
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!url) {
    process.stderr.write(`No database given.\n${USAGE}\n`);
    return 2;
  }
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    process.stderr.write(`--database-url is not a URL.\n${USAGE}\n`);
    return 2;
  }
  const migrations = readMigrations();
  let sql;
  try {
    sql = await connectPostgres(url);
  } catch (error) {
    process.stderr.write(`Cannot connect to ${host}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const result = await migrate(sql, migrations, { log: (line) => process.stdout.write(`${line}\n`), grantTo });
    process.stdout.write(`${host}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied.\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof MigrationError ? "" : "migration failed: "}${(error as Error).message}\n`);
    return 1;
  } finally {
    await sql.close();
  }
}

main().then((code) => process.exit(code));
