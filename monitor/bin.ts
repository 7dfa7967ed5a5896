/**
 * The entry point of the `mlops-monitor` bundle (workflows/__rendered__/platform/mlops-monitor.cjs,
 * built by `npm run gen:workflows`). In the bundle the migrations are inlined; run from source, they
 * are read from infra/database/migrations.
 *
 * With METRICS_FUNCTION set (the monitoring and delivery-metrics jobs on GitHub-hosted runners),
 * every command but `migrate` runs in the metrics function inside the VPC, invoked with the AWS CLI
 * under the job's OIDC role;
 * with METRICS_DATABASE_URL instead, here against that database (ci-cd's throwaway PostgreSQL).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Migration, readMigrations } from "../infra/database/migrate";
import { connectPostgres } from "../infra/database/sql";
import { readInputFile } from "../infra/input-file";
import { runMonitorCommand } from "./command";
import { MetricsRequest, runRemote } from "./remote";

/** A metrics file is one window's object: a megabyte is already far more than one can hold. */
const MAX_METRICS_FILE_BYTES = 1024 * 1024;

// Replaced with the migrations' JSON when the bundle is built.
declare const BUNDLED_MIGRATIONS: readonly Migration[] | undefined;

const print = (line: string) => process.stdout.write(`${line}\n`);
const setOutputs = (outputs: Record<string, string>) => {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  fs.appendFileSync(file, Object.entries(outputs).map(([name, value]) => `${name}=${value}\n`).join(""));
};

/** `aws lambda invoke`, synchronously, the request and the answer in a private temporary directory. */
async function invokeFunction(functionName: string, request: MetricsRequest): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-monitor-"));
  try {
    const requestFile = path.join(dir, "request.json");
    const answerFile = path.join(dir, "answer.json");
    fs.writeFileSync(requestFile, JSON.stringify(request), { mode: 0o600 });
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        "aws",
        // The function may take up to its 60 s timeout: the CLI waits longer than that, and does not
        // send the request again behind its back.
        [
          "lambda",
          "invoke",
          "--function-name",
          functionName,
          "--cli-binary-format",
          "raw-in-base64-out",
          "--cli-read-timeout",
          "90",
          "--payload",
          `fileb://${requestFile}`,
          "--output",
          "json",
          answerFile,
        ],
        { encoding: "utf8", env: { ...process.env, AWS_MAX_ATTEMPTS: "1" } },
      ));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("the AWS CLI (aws) is not installed where this runs: GitHub's hosted runners have it; install it on any other");
      }
      // The CLI's last line says why (no credentials, access denied, no such function); one line for the annotation.
      const stderr = String((error as { stderr?: string }).stderr || (error as Error).message).trim();
      throw new Error(`aws lambda invoke ${functionName}: ${stderr.split("\n").pop()}`);
    }
    const answer = JSON.parse(fs.readFileSync(answerFile, "utf8")) as unknown;
    const status = JSON.parse(stdout) as { FunctionError?: string };
    if (status.FunctionError) {
      const message = (answer as { errorMessage?: string } | null)?.errorMessage ?? JSON.stringify(answer);
      throw new Error(`${functionName} raised ${status.FunctionError}: ${message}`);
    }
    return answer;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const functionName = process.env.METRICS_FUNCTION;
// --help needs no database and no function.
const remote = functionName && !argv.includes("--help") && !argv.includes("-h");
const run = remote
  ? runRemote(argv, { readFile: (file) => readInputFile(file, MAX_METRICS_FILE_BYTES), invoke: (request) => invokeFunction(functionName as string, request), print, setOutputs })
  : runMonitorCommand(argv, {
      env: process.env,
      connect: connectPostgres,
      readFile: (file) => readInputFile(file, MAX_METRICS_FILE_BYTES),
      now: () => new Date(),
      migrations: () => (typeof BUNDLED_MIGRATIONS !== "undefined" ? BUNDLED_MIGRATIONS : readMigrations()),
      print,
      setOutputs,
    });
run.then(
  (code) => process.exit(code),
  (error: unknown) => {
    print(`::error::mlops-monitor failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
