/**
 * Runs one job of a rendered workflow the way a GitHub runner does, against fake AWS, HTTP, Docker
 * and GitHub: conditions and `${{ }}` expressions through GitHub's own evaluator, every `run:`
 * script through bash with the step's environment, outputs through $GITHUB_OUTPUT, job status
 * carried from step to step. `actions/github-script` steps run their script against a recording
 * Octokit; the other actions a deploy job uses are no-ops that succeed.
 *
 * What the fakes answer is the `World` of tests/fakes/fake-cli.js; tests read the world after the
 * run to see what the job did (which revision a service serves, which issue was opened).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed workflow YAML and Octokit payloads are untyped */
type Doc = any;

export interface Comment {
  id: number;
  issueNumber: number;
  body: string;
  /** Who wrote it; a comment the job makes is the workflow token's, `github-actions[bot]`. */
  user?: { login: string };
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  comments: string[];
}

/** The fakes' state: read and written by tests/fakes/fake-cli.js, one per job run. */
export interface World {
  clock: number;
  services: Record<
    string,
    {
      taskDefinition: string;
      rolloutState?: string;
      ecsRollsBack?: boolean;
      /** The latest deployment ECS started (update-service), and the lifecycle stages still to come. */
      deployment?: { arn: string; status: string; stages: string[] };
    }
  >;
  /**
   * The lifecycle stages a deployment reports, one per look, the last one for good; `ROLLED_BACK`
   * is ECS rolling it back on its own. @default SCALE_UP, TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT
   */
  deploymentStages?: string[];
  deploymentCount?: number;
  schedules: Record<string, Doc>;
  taskDefinitions: Record<string, Doc>;
  tasks: Record<string, { taskDefinition: string; exitCode: number; stopped?: boolean; stopReason?: string }>;
  trialExitCode: number;
  /** The trial run never stops by itself. */
  trialHangs?: boolean;
  alarmsFiring: string[];
  /** HTTP answers by `METHOD path` (path without the query string). */
  http: Record<string, { status: number; body: unknown }>;
  registryAliases: Record<string, string>;
  promotedTags: Record<string, string>;
  /** What `pulumi preview --json` prints and its exit code; what `pulumi stack export` wrote. */
  pulumi?: {
    preview: unknown;
    previewExitCode: number;
    exports?: string[];
    outputs?: unknown;
    stacks?: string[];
    secrets?: Record<string, string>;
    secretsProviders?: Record<string, string>;
    /** What `pulumi stack export` prints, by stack. */
    states?: Record<string, unknown>;
    moved?: { from: string; to: string; urns: string[] }[];
    /** Every `pulumi up`: the stack and its `--config` values, in order. */
    updates?: { stack: string; config: string[] }[];
    /** The outputs once an update ran: what the program would report after applying it. */
    outputsAfterUp?: unknown;
  };
  /** Statuses of this repository's up.yml runs, as `gh run list` reports them. */
  updateRuns?: string[];
  /** The jobs `gh api …/actions/runs/<id>/attempts/<n>/jobs` lists, by `<id>/<n>`. */
  runJobs?: Record<string, { id?: number; name: string; conclusion: string | null }[]>;
  /** The repository's deployments, as `gh api …/deployments` and `…/deployments/<id>/statuses` list them. */
  deployments?: { id: number; sha: string; environment: string; statuses: { state: string; log_url?: string; target_url?: string }[] }[];
  /** Issues as `gh api repos/<repo>/issues/<n>` returns them, by number. */
  apiIssues?: Record<string, Record<string, unknown>>;
  /** Every `gh workflow run`: the repository, the workflow file, the ref and the inputs. */
  dispatches?: { repository: string; workflow: string; ref: string; inputs: Record<string, string> }[];
  /** Objects `aws s3 cp` copied, by destination. */
  s3?: Record<string, string>;
  calls: string[][];
}

export interface RunJobOptions {
  readonly workflow: Doc;
  readonly job: string;
  readonly inputs?: Record<string, string>;
  readonly vars?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  readonly needs?: Record<string, { outputs: Record<string, string>; result?: string }>;
  readonly world: World;
  readonly issues?: Issue[];
  readonly comments?: Comment[];
  /** Steps, by name, that succeed without running: installers whose downloads the fakes cannot serve. */
  readonly stubbed?: readonly string[];
  /** Files in the workspace before the job starts, by path relative to it. */
  readonly workspaceFiles?: Readonly<Record<string, string>>;
  /**
   * Artifacts earlier jobs of the run uploaded, by name, each its files by path: given, the job's
   * actions/download-artifact steps place them as the action does; absent, those steps do nothing.
   */
  readonly artifacts?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly matrix?: Readonly<Record<string, string>>;
  /** The `github.event` payload, also written to the file GITHUB_EVENT_PATH names. */
  readonly event?: Readonly<Record<string, unknown>>;
  /** `github.event_name`. @default pull_request with a pull request in the event, else workflow_dispatch */
  readonly eventName?: string;
  /** Workspace files to return after the job, by path relative to it. */
  readonly collect?: readonly string[];
  /**
   * A folder where `npm run -s` keeps what each command did (tests/fakes/npm-memo.bash), for the
   * jobs given the same folder: a later command with the same script, arguments, working directory
   * and files its arguments name answers as the first did instead of running the program again.
   * Only for commands that read nothing else (synth, rebuild-plan, pr-comment), in jobs that run
   * them identically: a rebuild's offline check, each a whole program run; the comment of the same
   * previews.
   * @default every command runs
   */
  readonly npmMemo?: string;
}

export interface StepResult {
  readonly name: string;
  readonly id: string | undefined;
  readonly outcome: "success" | "failure" | "skipped";
  readonly log: string;
  readonly outputs: Record<string, string>;
}

export interface JobResult {
  readonly status: "success" | "failure";
  readonly steps: StepResult[];
  readonly world: World;
  readonly issues: Issue[];
  readonly comments: Comment[];
  readonly summary: string;
  /** The files asked for with `collect`, as the job left them (absent: not written). */
  readonly files: Record<string, string | undefined>;
  /** The step of that name (the first one when several share it). */
  step(name: string): StepResult;
}

const FAKE_FUNCTIONS = path.join(__dirname, "fakes", "fake-cli.bash");
const NPM_MEMO = path.join(__dirname, "fakes", "npm-memo.bash");
/* eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script that is also a program */
const { answer } = require("./fakes/fake-cli.js") as {
  answer: (world: World, tool: string, args: string[], io: { env: Record<string, string>; cwd: string; readStdin: () => string }) => { code: number; stdout: string; stderr: string };
};
const FAKE_TOOLS = ["aws", "curl", "docker", "pulumi", "gh", "date", "sleep"];
const ROOT = path.resolve(__dirname, "..");
const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"];
export const REPOSITORY = "acme/taxi";

/** Evaluates one expression (without `${{ }}`) in `context`. */
export function evaluate(expression: string, context: Record<string, unknown>, status: "success" | "failure"): data.ExpressionData {
  const fn = (name: string, value: boolean): FunctionDefinition => ({ name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) });
  const functions = new Map<string, FunctionDefinition>([
    ["success", fn("success", status === "success")],
    ["failure", fn("failure", status === "failure")],
    ["always", fn("always", true)],
    ["cancelled", fn("cancelled", false)],
  ]);
  const tokens = new Lexer(expression).lex().tokens;
  const tree = new Parser(tokens, Object.keys(context), [...functions.values()]).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(tree, dictionary, functions).evaluate();
}

/** Replaces every `${{ … }}` of a string by its value, as GitHub does for env and with. */
export function interpolate(template: string, context: Record<string, unknown>, status: "success" | "failure"): string {
  return template.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) => evaluate(expression.trim(), context, status).coerceString());
}

/** A step runs when its condition holds; one without a status function runs only while all is well. */
function shouldRun(condition: string | undefined, context: Record<string, unknown>, status: "success" | "failure"): boolean {
  const expression = (condition ?? "success()").replace(/^\s*\$\{\{(.*)\}\}\s*$/s, "$1");
  const hasStatus = STATUS_FUNCTIONS.some((name) => new RegExp(`\\b${name}\\(\\)`).test(expression));
  return truthy(evaluate(hasStatus ? expression : `success() && (${expression})`, context, status));
}

/**
 * Installs the fakes of tests/fakes/fake-cli.bash as programs too, for what calls them other than
 * from bash (the functions come in through BASH_ENV), and an `npm` that runs this checkout's tools.
 */
function fakeBin(dir: string): string {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  // Sourced by path, not left to BASH_ENV: without the function, the name would find this file again.
  for (const tool of FAKE_TOOLS) fs.writeFileSync(path.join(bin, tool), `#!/bin/bash\nsource ${JSON.stringify(FAKE_FUNCTIONS)}\n${tool} "$@"\n`, { mode: 0o755 });
  // npm: `ci` is done already (this checkout's node_modules); `run -s <script> -- …` runs this
  // repository's own command, in the job's working directory as npm would pass it on.
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const commands = Object.entries(manifest.scripts).flatMap(([script, command]) => {
    const entry = /^node -r \.\/tools\/register\.js (\S+)$/.exec(command)?.[1];
    return entry ? [`  ${script}) node -r ${JSON.stringify(path.join(ROOT, "tools", "register.js"))} ${JSON.stringify(path.join(ROOT, entry))} "$@" ;;`] : [];
  });
  fs.writeFileSync(
    path.join(bin, "npm"),
    [
      "#!/bin/bash",
      'if [[ "$1" == ci ]]; then exit 0; fi',
      'if [[ "$1 $2" != "run -s" ]]; then echo "fake npm: unsupported: $*" >&2; exit 1; fi',
      'script=$3; shift 3; if [[ "${1:-}" == "--" ]]; then shift; fi',
      "run() {",
      '  case "$script" in',
      ...commands.map((line) => `  ${line}`),
      '    *) echo "fake npm: no script $script" >&2; return 1 ;;',
      "  esac",
      "}",
      'if [[ -z "${FAKE_NPM_MEMO:-}" ]]; then run "$@"; exit; fi',
      `source ${JSON.stringify(NPM_MEMO)}`,
      'npm_memo "$script" "$@"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return bin;
}

/** Fields of a call: NUL-ended, an empty one after the environment (tests/fakes/fake-cli.bash). */
function parseCall(buffer: Buffer): { pid: string; cwd: string; words: string[]; env: Record<string, string> } | undefined {
  const fields: string[] = [];
  let start = 0;
  for (let end = buffer.indexOf(0, start); end !== -1; end = buffer.indexOf(0, start)) {
    fields.push(buffer.toString("utf8", start, end));
    start = end + 1;
  }
  const [pid, cwd, count] = fields;
  if (count === undefined) return undefined;
  const words = fields.slice(3, 3 + Number(count));
  const entries = fields.slice(3 + Number(count));
  if (words.length < Number(count) || !entries.includes("")) return undefined;
  const env = Object.fromEntries(entries.slice(0, entries.indexOf("")).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
  return { pid, cwd, words, env };
}

/**
 * The fakes of one job, in this process: every call of tests/fakes/fake-cli.bash arrives here over
 * loopback TCP and is answered by fake-cli.js against the job's world. A call sees the world as the
 * last call left it; one that fails still changes it, one whose fake throws does not (as the fake
 * run as its own process writes the world back when it answers, and not when it crashes).
 */
async function fakeServer(initial: World): Promise<{ port: number; world: () => World; close: () => Promise<void> }> {
  let world = JSON.stringify(initial);
  const NEEDS_STDIN = new Error("the call reads standard input");
  const call = (words: string[], env: Record<string, string>, cwd: string, readStdin: () => string) => {
    const draft = JSON.parse(world) as World;
    const result = answer(draft, words[0], words.slice(1), { env, cwd, readStdin });
    world = JSON.stringify(draft);
    return result;
  };
  const answerSocket = async (socket: net.Socket, request: NonNullable<ReturnType<typeof parseCall>>) => {
    let result: { code: number; stdout: string; stderr: string };
    try {
      try {
        result = call(request.words, request.env, request.cwd, () => {
          throw NEEDS_STDIN;
        });
      } catch (err) {
        if (err !== NEEDS_STDIN) throw err;
        // Read without blocking this process: what writes to the caller's input may be another call.
        const stdin = await fs.promises.readFile(`/proc/${request.pid}/fd/0`, "utf8");
        result = call(request.words, request.env, request.cwd, () => stdin);
      }
    } catch (err) {
      result = { code: 1, stdout: "", stderr: `${err instanceof Error ? err.stack : String(err)}\n` };
    }
    socket.end(`${result.code}\0${result.stdout.replaceAll("\0", "")}\0${result.stderr.replaceAll("\0", "")}\0`);
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let received: Buffer | undefined = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      if (received === undefined) return;
      received = Buffer.concat([received, chunk]);
      const request = parseCall(received);
      if (!request) return;
      received = undefined;
      void answerSocket(socket, request);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    world: () => JSON.parse(world) as World,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs a step's script as the runner does, without blocking this process: the fakes answer from it. */
function runScript(shellArgs: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", shellArgs, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ok: code === 0, log: `${Buffer.concat(stdout).toString("utf8")}${Buffer.concat(stderr).toString("utf8")}` }));
  });
}

function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

/** A recording Octokit: the issue and comment calls of `workflows/scripts/*.js`. */
function fakeGitHub(issues: Issue[], comments: Comment[]) {
  const listForRepo = async (params: { state: string; labels: string }) => {
    const wanted = params.labels.split(",").filter(Boolean);
    return { data: issues.filter((issue) => issue.state === params.state && wanted.every((label) => issue.labels.includes(label))) };
  };
  return {
    paginate: async <P, T>(method: (params: P) => Promise<{ data: T[] }>, params: P) => (await method(params)).data,
    rest: {
      issues: {
        listForRepo,
        create: async (params: { title: string; body: string; labels: string[] }) => {
          const issue: Issue = { number: issues.length + 1, title: params.title, body: params.body, labels: params.labels, state: "open", comments: [] };
          issues.push(issue);
          return { data: issue };
        },
        createComment: async (params: { issue_number: number; body: string }) => {
          const issue = issues.find((candidate) => candidate.number === params.issue_number);
          if (issue) {
            issue.comments.push(params.body);
            return { data: {} };
          }
          // Not an issue: a pull request's conversation.
          const comment = { id: 1000 + comments.length, issueNumber: params.issue_number, body: params.body, user: { login: "github-actions[bot]" } };
          comments.push(comment);
          return { data: comment };
        },
        listComments: async (params: { issue_number: number }) => ({ data: comments.filter((comment) => comment.issueNumber === params.issue_number) }),
        updateComment: async (params: { comment_id: number; body: string }) => {
          const comment = comments.find((candidate) => candidate.id === params.comment_id);
          if (!comment) throw new Error(`No comment ${params.comment_id}.`);
          comment.body = params.body;
          return { data: comment };
        },
        update: async (params: { issue_number: number; state: "open" | "closed" }) => {
          const issue = issues.find((candidate) => candidate.number === params.issue_number);
          if (issue) issue.state = params.state;
          return { data: issue };
        },
      },
    },
  };
}

async function runGitHubScript(
  script: string,
  env: Record<string, string>,
  issues: Issue[],
  comments: Comment[],
  cwd: string,
): Promise<{ ok: boolean; outputs: Record<string, string>; log: string }> {
  const outputs: Record<string, string> = {};
  const log: string[] = [];
  const core = {
    setOutput: (key: string, value: string) => (outputs[key] = value),
    info: (message: string) => log.push(message),
    setFailed: (message: string) => {
      throw new Error(message);
    },
  };
  const context = { repo: { owner: REPOSITORY.split("/")[0], repo: REPOSITORY.split("/")[1] } };
  const saved = { ...process.env };
  const savedCwd = process.cwd();
  Object.assign(process.env, env);
  // github-script runs in the workspace: scripts read the files earlier steps wrote.
  process.chdir(cwd);
  try {
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
    await new AsyncFunction("github", "context", "core", "require", script)(fakeGitHub(issues, comments), context, core, require);
    return { ok: true, outputs, log: log.join("\n") };
  } catch (err) {
    return { ok: false, outputs, log: `${log.join("\n")}\n${String(err)}` };
  } finally {
    process.chdir(savedCwd);
    for (const key of Object.keys(env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

function evaluateWith(values: Record<string, unknown> | undefined, context: Record<string, unknown>, status: "success" | "failure"): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, interpolate(String(value), context, status)]));
}

/**
 * actions/download-artifact as it behaves from v5 on: an artifact asked for by `name`, or the only
 * one a `pattern` matches, is extracted straight into `path`; several matches go into a folder
 * each, named after the artifact, unless `merge-multiple` puts them all into `path`.
 */
function downloadArtifacts(artifacts: Readonly<Record<string, Readonly<Record<string, string>>>>, inputs: Record<string, string>, workspace: string): { ok: boolean; log: string } {
  const glob = new RegExp(`^${(inputs.pattern ?? "*").split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  const names = inputs.name ? [inputs.name] : Object.keys(artifacts).filter((name) => glob.test(name)).sort();
  const missing = names.filter((name) => artifacts[name] === undefined);
  if (missing.length > 0) return { ok: false, log: `Artifact not found for name: ${missing.join(", ")}` };
  const flat = inputs.name !== undefined || names.length === 1 || inputs["merge-multiple"] === "true";
  const root = path.join(workspace, inputs.path ?? "");
  for (const name of names) {
    for (const [file, content] of Object.entries(artifacts[name])) {
      const target = path.join(flat ? root : path.join(root, name), file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  return { ok: true, log: `Downloaded ${names.join(", ") || "no artifact"}.` };
}

/** Actions a deploy job uses whose effect lies outside the job's fakes: they succeed and do nothing. */
const NO_OP_ACTIONS = [
  "aws-actions/configure-aws-credentials@",
  "docker/login-action@",
  "actions/upload-artifact@",
  "actions/download-artifact@",
  "actions/checkout@",
  "actions/setup-node@",
];

/** Actions with outputs later steps read: they succeed with these outputs. */
const OUTPUT_ACTIONS: Readonly<Record<string, Record<string, string>>> = {
  "actions/create-github-app-token@": { token: "ghs_installation_token" },
};

export async function runJob(options: RunJobOptions): Promise<JobResult> {
  const job = options.workflow.jobs[options.job];
  if (!job) throw new Error(`No job ${options.job} in the workflow.`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-run-"));
  const workspace = path.join(dir, "workspace");
  fs.mkdirSync(workspace);
  const bin = fakeBin(dir);
  const fakes = await fakeServer(options.world);
  const clockFile = path.join(dir, "clock");
  fs.writeFileSync(clockFile, String(options.world.clock));
  const summaryFile = path.join(dir, "summary.md");
  fs.writeFileSync(summaryFile, "");
  const eventFile = path.join(dir, "event.json");
  fs.writeFileSync(eventFile, JSON.stringify(options.event ?? {}));
  const issues = options.issues ?? [];
  const comments = options.comments ?? [];
  for (const [file, content] of Object.entries(options.workspaceFiles ?? {})) {
    fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    fs.writeFileSync(path.join(workspace, file), content);
  }

  const steps: StepResult[] = [];
  const stepsContext: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  let status: "success" | "failure" = "success";
  const github = {
    repository: REPOSITORY,
    repository_owner: REPOSITORY.split("/")[0],
    server_url: "https://github.com",
    run_id: "4242",
    run_attempt: "1",
    sha: "0123456789abcdef0123456789abcdef01234567",
    actor: "release-bot",
    // The job's own token, as `github.token` and `secrets.GITHUB_TOKEN` give it.
    token: "ghs_fake",
    ref: "refs/heads/main",
    event_name: options.eventName ?? (options.event?.pull_request ? "pull_request" : "workflow_dispatch"),
    event: options.event ?? {},
  };
  const baseContext = () => ({
    github,
    inputs: options.inputs ?? {},
    vars: options.vars ?? {},
    secrets: { GITHUB_TOKEN: "ghs_fake", ...(options.secrets ?? {}) },
    needs: Object.fromEntries(Object.entries(options.needs ?? {}).map(([id, need]) => [id, { outputs: need.outputs, result: need.result ?? "success" }])),
    steps: stepsContext,
    job: { status },
    matrix: options.matrix ?? {},
    runner: { os: "Linux", temp: dir },
  });
  const evaluateEnv = (env: Record<string, unknown> | undefined, context: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, interpolate(String(value), context, status)]));
  const workflowEnv = evaluateEnv(options.workflow.env, { ...baseContext(), env: {} });
  const jobEnv = { ...workflowEnv, ...evaluateEnv(job.env, { ...baseContext(), env: workflowEnv }) };

  for (const step of job.steps as Doc[]) {
    const context = { ...baseContext(), env: jobEnv };
    const name = interpolate(String(step.name ?? step.uses ?? "run"), context, status);
    if (!shouldRun(step.if, context, status)) {
      steps.push({ name, id: step.id, outcome: "skipped", log: "", outputs: {} });
      if (step.id) stepsContext[step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      continue;
    }
    const env = { ...jobEnv, ...evaluateEnv(step.env, context) };
    let ok: boolean;
    let log: string;
    let outputs: Record<string, string>;
    if (options.stubbed?.includes(name)) {
      ok = true;
      log = "(stubbed)";
      outputs = {};
    } else if (step.run !== undefined) {
      const outputFile = path.join(dir, `output-${steps.length}`);
      fs.writeFileSync(outputFile, "");
      const envFile = path.join(dir, `env-${steps.length}`);
      fs.writeFileSync(envFile, "");
      const scriptFile = path.join(dir, `step-${steps.length}.sh`);
      fs.writeFileSync(scriptFile, String(step.run));
      // GitHub's defaults: `bash -e {0}` without a shell, its stricter command line with `shell: bash`.
      const shellArgs = step.shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail", scriptFile] : ["-e", scriptFile];
      ({ ok, log } = await runScript(shellArgs, workspace, {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: dir,
        ...env,
        // The default variables every runner sets.
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: github.repository,
        GITHUB_SHA: github.sha,
        GITHUB_RUN_ID: github.run_id,
        GITHUB_SERVER_URL: github.server_url,
        GITHUB_OUTPUT: outputFile,
        GITHUB_ENV: envFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_EVENT_PATH: eventFile,
        GITHUB_WORKSPACE: workspace,
        RUNNER_TEMP: dir,
        // The checkout's node_modules after `npm ci`: this one's.
        NODE_PATH: path.join(ROOT, "node_modules"),
        BASH_ENV: FAKE_FUNCTIONS,
        FAKE_CLI_PORT: String(fakes.port),
        FAKE_CLOCK: clockFile,
        ...(options.npmMemo ? { FAKE_NPM_MEMO: options.npmMemo } : {}),
      }));
      outputs = readOutputs(outputFile);
      // $GITHUB_ENV: the variables a step sets for the steps after it.
      Object.assign(jobEnv, readOutputs(envFile));
    } else if (options.artifacts !== undefined && String(step.uses).startsWith("actions/download-artifact@")) {
      ({ ok, log } = downloadArtifacts(options.artifacts, evaluateWith(step.with, context, status), workspace));
      outputs = {};
    } else if (String(step.uses).startsWith("actions/github-script@")) {
      ({ ok, outputs, log } = await runGitHubScript(interpolate(String(step.with.script), context, status), env, issues, comments, workspace));
    } else if (NO_OP_ACTIONS.some((prefix) => String(step.uses).startsWith(prefix))) {
      ok = true;
      log = "";
      outputs = {};
    } else if (Object.keys(OUTPUT_ACTIONS).some((prefix) => String(step.uses).startsWith(prefix))) {
      ok = true;
      log = "";
      outputs = { ...Object.entries(OUTPUT_ACTIONS).find(([prefix]) => String(step.uses).startsWith(prefix))![1] };
    } else {
      throw new Error(`The runner does not simulate ${String(step.uses)}.`);
    }
    const outcome = ok ? "success" : "failure";
    if (!ok && step["continue-on-error"] !== true) status = "failure";
    steps.push({ name, id: step.id, outcome, log, outputs });
    if (step.id) stepsContext[step.id] = { outputs, outcome, conclusion: ok || step["continue-on-error"] === true ? "success" : "failure" };
  }

  await fakes.close();
  const world = fakes.world();
  const summary = fs.readFileSync(summaryFile, "utf8");
  const files = Object.fromEntries(
    (options.collect ?? []).map((file) => [file, fs.existsSync(path.join(workspace, file)) ? fs.readFileSync(path.join(workspace, file), "utf8") : undefined]),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    status,
    steps,
    world,
    issues,
    comments,
    summary,
    files,
    step(stepName: string) {
      const found = steps.find((candidate) => candidate.name === stepName);
      if (!found) throw new Error(`No step named ${stepName}: ${steps.map((candidate) => candidate.name).join(", ")}`);
      return found;
    },
  };
}
