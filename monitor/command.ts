/**
 * `mlops-monitor`, the monitoring job's platform command, run by monitor-model.yml and ci-cd.yml
 * from the bundle committed to the application repository:
 *
 *   mlops-monitor store --file <metrics.json> --threshold <number>
 *   mlops-monitor freshness --model <name> [--max-age-hours <hours>]
 *   mlops-monitor record-run --file <run.json>
 *   mlops-monitor record-incident --file <incident.json>
 *   mlops-monitor migrate
 *
 * The database comes from METRICS_DATABASE_URL. Results go to GITHUB_OUTPUT when it is set.
 * Exit codes: 0 done (and on --help), 2 bad arguments, an unreadable or malformed metrics, run or
 * incident file or a bad METRICS_DATABASE_URL (nothing connected, nothing written), 1 the database
 * failed or the connection was lost (every command but migrate tries once more first).
 */
import { parseArgs } from "node:util";
import { Migration, MigrationError, migrate } from "../infra/database/migrate";
import type { Sql } from "../infra/database/sql";
import { closestMatch, optionErrorMessage, repeatedOptionProblems } from "../infra/validation";
import { MetricsFileError, assessStaleness, isDrifting, isPlainText, parseMetrics } from "./metrics";
import { newestWindow, storeMetrics } from "./store";
import { parseIncidentRecord, parseRunRecord } from "./delivery";
import { recordIncident, recordRun } from "./delivery-store";
import { DEFAULT_MAX_AGE_HOURS } from "../contracts/monitoring";

/** How long every command but migrate waits for a table lock another session holds. */
export const LOCK_TIMEOUT_SECONDS = 30;

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly connect: (url: string) => Promise<Sql>;
  readonly readFile: (path: string) => string;
  readonly now: () => Date;
  readonly migrations: () => readonly Migration[];
  /** Lines for the log, GitHub annotations included. */
  readonly print: (line: string) => void;
  /** Appends `name=value` lines to GITHUB_OUTPUT, when the job has one. */
  readonly setOutputs: (outputs: Record<string, string>) => void;
  /** How long every command but migrate waits for a table lock. @default LOCK_TIMEOUT_SECONDS */
  readonly lockTimeoutSeconds?: number;
}

class UsageError extends Error {}

const COMMANDS = ["store", "freshness", "record-run", "record-incident", "migrate"];
const OPTIONS = ["file", "threshold", "model", "max-age-hours"];

const USAGE = [
  "usage: mlops-monitor store --file <metrics.json> --threshold <number>",
  "       mlops-monitor freshness --model <name> [--max-age-hours <hours>]",
  "       mlops-monitor record-run --file <run.json>",
  "       mlops-monitor record-incident --file <incident.json>",
  "       mlops-monitor migrate",
  "The database is METRICS_DATABASE_URL.",
].join("\n");

function nonNegative(value: string | undefined, flag: string): number {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`${flag} must be a number, 0 or more, got ${JSON.stringify(value ?? "")}.`);
  return Number(value);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required.`);
  return value;
}

/** The file named by --file; one that cannot be read is the job's mistake, not the database's: exit 2. */
function readNamedFile(context: CommandContext, file: string): string {
  try {
    return context.readFile(file);
  } catch (error) {
    if (error instanceof MetricsFileError) throw error;
    throw new MetricsFileError(file, [`cannot be read: ${(error as Error).message}`]);
  }
}

/** What to fix when a command's file is refused. */
const FILE_FIX: Readonly<Record<string, string>> = {
  store: "fix the drift calculation's output",
  "record-run": "fix the run record (docs/monitoring.md, \"Delivery metrics\")",
  "record-incident": "fix the incident record (docs/monitoring.md, \"Delivery metrics\")",
};

export async function runMonitorCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    context.print(USAGE);
    return 0;
  }
  let command: string | undefined;
  let values: Record<string, string | undefined>;
  try {
    const [repeated] = repeatedOptionProblems(argv, OPTIONS);
    if (repeated !== undefined) throw new UsageError(repeated);
    const parsed = parseArgs({
      args: [...argv],
      options: {
        file: { type: "string" },
        threshold: { type: "string" },
        model: { type: "string" },
        "max-age-hours": { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
    command = parsed.positionals[0];
    values = parsed.values as Record<string, string | undefined>;
    if (parsed.positionals.length !== 1 || !COMMANDS.includes(command ?? "")) {
      const meant = closestMatch(parsed.positionals.join(" "), COMMANDS, 2);
      throw new UsageError(`Unknown command ${JSON.stringify(parsed.positionals.join(" "))}.${meant === undefined ? "" : ` Did you mean ${meant}?`}`);
    }
  } catch (error) {
    // An annotation is one line; node's argument errors can span several.
    context.print(`::error::${optionErrorMessage(oneLine(error), OPTIONS)}`);
    context.print(USAGE);
    return 2;
  }

  // Everything that can be checked without the database is checked first.
  let work: (sql: Sql) => Promise<number>;
  try {
    if (command === "store") {
      const file = required(values.file, "--file");
      const threshold = nonNegative(values.threshold, "--threshold");
      const metrics = parseMetrics(readNamedFile(context, file), file, context.now());
      work = async (sql) => {
        const outcome = await storeMetrics(sql, metrics);
        const drifting = isDrifting(metrics, threshold);
        context.print(`${outcome === "inserted" ? "Stored" : "Updated"} the ${metrics.timestamp.toISOString()} window of ${metrics.modelName} ${metrics.modelVersion}.`);
        if (drifting) context.print(`::warning title=Drift detected::drift score ${metrics.driftScore} exceeds the threshold ${threshold}`);
        context.setOutputs({ stored: outcome, drift_score: String(metrics.driftScore), drift_detected: String(drifting) });
        return 0;
      };
    } else if (command === "freshness") {
      const model = required(values.model, "--model");
      if (model.length > 200 || !isPlainText(model)) {
        throw new UsageError(`--model must be a model name of at most 200 characters, valid UTF-8 without control characters, got ${JSON.stringify(model.slice(0, 60))}.`);
      }
      const maxAge = values["max-age-hours"] === undefined ? DEFAULT_MAX_AGE_HOURS : nonNegative(values["max-age-hours"], "--max-age-hours");
      work = async (sql) => {
        const newest = await newestWindow(sql, model);
        const staleness = assessStaleness(newest, context.now(), maxAge);
        if (staleness.stale) {
          context.print(
            newest === undefined
              ? `::warning title=No metrics::no metrics stored for ${model} yet`
              : `::warning title=Metrics are stale::the newest window of ${model} is ${staleness.ageHours} hours old (limit ${maxAge})`,
          );
        } else {
          context.print(`The newest window of ${model} is ${staleness.ageHours} hours old (limit ${maxAge}).`);
        }
        context.setOutputs({ stale: String(staleness.stale), newest_age_hours: staleness.ageHours === null ? "" : String(staleness.ageHours) });
        return 0;
      };
    } else if (command === "record-run") {
      const file = required(values.file, "--file");
      const run = parseRunRecord(readNamedFile(context, file), file, context.now());
      work = async (sql) => {
        const outcome = await recordRun(sql, run);
        const deployment = run.environment === null ? "no deployment" : `${run.environment} deployment: ${run.deploymentConclusion}`;
        context.print(`${outcome === "inserted" ? "Recorded" : "Updated"} attempt ${run.runAttempt} of ${run.workflow} run ${run.runId}: ${run.conclusion}, ${deployment}.`);
        context.setOutputs({ recorded: outcome });
        return 0;
      };
    } else if (command === "record-incident") {
      const file = required(values.file, "--file");
      const incident = parseIncidentRecord(readNamedFile(context, file), file, context.now());
      work = async (sql) => {
        const outcome = await recordIncident(sql, incident);
        const state = incident.withdrawn
          ? "withdrawn (no longer labelled an incident)"
          : incident.closedAt === null
            ? "open"
            : `closed after ${Math.round((incident.closedAt.getTime() - incident.openedAt.getTime()) / 60_000)} minutes`;
        context.print(
          outcome === "unchanged"
            ? `Incident #${incident.issueNumber} was recorded from a newer event already; left as it is.`
            : `${outcome === "inserted" ? "Recorded" : "Updated"} incident #${incident.issueNumber}: ${state}.`,
        );
        context.setOutputs({ recorded: outcome });
        return 0;
      };
    } else {
      const migrations = context.migrations();
      work = async (sql) => {
        const result = await migrate(sql, migrations, { log: context.print });
        context.print(`${result.applied.length} migrations applied, ${result.alreadyApplied.length} already applied.`);
        return 0;
      };
    }
  } catch (error) {
    if (error instanceof MetricsFileError) {
      for (const problem of error.problems) context.print(`::error file=${error.source}::${problem}`);
      context.print(`Nothing was written: ${FILE_FIX[command ?? ""] ?? "fix the file"} and run again.`);
      return 2;
    }
    if (error instanceof UsageError) {
      context.print(`::error::${error.message}`);
      context.print(USAGE);
      return 2;
    }
    throw error;
  }

  const url = context.env.METRICS_DATABASE_URL;
  if (!url) {
    context.print("::error::METRICS_DATABASE_URL is not set: the job has no database to use.");
    return 2;
  }
  if (!/^postgres(ql)?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) {
    context.print("::error::METRICS_DATABASE_URL is not a postgresql://<role>@<host>:<port>/<database> URL.");
    return 2;
  }
  // Every command but migrate is idempotent (an upsert, a read): a connection lost on the way is
  // tried once more. migrate is not retried here; its own lock and per-migration transactions make a rerun safe.
  const attempts = command === "migrate" ? 1 : 2;
  const lockTimeout = context.lockTimeoutSeconds ?? LOCK_TIMEOUT_SECONDS;
  for (let attempt = 1; ; attempt++) {
    let sql: Sql;
    try {
      sql = await context.connect(url);
    } catch (error) {
      context.print(`::error::Cannot connect to the metrics database: ${oneLine(error)}`);
      return 1;
    }
    try {
      // A table lock another session holds is waited for this long, then reported, never forever.
      if (command !== "migrate") await sql.exec(`SET lock_timeout = '${lockTimeout}s'`);
      return await work(sql);
    } catch (error) {
      if ((error as { code?: unknown }).code === "55P03") {
        context.print(`::error::Gave up after ${lockTimeout} s waiting for a lock on the metrics table that another session holds: ${oneLine(error)}`);
        return 1;
      }
      if (attempt < attempts && isConnectionLoss(error)) {
        context.print(`The connection to the metrics database was lost (${oneLine(error)}); trying once more.`);
        continue;
      }
      const prefix = error instanceof MigrationError ? "" : isConnectionLoss(error) ? "Lost the connection to the metrics database: " : "The metrics database refused: ";
      context.print(`::error::${prefix}${oneLine(error)}`);
      return 1;
    } finally {
      await sql.close().catch(() => undefined);
    }
  }
}

/** An annotation is one line. */
function oneLine(error: unknown): string {
  // By shape, not instanceof: errors from node's own modules may come from another realm (a test's VM).
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === "string" ? message : String(error)).replace(/\s*\n\s*/g, " ");
}

/**
 * The connection went away rather than the server refusing the statement: terminated by an
 * administrator or a failover (SQLSTATE class 57P, 08), or the socket closed.
 */
export function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (/^57P0[1-3]$/.test(code) || code.startsWith("08") || ["ECONNRESET", "EPIPE", "ETIMEDOUT"].includes(code))) return true;
  return typeof message === "string" && /Connection terminated|connection is closed|Client was closed|not queryable/i.test(message);
}
