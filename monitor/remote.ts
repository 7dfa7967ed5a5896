/**
 * `mlops-monitor` through the metrics function: the monitoring job runs on a GitHub-hosted runner,
 * outside the VPC, so it hands `store`, `freshness` and the delivery records to a Lambda function inside it
 * (infra/monitoring/metrics-function.ts) and replays what the function printed and set. The
 * function runs the very same command (command.ts) against the private database.
 */

/** What the job sends: the command line, and the contents of the files it names. */
export interface MetricsRequest {
  readonly argv: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

/** What the function answers: the command's exit code, its log lines and its step outputs. */
export interface MetricsResponse {
  readonly exitCode: number;
  readonly lines: readonly string[];
  readonly outputs: Readonly<Record<string, string>>;
}

export interface RemoteContext {
  readonly readFile: (path: string) => string;
  readonly invoke: (request: MetricsRequest) => Promise<unknown>;
  readonly print: (line: string) => void;
  readonly setOutputs: (outputs: Record<string, string>) => void;
}

/** The commands the function runs; migrations belong to `pulumi up` (the database provisioner). */
export const REMOTE_COMMANDS = ["store", "freshness", "record-run", "record-incident"] as const;

/** `a, b, c and d`: the remote commands in a sentence. */
export function listed(words: readonly string[], last = "and"): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} ${last} ${words[words.length - 1]}`;
}

/** The path given with `--file`, in either spelling, if any. */
export function fileArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--file") return argv[i + 1];
    if (argv[i].startsWith("--file=")) return argv[i].slice("--file=".length);
  }
  return undefined;
}

/** Checks an answer's shape: a function of another version must not be replayed half-understood. */
export function parseResponse(value: unknown): MetricsResponse {
  const answer = value as Partial<MetricsResponse> | null;
  const valid =
    answer !== null &&
    typeof answer === "object" &&
    Number.isInteger(answer.exitCode) &&
    Array.isArray(answer.lines) &&
    answer.lines.every((line) => typeof line === "string") &&
    typeof answer.outputs === "object" &&
    answer.outputs !== null &&
    Object.values(answer.outputs).every((output) => typeof output === "string");
  if (!valid) throw new Error(`the metrics function answered something other than {exitCode, lines, outputs}: ${JSON.stringify(value)?.slice(0, 200)}`);
  return answer as MetricsResponse;
}

export async function runRemote(argv: readonly string[], context: RemoteContext): Promise<number> {
  if (!REMOTE_COMMANDS.includes(argv[0] as (typeof REMOTE_COMMANDS)[number])) {
    context.print(`::error::${JSON.stringify(argv[0] ?? "")} does not run through the metrics function: only ${listed(REMOTE_COMMANDS)} do (migrations run with pulumi up).`);
    return 2;
  }
  const files: Record<string, string> = {};
  const file = fileArgument(argv);
  if (file !== undefined) {
    try {
      files[file] = context.readFile(file);
    } catch (error) {
      context.print(`::error file=${file}::cannot read ${file}: ${(error as Error).message}. Nothing was written.`);
      return 2;
    }
  }
  let response: MetricsResponse;
  try {
    response = parseResponse(await context.invoke({ argv: [...argv], files }));
  } catch (error) {
    context.print(`::error::The metrics function failed: ${(error as Error).message}`);
    return 1;
  }
  for (const line of response.lines) context.print(line);
  if (Object.keys(response.outputs).length > 0) context.setOutputs({ ...response.outputs });
  return response.exitCode;
}
