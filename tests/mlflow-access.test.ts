/**
 * Every step of the rendered workflows that talks to MLflow, run against a fake MLflow that enforces
 * basic auth with exactly the grants the stack gives each client (infra/mlflow/clients.ts): each step
 * must log in as its own client and succeed with that client's permission, and must fail when its
 * password is wrong or missing. The application's code (training, drift) is stood in for by a
 * `python` that calls MLflow the way MLflow's client does, from the step's environment.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { REGISTRY_ENVIRONMENT } from "../contracts/github";
import { MLFLOW_CLIENTS, alternateClientUsername } from "../contracts/mlflow-clients";
import { renderedWorkflowsByStack } from "../tools/render-workflows";
import { FakeMlflow, Permission } from "./fakes/fake-mlflow";
import { REPOSITORY, interpolate } from "./workflow-runner";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed workflow YAML */
type Doc = any;

const MODEL_NAME = "nyc-taxi-trip-duration";
const PASSWORDS: Record<string, string> = Object.fromEntries(MLFLOW_CLIENTS.map((client) => [client.username, `${client.username}-pw-${"x".repeat(8)}`]));
/** Each client's twin login (docs/decisions/0004-credential-rotation.md), current after an odd rotation. */
const TWIN_PASSWORDS: Record<string, string> = Object.fromEntries(MLFLOW_CLIENTS.map((client) => [alternateClientUsername(client), `${client.username}-alt-pw-${"y".repeat(8)}`]));
const FAKE_APP = path.join(__dirname, "fakes", "fake-mlflow-app.js");
const workflows = renderedWorkflowsByStack().get("production")!;

interface MlflowStep {
  readonly workflow: string;
  readonly job: string;
  readonly step: Doc;
  readonly name: string;
  readonly jobEnv: Record<string, string>;
  /** The job's environment's name, when it runs in one. */
  readonly environment: string | undefined;
  readonly workflowDoc: Doc;
}

/** Steps whose environment names MLflow, or whose image build gets MLflow's URL as a build secret. */
function mlflowSteps(): MlflowStep[] {
  const found: MlflowStep[] = [];
  for (const [file, content] of workflows) {
    const doc = parse(content) as Doc;
    for (const [jobId, job] of Object.entries<Doc>(doc.jobs)) {
      const jobEnv = { ...(doc.env ?? {}), ...(job.env ?? {}) };
      for (const step of job.steps ?? []) {
        const env = { ...jobEnv, ...(step.env ?? {}) };
        if ("MLFLOW_TRACKING_URI" in env || String(step.with?.secrets ?? "").includes("MLFLOW_TRACKING_URI")) {
          const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
          found.push({ workflow: file, job: jobId, step, name: String(step.name), jobEnv, environment, workflowDoc: doc });
        }
      }
    }
  }
  return found;
}

const EXPECTED: readonly [string, string, string, string][] = [
  ["ci-cd.yml", "train-model", "Train", "training"],
  ["deploy-service.yml", "validate", "Validate the model version", "deployment"],
  ["deploy-service.yml", "build", "Build and push", "deployment"],
  ["deploy-service.yml", "deploy", "Back up the registry state", "deployment"],
  ["deploy-service.yml", "promote", "Update the model registry", "registry"],
  ["monitor-model.yml", "monitor", "Calculate drift and data-quality metrics", "monitoring"],
  ["train-model.yml", "train", "Train (tracked in MLflow)", "training"],
  ["train-model.yml", "register", "Register the model in the MLflow Model Registry", "registry"],
];

/** What a job downloads from the job before it, in place in its workspace. */
const HANDOFFS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "train-model.yml/register": { "training-output/training.json": JSON.stringify({ run_id: "run-from-training", metrics: { rmse: 5.2 } }) },
};

function defaultInputs(doc: Doc): Record<string, string> {
  const inputs = doc.on?.workflow_dispatch?.inputs ?? {};
  return Object.fromEntries(Object.entries<Doc>(inputs).map(([name, input]) => [name, String(input.default ?? "")]));
}

/** Spawns without blocking: the fake MLflow answers from this same process. */
function run(command: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

interface StepRun {
  readonly ok: boolean;
  readonly log: string;
  readonly outputs: Record<string, string>;
}

/** What the stack publishes to GitHub, as a job sees it. */
interface Published {
  readonly secrets: Record<string, string>;
  readonly vars: Record<string, string>;
}

/** Runs one MLflow step as a runner would, in `workspace`, with the given secrets and variables. */
async function runStep(
  entry: MlflowStep,
  { secrets, vars }: Published,
  workspace: string,
  stepOutputs: Record<string, Record<string, string>>,
  given: Record<string, string> = {},
): Promise<StepRun> {
  const inputs = { ...defaultInputs(entry.workflowDoc), model_version: "v1.2.3", environment: "production", service_type: "web-service", ...given };
  const github = { repository: REPOSITORY, run_id: "4242", run_attempt: "1", sha: "0".repeat(40), ref_name: "main", event_name: "workflow_dispatch" };
  const context = {
    github,
    inputs,
    secrets: { GITHUB_TOKEN: "ghs_fake", ...secrets },
    vars,
    needs: { validate: { outputs: { registry_version: "1" }, result: "success" } },
    steps: Object.fromEntries(Object.entries(stepOutputs).map(([id, outputs]) => [id, { outputs, outcome: "success", conclusion: "success" }])),
    matrix: {},
    job: { status: "success" },
    runner: { os: "Linux", temp: workspace },
  };
  const resolve = (values: Record<string, unknown>, env: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, interpolate(String(value), { ...context, env }, "success")]));
  const jobEnv = resolve(entry.jobEnv, {});
  const env = { ...jobEnv, ...resolve(entry.step.env ?? {}, jobEnv) };

  if (entry.step.uses !== undefined) {
    // The image build: the application's Dockerfile fetches the released model with the build
    // secrets (`RUN --mount=type=secret,id=MLFLOW_TRACKING_PASSWORD,env=…`), as MLflow's client does.
    const buildSecrets = Object.fromEntries(
      interpolate(String(entry.step.with.secrets), { ...context, env: jobEnv }, "success")
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const result = await run("node", [FAKE_APP, "build"], { env: { PATH: process.env.PATH, ...buildSecrets, MODEL_NAME: jobEnv.MODEL_NAME, MODEL_VERSION: "1" } });
    return { ok: result.status === 0, log: result.output, outputs: {} };
  }

  const bin = path.join(workspace, ".bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, "python"), `#!/bin/bash\nexec node ${JSON.stringify(FAKE_APP)} "$@"\n`, { mode: 0o755 });
  const outputFile = path.join(workspace, ".output");
  fs.writeFileSync(outputFile, "");
  const result = await run("bash", ["-e", "-c", String(entry.step.run)], {
    cwd: workspace,
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: workspace, ...env, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: path.join(workspace, ".summary") },
  });
  const outputs = Object.fromEntries(
    fs.readFileSync(outputFile, "utf8").split("\n").filter((line) => line.includes("=")).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return { ok: result.status === 0, log: result.output, outputs };
}

async function withServer<T>(work: (server: FakeMlflow, url: string) => Promise<T>): Promise<T> {
  const server = new FakeMlflow({
    // Both logins of every client, as MLflow's start converges them (images/mlflow/ensure_access.py).
    users: { ...PASSWORDS, ...TWIN_PASSWORDS },
    modelGrants: Object.fromEntries(
      MLFLOW_CLIENTS.flatMap((client) => [
        [client.username, client.permission as Permission],
        [alternateClientUsername(client), client.permission as Permission],
      ]),
    ),
    modelName: MODEL_NAME,
    versions: [{ version: "1", status: "READY", tags: { release: "v1.2.3" } }],
  });
  const url = await server.start();
  try {
    return await work(server, url);
  } finally {
    await server.stop();
  }
}

/**
 * The secrets and variables a job sees: the repository's, and its environment's when it runs in one
 * (the registry login is the `model-registry` environment's alone). Each client's current login is
 * the client itself, or its twin after an odd rotation (`twins`).
 */
function repositorySecrets(url: string, environment?: string, twins = false): Published {
  const secrets: Record<string, string> = { MLFLOW_TRACKING_URI: url };
  const vars: Record<string, string> = {};
  for (const client of MLFLOW_CLIENTS) {
    if (client.githubSecret && client.githubUsernameVariable && (client.githubEnvironment === undefined || client.githubEnvironment === environment)) {
      const username = twins ? alternateClientUsername(client) : client.username;
      secrets[client.githubSecret] = twins ? TWIN_PASSWORDS[username] : PASSWORDS[username];
      vars[client.githubUsernameVariable] = username;
    }
  }
  return { secrets, vars };
}

/** Runs a job's MLflow steps in order in one workspace, as they run in the job. */
async function runJobSteps(steps: readonly MlflowStep[], published: Published, inputs: Record<string, string> = {}) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-access-"));
  const handoff = steps.length ? HANDOFFS[`${steps[0].workflow}/${steps[0].job}`] ?? {} : {};
  for (const [file, content] of Object.entries(handoff)) {
    fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    fs.writeFileSync(path.join(workspace, file), content);
  }
  const outputs: Record<string, Record<string, string>> = {};
  const results: { entry: MlflowStep; run: StepRun }[] = [];
  try {
    for (const entry of steps) {
      const run = await runStep(entry, published, workspace, outputs, inputs);
      if (entry.step.id) outputs[entry.step.id] = run.outputs;
      results.push({ entry, run });
    }
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  return results;
}

const ALL = mlflowSteps();
const byJob = (workflow: string, job: string) => ALL.filter((entry) => entry.workflow === workflow && entry.job === job);
const JOBS = [...new Set(ALL.map((entry) => `${entry.workflow}/${entry.job}`))];

/** The client whose login a step reads: its username comes from the client's variable, `vars.MLFLOW_<CLIENT>_USERNAME`. */
function clientOf(entry: MlflowStep): string {
  const username = String(entry.step.env?.MLFLOW_TRACKING_USERNAME ?? /MLFLOW_TRACKING_USERNAME=(.*)/.exec(entry.step.with?.secrets ?? "")?.[1]);
  const client = MLFLOW_CLIENTS.find((candidate) => username === `\${{ vars.${candidate.githubUsernameVariable} }}`);
  return client?.username ?? `no client's variable: ${username}`;
}

it("finds every step that talks to MLflow, and each reads one client's current login, its username from the client's variable", () => {
  expect(ALL.map((entry) => [entry.workflow, entry.job, entry.name, clientOf(entry)]).sort()).toEqual([...EXPECTED].sort());
  // The password from the same client's secret.
  for (const entry of ALL) {
    const client = MLFLOW_CLIENTS.find((candidate) => candidate.username === clientOf(entry))!;
    expect(String(entry.step.env?.MLFLOW_TRACKING_PASSWORD ?? entry.step.with?.secrets)).toContain(`\${{ secrets.${client.githubSecret} }}`);
  }
  // Step level only: no job or workflow hands MLflow's login to steps that do not need it.
  for (const entry of ALL) expect(Object.keys(entry.jobEnv).filter((key) => key.startsWith("MLFLOW_"))).toEqual([]);
});

describe.each(JOBS)("%s against an MLflow enforcing basic auth", (jobKey) => {
  const [workflow, job] = jobKey.split("/");
  const steps = byJob(workflow, job);
  const environment = steps[0].environment;

  it("succeeds, each step logged in as its own client, within that client's grants", async () => {
    await withServer(async (server, url) => {
      const results = await runJobSteps(steps, repositorySecrets(url, environment));
      for (const { entry, run } of results) {
        expect({ step: entry.name, ok: run.ok, log: run.ok ? "" : run.log }).toEqual({ step: entry.name, ok: true, log: "" });
      }
      const expectedUsers = new Set(EXPECTED.filter(([file, jobId]) => file === workflow && jobId === job).map(([, , , user]) => user));
      expect(server.calls.length).toBeGreaterThan(0);
      expect(new Set(server.calls.map((call) => call.user))).toEqual(expectedUsers);
      expect(server.calls.filter((call) => call.status === 401 || call.status === 403)).toEqual([]);
      if (jobKey === "deploy-service.yml/promote") expect(server.alias("production")).toBe("1");
    });
  });

  it("succeeds the same after an odd rotation, each step logged in as its client's twin", async () => {
    await withServer(async (server, url) => {
      const results = await runJobSteps(steps, repositorySecrets(url, environment, true));
      for (const { entry, run } of results) {
        expect({ step: entry.name, ok: run.ok, log: run.ok ? "" : run.log }).toEqual({ step: entry.name, ok: true, log: "" });
      }
      const expectedUsers = new Set(EXPECTED.filter(([file, jobId]) => file === workflow && jobId === job).map(([, , , user]) => `${user}_alt`));
      expect(new Set(server.calls.map((call) => call.user))).toEqual(expectedUsers);
      expect(server.calls.filter((call) => call.status === 401 || call.status === 403)).toEqual([]);
    });
  });

  const entry = (name: string) => steps.find((candidate) => candidate.name === name)!;
  it.each(steps.map((candidate) => candidate.name))("fails at %s with a wrong password, with none, and without a username", async (stepName) => {
    const index = steps.findIndex((entry) => entry.name === stepName);
    const user = EXPECTED.find(([file, jobId, name]) => file === workflow && jobId === job && name === stepName)![3];
    const secret = MLFLOW_CLIENTS.find((client) => client.username === user)!.githubSecret!;
    await withServer(async (server, url) => {
      // The steps before it run with the right login, so only this one's credential is at fault.
      const before = await runJobSteps(steps.slice(0, index), repositorySecrets(url, environment));
      expect(before.every(({ run }) => run.ok)).toBe(true);
      const published = repositorySecrets(url, environment);
      const wrong = await runJobSteps(steps.slice(0, index + 1), { ...published, secrets: { ...published.secrets, [secret]: "not-the-password" } });
      expect(wrong.at(-1)!.run.ok).toBe(false);
      expect(server.calls.some((call) => call.status === 401)).toBe(true);
      const missing = { ...published.secrets };
      delete missing[secret];
      const none = await runJobSteps(steps.slice(0, index + 1), { ...published, secrets: missing });
      expect(none.at(-1)!.run.ok).toBe(false);
      // Nor without the username's variable: the login changes with each rotation, so none is assumed.
      const variable = MLFLOW_CLIENTS.find((client) => client.username === user)!.githubUsernameVariable!;
      const vars = { ...published.vars };
      delete vars[variable];
      const nameless = await runJobSteps(steps.slice(0, index + 1), { ...published, vars });
      expect(nameless.at(-1)!.run.ok).toBe(false);
      // The platform's own steps say what is missing; the application's commands get MLflow's 401.
      if (String(entry(stepName).step.run ?? "").includes("mlflow_api()")) expect(nameless.at(-1)!.run.log).toContain("::error title=MLflow credentials missing::");
    });
  });
});

describe("deploy-service's model_version", () => {
  const validate = byJob("deploy-service.yml", "validate");

  it.each([
    ["a release, by its tag", "v1.2.3"],
    ["a registry version, as train-model's model card gives it", "1"],
  ])("finds %s", async (_, modelVersion) => {
    await withServer(async (_server, url) => {
      const [result] = await runJobSteps(validate, repositorySecrets(url), { model_version: modelVersion });
      expect({ ok: result!.run.ok, log: result!.run.ok ? "" : result!.run.log, outputs: result!.run.outputs }).toEqual({ ok: true, log: "", outputs: { registry_version: "1" } });
    });
  });

  it.each([
    ["a release nothing is tagged with", "v9.9.9", "has 0 versions tagged release=v9.9.9; expected exactly one."],
    ["a registry version that does not exist", "9", "has no registry version 9 (or the registry could not be read)."],
  ])("refuses %s, saying so", async (_, modelVersion, message) => {
    await withServer(async (_server, url) => {
      const [result] = await runJobSteps(validate, repositorySecrets(url), { model_version: modelVersion });
      expect(result!.run.ok).toBe(false);
      expect(result!.run.log).toContain(`::error title=Unknown model version::${MODEL_NAME} ${message}`);
    });
  });
});

describe.each(MLFLOW_CLIENTS.filter((client) => client.githubSecret && !client.githubEnvironment).map((client) => client.username))(
  "the %s login, which every branch's workflows can read",
  (username) => {
    it.each([
      ["move an alias", "Update the model registry"],
      ["register a version", "Register the model in the MLflow Model Registry"],
    ])("cannot %s", async (_, stepName) => {
      const writer = ALL.find((entry) => entry.name === stepName)!;
      const handoff = { ...writer, step: { ...writer.step, env: { ...writer.step.env, MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: PASSWORDS[username] } } };
      await withServer(async (server, url) => {
        const [result] = await runJobSteps([handoff], repositorySecrets(url));
        expect(result.run.ok).toBe(false);
        expect(server.calls.filter((call) => call.status !== 200).map((call) => [call.user, call.status])).toEqual([[username, 403]]);
        expect(server.alias("production")).toBeUndefined();
      });
    });
  },
);

it("puts every login that may write the registry in an environment that admits the default branch only", () => {
  const writers = MLFLOW_CLIENTS.filter((client) => client.permission !== "READ");
  expect(writers.map((client) => client.username)).toEqual(["registry"]);
  for (const client of writers) expect(client.githubEnvironment).toBe(REGISTRY_ENVIRONMENT.name);
  expect(REGISTRY_ENVIRONMENT.defaultBranchOnly).toBe(true);
  // And every step that uses it runs in that environment, on the default branch.
  for (const entry of ALL.filter((candidate) => clientOf(candidate) === "registry")) {
    expect([entry.workflow, entry.job, entry.environment]).toEqual([entry.workflow, entry.job, REGISTRY_ENVIRONMENT.name]);
  }
});
