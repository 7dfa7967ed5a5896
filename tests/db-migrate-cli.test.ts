/**
 * `npm run db:migrate` as an operator runs it: exit codes, messages, and a real run when a server
 * is given.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ENGINES } from "./database-engines";

const ROOT = path.resolve(__dirname, "..");
const migrateCli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["-r", path.join(ROOT, "tools", "register.js"), path.join(ROOT, "tools", "db-migrate.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });

it("exits 2 naming the missing database, and 2 for contradictory flags", () => {
  const none = migrateCli([]);
  expect(none.status).toBe(2);
  expect(none.stderr).toMatch(/^No database given\.\nusage: npm run db:migrate -- --database-url/);
  const both = migrateCli(["--database-url", "postgresql://x@localhost/db", "--no-grants", "--role-prefix", "m"]);
  expect(both.status).toBe(2);
  expect(both.stderr).toMatch(/^--role-prefix and --no-grants exclude each other\./);
});

it("exits 1 when the server cannot be reached", () => {
  const result = migrateCli(["--database-url", "postgresql://x@127.0.0.1:1/db"]);
  expect(result.status).toBe(1);
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
        "applied 0001_spec_ml_metrics",
        "applied 0002_harden_ml_metrics",
        `granted ${db.rolePrefix}_writer and ${db.rolePrefix}_reader their table privileges`,
        `${url.host}: 2 applied, 0 already applied.`,
        "",
      ].join("\n"),
    );
    expect(result.status).toBe(0);
  } finally {
    await db.dispose();
  }
});
