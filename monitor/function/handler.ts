/**
 * The metrics function's Lambda entry point (bundled by `npm run gen:functions` into
 * infra/monitoring/__bundle__/index.js). It runs `mlops-monitor store` and `freshness` for
 * the monitoring job, and `record-run` and `record-incident` for the delivery metrics, from inside the VPC, as the metrics writer, whose credentials it reads itself:
 * the job never holds a database password and the database stays private.
 */
import { secretField, secretJson } from "../../infra/aws/secret-json";
import type { Migration } from "../../infra/database/migrate";
import { connectPostgresWith } from "../../infra/database/sql";
import type { Sql } from "../../infra/database/sql";
import { runMonitorCommand } from "../command";
import { MetricsFileError } from "../metrics";
import { MetricsResponse, REMOTE_COMMANDS, listed } from "../remote";

export interface MetricsHandlerContext {
  /** The writer's connection URL. */
  readonly databaseUrl: () => Promise<string>;
  readonly connect: (url: string) => Promise<Sql>;
  readonly now: () => Date;
}

/** Runs one request: anything malformed is the command's own usage error (exit 2), never a crash. */
export async function runMetricsRequest(event: unknown, context: MetricsHandlerContext): Promise<MetricsResponse> {
  const lines: string[] = [];
  let outputs: Record<string, string> = {};
  const request = (event ?? {}) as { argv?: unknown; files?: unknown };
  const argv = Array.isArray(request.argv) && request.argv.every((word) => typeof word === "string") ? (request.argv as string[]) : undefined;
  const files = typeof request.files === "object" && request.files !== null ? (request.files as Record<string, unknown>) : {};
  if (!argv || !REMOTE_COMMANDS.includes(argv[0] as (typeof REMOTE_COMMANDS)[number])) {
    return { exitCode: 2, lines: [`::error::The metrics function runs ${listed(REMOTE_COMMANDS, "or")}, got ${JSON.stringify(request.argv ?? null)}.`], outputs };
  }
  const exitCode = await runMonitorCommand(argv, {
    env: { METRICS_DATABASE_URL: await context.databaseUrl() },
    connect: context.connect,
    readFile: (path) => {
      const content = Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined;
      // The function reads no file system: a file is what the request carries, or a usage error.
      if (typeof content !== "string") throw new MetricsFileError(path, ["was not sent with the request: mlops-monitor sends the file named by --file"]);
      return content;
    },
    now: context.now,
    migrations: (): readonly Migration[] => [],
    print: (line) => lines.push(line),
    setOutputs: (values) => (outputs = { ...outputs, ...values }),
  });
  return { exitCode, lines, outputs };
}

export async function handler(event: unknown): Promise<MetricsResponse> {
  const arn = process.env.WRITER_SECRET_ARN ?? "";
  // The version pulumi up wrote, set on the function only once the provisioner gave the login that
  // password: AWSCURRENT moves as the version is written, before the server knows the password, so
  // reading it would fail to log in throughout a rotation (for good, if the provisioner failed).
  const versionId = process.env.WRITER_SECRET_VERSION_ID || undefined;
  const response = await runMetricsRequest(event, {
    databaseUrl: async () => secretField(await secretJson(arn, versionId), "uri", arn),
    // Well inside the function's timeout, so an unreachable database is reported, not timed out.
    connect: (url) => connectPostgresWith({ connectionString: url, connectionTimeoutMillis: 15_000 }),
    now: () => new Date(),
  });
  // The job replays these lines; the function's own log keeps them too.
  for (const line of response.lines) console.log(line);
  return response;
}
