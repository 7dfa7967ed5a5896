/**
 * The entry point of the `mlops-monitor` bundle (workflows/__rendered__/platform/mlops-monitor.cjs,
 * built by `npm run gen:workflows`). In the bundle the migrations are inlined; run from source, they
 * are read from infra/database/migrations.
 */
import * as fs from "node:fs";
import { Migration, readMigrations } from "../database/migrate";
import { connectPostgres } from "../database/sql";
import { runMonitorCommand } from "./command";

// Replaced with the migrations' JSON when the bundle is built.
declare const BUNDLED_MIGRATIONS: readonly Migration[] | undefined;

runMonitorCommand(process.argv.slice(2), {
  env: process.env,
  connect: connectPostgres,
  readFile: (path) => fs.readFileSync(path, "utf8"),
  now: () => new Date(),
  migrations: () => (typeof BUNDLED_MIGRATIONS !== "undefined" ? BUNDLED_MIGRATIONS : readMigrations()),
  print: (line) => process.stdout.write(`${line}\n`),
  setOutputs: (outputs) => {
    const file = process.env.GITHUB_OUTPUT;
    if (!file) return;
    fs.appendFileSync(file, Object.entries(outputs).map(([name, value]) => `${name}=${value}\n`).join(""));
  },
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stdout.write(`::error::mlops-monitor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
