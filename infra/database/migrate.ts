/**
 * A small migration runner for the metrics database. Migrations are SQL files named
 * `NNNN_description.sql`, applied in order, each in its own transaction together with its row in
 * `schema_migrations`; an applied migration is never run again, and one whose file changed after it
 * was applied stops the run (add a new migration instead). An advisory lock keeps two runners from
 * interleaving.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { RoleKey, tableGrantStatements } from "./roles";
import { Sql, transaction } from "./sql";

export interface Migration {
  /** `0001` */
  readonly version: string;
  /** `spec_ml_metrics` */
  readonly name: string;
  readonly sql: string;
  /** sha256 of the SQL text. */
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export const MIGRATIONS_DIR = path.join(__dirname, "migrations");
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any constant works; this one spells "mlops" on a phone keypad.
const LOCK_KEY = 65677;

export function migration(fileName: string, sql: string): Migration {
  const match = FILE_NAME.exec(fileName);
  if (!match) {
    throw new MigrationError(`Migration file ${fileName} must be named NNNN_description.sql (four digits, lower-case words).`);
  }
  return {
    version: match[1] as string,
    name: match[2] as string,
    sql,
    checksum: createHash("sha256").update(sql).digest("hex"),
  };
}

/** The migrations of `dir`, in version order; duplicate versions are an error. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => migration(file, fs.readFileSync(path.join(dir, file), "utf8")));
  const versions = migrations.map((entry) => entry.version);
  const duplicate = versions.find((version, index) => versions.indexOf(version) !== index);
  if (duplicate !== undefined) throw new MigrationError(`Two migrations share version ${duplicate} in ${dir}.`);
  return migrations;
}

export interface MigrateOptions {
  readonly log?: (line: string) => void;
  /** After the migrations, grant the writer and reader their table privileges (as the owner). */
  readonly grantTo?: Record<RoleKey, string>;
  /**
   * How long to wait for another runner's migration lock before giving up.
   * @default 60
   */
  readonly lockTimeoutSeconds?: number;
  /** Waits between tries for the lock; tests make it short. @default 1000 */
  readonly lockPollMilliseconds?: number;
}

/** Takes the migration lock, saying who holds it while waiting, and giving up after the timeout. */
async function acquireLock(sql: Sql, log: (line: string) => void, timeoutSeconds: number, pollMilliseconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let announced = false;
  for (;;) {
    const [row] = await sql.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [LOCK_KEY]);
    if (row?.locked) return;
    const [holder] = await sql.query<{ pid: number; application: string | null; since: string | null }>(
      `SELECT l.pid, a.application_name AS application, a.backend_start::text AS since
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted LIMIT 1`,
      [LOCK_KEY],
    );
    const who = holder ? `server process ${holder.pid}${holder.application ? ` (${holder.application})` : ""}${holder.since ? `, connected since ${holder.since}` : ""}` : "another session";
    if (Date.now() >= deadline) {
      throw new MigrationError(
        `Another migration run holds the migration lock (${who}); gave up after ${timeoutSeconds} s. ` +
          `Let it finish and run again, or wait longer with --lock-timeout <seconds>.`,
      );
    }
    if (!announced) {
      log(`waiting up to ${timeoutSeconds} s for the migration lock, held by ${who}`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMilliseconds));
  }
}

/** Applies every migration not applied yet, in order, then the table grants when asked. */
export async function migrate(sql: Sql, migrations: readonly Migration[], options: MigrateOptions = {}): Promise<MigrationResult> {
  const log = options.log ?? (() => undefined);
  // Checked before anything is applied: a bad role name would otherwise fail after the migrations.
  if (options.grantTo) {
    try {
      tableGrantStatements(options.grantTo);
    } catch (error) {
      throw new MigrationError(`Nothing was applied: ${(error as Error).message}`);
    }
  }
  if (options.grantTo) {
    const wanted = [options.grantTo.writer, options.grantTo.reader];
    const found = (await sql.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", [wanted])).map((row) => row.rolname);
    const missing = wanted.filter((role) => !found.includes(role));
    if (missing.length > 0) {
      throw new MigrationError(
        `Nothing was applied: the role${missing.length === 1 ? "" : "s"} ${missing.join(" and ")} ${missing.length === 1 ? "does" : "do"} not exist. ` +
          "The database provisioner makes them (`pulumi up`); run it first, or migrate without the grants (--no-grants).",
      );
    }
  }
  const lockTimeout = options.lockTimeoutSeconds ?? 60;
  await acquireLock(sql, log, lockTimeout, options.lockPollMilliseconds ?? 1000);
  try {
    // The same bound for table locks: a session holding schema_migrations or ml_metrics must not
    // make this run (and the advisory lock it holds) wait forever.
    await sql.exec(`SET lock_timeout = '${Math.max(1, Math.round(lockTimeout))}s'`);
    await sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await sql.query<{ version: string; name: string; checksum: string }>(
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
    );
    const applied = new Map(rows.map((row) => [row.version, row]));
    const known = new Set(migrations.map((entry) => entry.version));
    const unknown = rows.filter((row) => !known.has(row.version));
    if (unknown.length > 0) {
      throw new MigrationError(
        `The database has migrations this program does not know: ${unknown.map((row) => `${row.version}_${row.name}`).join(", ")}. ` +
          `Run the newer release of the platform that applied them.`,
      );
    }

    const result = { applied: [] as string[], alreadyApplied: [] as string[] };
    for (const entry of migrations) {
      const id = `${entry.version}_${entry.name}`;
      const previous = applied.get(entry.version);
      if (previous) {
        if (previous.checksum !== entry.checksum) {
          throw new MigrationError(
            `Migration ${id} changed after it was applied (checksum ${previous.checksum.slice(0, 12)}, now ${entry.checksum.slice(0, 12)}). ` +
              `Applied migrations are history: restore the file and add a new migration for the change.`,
          );
        }
        result.alreadyApplied.push(id);
        continue;
      }
      try {
        await transaction(sql, async () => {
          await sql.exec(entry.sql);
          await sql.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [entry.version, entry.name, entry.checksum]);
        });
      } catch (error) {
        const reason = (error as { code?: unknown }).code === "55P03" ? `waited ${lockTimeout} s for a table lock another session holds (${(error as Error).message})` : (error as Error).message;
        throw new MigrationError(`Migration ${id} failed and was rolled back, with those after it: ${reason}`);
      }
      log(`applied ${id}`);
      result.applied.push(id);
    }
    if (options.grantTo) {
      const grantTo = options.grantTo;
      try {
        await transaction(sql, async () => {
          for (const statement of tableGrantStatements(grantTo)) await sql.exec(statement);
        });
      } catch (error) {
        throw new MigrationError(
          `Granting the table privileges failed: ${(error as Error).message}. The roles come from the database provisioner (\`pulumi up\`); run it first.`,
        );
      }
      log(`granted ${grantTo.writer} and ${grantTo.reader} their table privileges`);
    }
    return result;
  } catch (error) {
    if (!(error instanceof MigrationError) && (error as { code?: unknown }).code === "55P03") {
      throw new MigrationError(
        `Gave up after ${lockTimeout} s waiting for a table lock another session holds (${(error as Error).message}). ` +
          "Let it finish and run again, or wait longer with --lock-timeout <seconds>.",
      );
    }
    throw error;
  } finally {
    // On a lost connection the lock went with the session; the error worth reporting is the first.
    await sql.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
  }
}
