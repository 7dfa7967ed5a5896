/**
 * This repository's own workflows (.github/workflows): rendered from workflows/platform, in sync
 * with their source, valid for the same three validators as the application's, and doing what
 * docs/delivery.md says: previews with one comment, staged updates one at a time, drift issues.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { COMMENT_MARKER } from "../contracts/pr-comment";
import { PLATFORM_WORKFLOWS_PATH, renderedPlatformWorkflows } from "../tools/render-workflows";
import { platformSettings } from "../workflows/platform";
import { describeValidators, runBlocks } from "./workflow-validators";
import { Comment, Issue, World, runJob } from "./workflow-runner";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const files = renderedPlatformWorkflows();
const parsed = new Map<string, Doc>();
/** A workflow, parsed once: each call gets its own copy, which a test may change. */
const doc = (name: string): Doc => {
  if (!parsed.has(name)) parsed.set(name, parse(files.get(name) as string));
  return structuredClone(parsed.get(name));
};
const FIXTURES = path.join(__dirname, "fixtures", "previews");
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));

it("renders preview, up, drift, disaster recovery, credential rotation and the pin updater", () => {
  expect([...files.keys()].sort()).toEqual(["disaster-recovery.yml", "drift.yml", "preview.yml", "rotate-credentials.yml", "up.yml", "update-actions.yml"]);
});

it("keeps .github/workflows in sync with workflows/platform (npm run gen:workflows)", () => {
  for (const [name, content] of files) {
    expect({ file: name, content: fs.readFileSync(path.join(PLATFORM_WORKFLOWS_PATH, name), "utf8") }).toEqual({ file: name, content });
  }
});

describeValidators(files);


describe("least privilege", () => {
  const jobs = [...files.keys()].flatMap((name) => Object.entries(doc(name).jobs).map(([id, job]) => [name, id, job] as [string, string, Doc]));

  it("grants nothing at the top; every job declares its permissions and a timeout", () => {
    for (const name of files.keys()) expect({ name, permissions: doc(name).permissions }).toEqual({ name, permissions: {} });
    for (const [name, id, job] of jobs) {
      expect({ name, id, permissions: job.permissions !== undefined, timeout: job["timeout-minutes"] > 0 }).toEqual({ name, id, permissions: true, timeout: true });
    }
  });

  it("pins every action to a full commit SHA and holds no cloud keys", () => {
    for (const [, , job] of jobs) for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    for (const content of files.values()) expect(content).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN/);
  });

  it("gives the App's key to the update step alone, never to a whole job", () => {
    for (const [name, id, job] of jobs) {
      expect({ name, id, jobEnv: JSON.stringify(job.env ?? {}).includes("PLATFORM_APP_PRIVATE_KEY") }).toEqual({ name, id, jobEnv: false });
      for (const step of job.steps as Doc[]) {
        if (JSON.stringify(step).includes("secrets.PLATFORM_APP_PRIVATE_KEY")) expect({ name, id, step: step.id }).toEqual({ name, id, step: "up" });
      }
    }
  });

  it("gives the App that may change the application repository only to jobs of a protected environment", () => {
    for (const [name, id, job] of jobs) {
      const usesPlatformKey = JSON.stringify(job).includes("secrets.PLATFORM_APP_PRIVATE_KEY");
      expect({ name, id, usesPlatformKey, environment: usesPlatformKey ? job.environment?.name : undefined }).toEqual({
        name,
        id,
        usesPlatformKey,
        // Disaster recovery picks the environment from a choice of the two.
        environment: usesPlatformKey ? expect.stringMatching(/^(staging|production|\$\{\{ inputs\.environment \}\})$/) : undefined,
      });
    }
  });

  it("keeps the update App's key out of every job that installs or runs npm's packages", () => {
    // Such a job runs third-party code (install scripts, the tools' dependencies), which could leave
    // a process behind to read a key that arrives later in the job.
    for (const [name, id, job] of jobs) {
      if (!JSON.stringify(job).includes("secrets.UPDATE_ACTIONS_APP_PRIVATE_KEY")) continue;
      const npm = (job.steps as Doc[]).filter((step) => step.uses?.startsWith("actions/setup-node@") || /^\s*(npm|npx|node)\s/m.test(step.run ?? "")).map((step) => step.name);
      expect({ name, id, npm }).toEqual({ name, id, npm: [] });
    }
    expect(jobs.filter(([, , job]) => JSON.stringify(job).includes("secrets.UPDATE_ACTIONS_APP_PRIVATE_KEY")).map(([name, id]) => `${name} ${id}`)).toEqual(["update-actions.yml pull-request"]);
  });

  it("runs every preview and update with the policy pack", () => {
    const commands = [...files.values()].flatMap((content) => runBlocks(content).map((block) => block.script)).filter((script) => /pulumi (preview|up) /.test(script));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const command of commands) expect(command).toContain("--policy-pack policy");
  });
});

describe("preview.yml", () => {
  const preview = () => doc("preview.yml");

  it("previews every stack of a same-repository pull request in parallel, superseded by the next push", () => {
    expect(preview().on).toEqual({ pull_request: { branches: ["main"] } });
    expect(preview().concurrency).toEqual({ group: "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    const job = preview().jobs.preview;
    expect(job.strategy).toEqual({ matrix: { stack: ["staging", "production"] }, "fail-fast": false });
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(job.steps.find((step: Doc) => step.uses?.startsWith("aws-actions/")).with["role-to-assume"]).toBe("${{ vars.PULUMI_PREVIEW_ROLE_ARN }}");
    // Drift refreshes (reading secret versions) and exports state: a role of its own, main's only.
    const drift = doc("drift.yml").jobs.drift;
    expect(drift.steps.find((step: Doc) => step.uses?.startsWith("aws-actions/")).with["role-to-assume"]).toBe("${{ vars.PULUMI_DRIFT_ROLE_ARN }}");
  });

  it("comments once, after every preview, with the comment tool, as the only job that may write to the pull request", () => {
    const job = preview().jobs.comment;
    expect(job.needs).toEqual(["preview"]);
    expect(job.if).toContain("!cancelled()");
    expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(job.env.STACKS).toBe("staging production");
    expect(JSON.stringify(job.steps)).toContain("npm run -s pr-comment");
  });
});

describe("up.yml", () => {
  const up = () => doc("up.yml");

  it("updates staging on merge, then production behind its environment's approval", () => {
    expect(up().on).toEqual({ push: { branches: ["main"] }, workflow_dispatch: null });
    expect(Object.keys(up().jobs)).toEqual(["up-staging", "up-production"]);
    expect(up().jobs["up-staging"].needs).toBeUndefined();
    expect(up().jobs["up-production"].needs).toEqual(["up-staging"]);
    expect(up().jobs["up-staging"].environment.name).toBe("staging");
    expect(up().jobs["up-production"].environment.name).toBe("production");
  });

  it("never runs two updates of one stack at once, and never cancels one halfway", () => {
    expect(up().jobs["up-staging"].concurrency).toEqual({ group: "pulumi-staging", "cancel-in-progress": false });
    expect(up().jobs["up-production"].concurrency).toEqual({ group: "pulumi-production", "cancel-in-progress": false });
    // Drift has a group of its own: queued in the updates' group, it would replace a pending update.
    expect(doc("drift.yml").jobs.drift.concurrency).toEqual({ group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
  });

  it("updates and rebuilds from main only, whoever dispatches them", () => {
    for (const job of Object.values(up().jobs) as Doc[]) expect(job.if).toBe("github.ref == 'refs/heads/main'");
    expect(doc("disaster-recovery.yml").jobs.rebuild.if).toBe("github.ref == 'refs/heads/main'");
  });

  it("runs Pulumi where the database can be reached: the runner the repository names, GitHub's otherwise", () => {
    const pulumiJobs = [doc("preview.yml").jobs.preview, ...Object.values(up().jobs), doc("drift.yml").jobs.drift, doc("disaster-recovery.yml").jobs.rebuild] as Doc[];
    // Fresh hosted machines: nothing a pull request's preview leaves behind reaches an update.
    for (const job of pulumiJobs) expect(job["runs-on"]).toBe("ubuntu-24.04");
  });

  it("exports the state after the update, failed or not", () => {
    const steps = up().jobs["up-production"].steps;
    const names = steps.map((step: Doc) => step.name);
    expect(names.indexOf("Export the stack's state")).toBeGreaterThan(names.indexOf("pulumi up --stack production"));
    expect(steps.find((step: Doc) => step.name === "Export the stack's state").if).toBe("!cancelled() && steps.up.outcome != 'skipped'");
  });

  it("installs the Pulumi CLI of the SDK's own version, checked against the release's checksums", () => {
    const install = up().jobs["up-staging"].steps.find((step: Doc) => String(step.name).startsWith("Install the Pulumi CLI"));
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    expect(install.env.PULUMI_VERSION).toBe(manifest.dependencies["@pulumi/pulumi"]);
    expect(install.run).toContain("sha256sum --check --strict");
  });
});

describe("platformSettings", () => {
  it("orders stacks staging first whatever the file order", () => {
    const settings = platformSettings(
      [
        { name: "production", environment: "production", applicationRepository: "o/r" },
        { name: "staging", environment: "staging", applicationRepository: "o/r" },
      ],
      "3.248.0",
    );
    expect(settings.stacks.map((stack) => stack.name)).toEqual(["staging", "production"]);
  });

  it("rejects what a workflow cannot run, naming each problem", () => {
    expect(() => platformSettings([{ name: "prod/eu", environment: "production", applicationRepository: "o/r" }], "^3.0.0")).toThrow(
      "Cannot render this repository's workflows:\n" +
        "  • Stack name `prod/eu` has characters a workflow job id cannot carry; use letters, digits, '-' or '_'.\n" +
        "  • Pulumi version `^3.0.0` is not a release (x.y.z); pin @pulumi/pulumi to an exact version in package.json.",
    );
    expect(() => platformSettings([], "3.248.0")).toThrow("No stack files (Pulumi.<stack>.yaml): there is nothing to preview or update.");
  });
});

/** A world with nothing but the fake Pulumi's answer. */
function pulumiWorld(preview: unknown, previewExitCode: number): World {
  return {
    clock: 1_800_000_000,
    services: {},
    schedules: {},
    taskDefinitions: {},
    tasks: {},
    trialExitCode: 0,
    alarmsFiring: [],
    http: {},
    registryAliases: {},
    promotedTags: {},
    pulumi: { preview, previewExitCode },
    calls: [],
  };
}

/**
 * Jobs of this file that run a command of this checkout with the same arguments and files run it
 * once (RunJobOptions.npmMemo): the drift nights and comments of the same previews, the successful
 * rebuild and the one whose health check fails (one synth and one rebuild plan, each a whole
 * program run). Each job still runs every step.
 */
let npmMemo: string;
beforeAll(() => {
  npmMemo = fs.mkdtempSync(path.join(os.tmpdir(), "platform-workflows-npm-"));
});
afterAll(() => {
  fs.rmSync(npmMemo, { recursive: true, force: true });
});

const INSTALLERS = ["Install the Pulumi CLI " + JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).dependencies["@pulumi/pulumi"]];

describe("drift.yml, run", () => {
  const drift = (preview: unknown, exitCode: number, issues: Issue[] = []) =>
    runJob({
      workflow: doc("drift.yml"),
      job: "drift",
      matrix: { stack: "staging" },
      vars: { PULUMI_STATE_BACKUP_URI: "s3://state-backups/mlops-cicd" },
      world: pulumiWorld(preview, exitCode),
      issues,
      stubbed: INSTALLERS,
      npmMemo,
    });

  it("opens one drift issue with what differs, fails the run, and still backs up the state", async () => {
    const result = await drift(fixture("every-op.json"), 255);
    expect(result.status).toBe("failure");
    expect(result.step("Fail on drift").outcome).toBe("failure");
    expect(result.issues).toHaveLength(1);
    const [issue] = result.issues;
    expect(issue.title).toBe("Drift in stack staging");
    expect(issue.labels).toEqual(["drift"]);
    expect(issue.body.split("\n")[0]).toBe("<!-- mlops-cicd drift: staging -->");
    expect(issue.body).toContain(COMMENT_MARKER);
    expect(result.world.pulumi?.exports).toEqual(["staging"]);
    expect(Object.keys(result.world.s3 ?? {})).toEqual(["s3://state-backups/mlops-cicd/staging/"]);
  });

  it("keeps state exports out of run artifacts, which anyone who can read the repository can download", async () => {
    const result = await runJob({ workflow: doc("drift.yml"), job: "drift", matrix: { stack: "staging" }, world: pulumiWorld(fixture("no-changes.json"), 0), stubbed: INSTALLERS, npmMemo });
    expect(result.step("Export the stack's state").log).toContain("::warning title=No state backup::PULUMI_STATE_BACKUP_URI is not set");
    expect(result.world.pulumi?.exports ?? []).toEqual([]);
    for (const file of ["drift.yml", "up.yml", "disaster-recovery.yml"]) expect(JSON.stringify(doc(file))).not.toMatch(/state-backup\/|"name":"state-/);
  });

  it("comments on the open drift issue the next night instead of opening another", async () => {
    const open: Issue = { number: 7, title: "Drift in stack staging", body: "<!-- mlops-cicd drift: staging -->\nbefore", labels: ["drift"], state: "open", comments: [] };
    const result = await drift(fixture("every-op.json"), 255, [open]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0].comments).toHaveLength(1);
  });

  it("closes the drift issue when the drift is gone, and passes", async () => {
    const open: Issue = { number: 7, title: "Drift in stack staging", body: "<!-- mlops-cicd drift: staging -->\nbefore", labels: ["drift"], state: "open", comments: [] };
    const result = await drift(fixture("no-changes.json"), 0, [open]);
    expect(result.status).toBe("success");
    expect(result.issues[0].state).toBe("closed");
    expect(result.issues[0].comments[0]).toContain("No drift in **staging** any more");
  });

  it("treats a preview that failed without saying why in its JSON as a failed run, not as a quiet night", async () => {
    // Policy violations are not part of the engine's JSON: a preview failed by one has no error in it.
    const open: Issue = { number: 7, title: "Drift in stack staging", body: "<!-- mlops-cicd drift: staging -->\nbefore", labels: ["drift"], state: "open", comments: [] };
    const result = await drift(fixture("no-changes.json"), 255, [open]);
    expect(result.status).toBe("failure");
    expect(result.step("Open, update or close the drift issue").outcome).toBe("skipped");
    expect(result.issues[0]).toEqual(open);
  });

  it("skips the night while an update of the stack runs or waits, and touches nothing", async () => {
    const result = await runJob({
      workflow: doc("drift.yml"),
      job: "drift",
      matrix: { stack: "staging" },
      world: { ...pulumiWorld(fixture("every-op.json"), 255), updateRuns: ["completed", "in_progress"] },
      stubbed: INSTALLERS,
    });
    expect(result.status).toBe("success");
    expect(result.step("Skip the night when the stack is being updated").log).toContain("::notice::An update is running or waiting: no drift check tonight.");
    expect(result.world.calls.filter((call) => call[0] === "pulumi")).toEqual([]);
    expect(result.issues).toEqual([]);
  });

  it("treats a failed preview as a failed run, not as drift: the issue is left alone", async () => {
    const open: Issue = { number: 7, title: "Drift in stack staging", body: "<!-- mlops-cicd drift: staging -->\nbefore", labels: ["drift"], state: "open", comments: [] };
    const result = await drift(fixture("failed.json"), 255, [open]);
    expect(result.status).toBe("failure");
    expect(result.step("Decide: drift, no drift, or a failed preview").log).toContain("::error::The drift preview of staging failed (exit code 255)");
    expect(result.step("Open, update or close the drift issue").outcome).toBe("skipped");
    expect(result.issues[0]).toEqual(open);
  });
});

it("writes the comment with the base branch's code, never the pull request's: that job can write to the pull request", () => {
  const job = doc("preview.yml").jobs.comment;
  expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  const checkouts = job.steps.filter((step: Doc) => String(step.uses ?? "").startsWith("actions/checkout@"));
  expect(checkouts.map((step: Doc) => step.with)).toEqual([{ "persist-credentials": false, ref: "${{ github.event.pull_request.base.sha }}" }]);
});

describe("rotate-credentials.yml", () => {
  const rotate = () => doc("rotate-credentials.yml");
  const DECIDE = "Decide from the stack's last rotation and its period";
  /** The fake clock's day (1_800_000_000 s). */
  const TODAY = "2027-01-15";
  const status = (generation: number, rotatedOn: string | null, periodDays = 90) => ({ credentialRotation: { generation, rotatedOn, periodDays, current: generation % 2 === 0 ? "primary" : "alternate" } });
  const decide = (outputs: unknown, force = "") =>
    runJob({
      workflow: rotate(),
      job: "due-staging",
      inputs: { force },
      world: { ...pulumiWorld(null, 0), pulumi: { preview: null, previewExitCode: 0, outputs } },
      stubbed: INSTALLERS,
    });
  /** MLflow's and Grafana's task definitions and services, each running `running` of the latest 3 revisions. */
  const platformServices = (running: Record<string, number> = {}, rolloutState: Record<string, string> = {}) => {
    const arn = (name: string, revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/mlops-cicd-production-${name}:${revision}`;
    const taskDefinitions: Record<string, Doc> = {};
    const services: World["services"] = {};
    for (const name of ["mlflow", "grafana"]) {
      for (const revision of [1, 2, 3]) {
        taskDefinitions[arn(name, revision)] = { family: `mlops-cicd-production-${name}`, revision, status: "ACTIVE", taskDefinitionArn: arn(name, revision) };
      }
      services[`mlops-cicd-production-${name}`] = { taskDefinition: arn(name, running[name] ?? 3), rolloutState: rolloutState[name] };
    }
    return { taskDefinitions, services };
  };
  const rotation = (outputs: unknown, outputsAfterUp: unknown, generation = "8", rotatedOn = TODAY, services = platformServices()) =>
    runJob({
      workflow: rotate(),
      job: "rotate-production",
      needs: { "due-production": { outputs: { due: "true", generation, rotated_on: rotatedOn } } },
      vars: { PULUMI_STATE_BACKUP_URI: "s3://state-backups/mlops-cicd" },
      world: { ...pulumiWorld(null, 0), ...services, pulumi: { preview: null, previewExitCode: 0, outputs, outputsAfterUp } },
      stubbed: INSTALLERS,
    });
  const WAIT = "Wait for MLflow and Grafana to run the new credentials";

  it("runs every day and on demand, one run at a time, from main only", () => {
    expect(rotate().on).toEqual({
      schedule: [{ cron: "43 5 * * *" }],
      workflow_dispatch: { inputs: { force: { description: expect.stringContaining("Rotate now"), required: false, type: "boolean", default: false } } },
    });
    expect(rotate().concurrency).toEqual({ group: "rotate-credentials", "cancel-in-progress": false });
    expect(Object.keys(rotate().jobs)).toEqual(["due-staging", "rotate-staging", "due-production", "rotate-production"]);
    for (const job of Object.values(rotate().jobs) as Doc[]) expect(job.if).toMatch(/^github\.ref == 'refs\/heads\/main'/);
  });

  it("decides with the read-only role and no environment; rotates behind the stack's environment and lock, as an update", () => {
    const due = rotate().jobs["due-production"];
    expect(due.environment).toBeUndefined();
    expect(due.concurrency).toBeUndefined();
    expect(JSON.stringify(due)).toContain("vars.PULUMI_DRIFT_ROLE_ARN");
    expect(JSON.stringify(due)).not.toContain("PLATFORM_APP_PRIVATE_KEY");
    const job = rotate().jobs["rotate-production"];
    expect(job.needs).toEqual(["due-production"]);
    expect(job.if).toBe("github.ref == 'refs/heads/main' && needs.due-production.outputs.due == 'true'");
    expect(job.environment.name).toBe("production");
    expect(job.concurrency).toEqual({ group: "pulumi-production", "cancel-in-progress": false });
    expect(JSON.stringify(job)).toContain("vars.PULUMI_DEPLOY_ROLE_ARN");
    // The decision reaches the script through env, never spliced into it.
    const up = job.steps.find((step: Doc) => step.id === "up");
    expect(up.env).toMatchObject({ CREDENTIAL_GENERATION: "${{ needs.due-production.outputs.generation }}", CREDENTIAL_ROTATED_ON: "${{ needs.due-production.outputs.rotated_on }}" });
    expect(up.run).not.toContain("${{");
  });

  it.each([
    ["never rotated", status(0, null), "", "true", "never rotated"],
    ["a period old", status(4, "2026-10-17"), "", "true", "last rotated on 2026-10-17, 90 of 90 days ago"],
    ["a day short of its period", status(4, "2026-10-18"), "", "false", "last rotated on 2026-10-18, 89 of 90 days ago"],
    ["not due but asked for by hand", status(4, "2027-01-01"), "true", "true", "14 of 90 days ago; rotation asked for by hand"],
    ["rotated today, even when asked for", status(5, TODAY), "true", "false", "already rotated today"],
  ])("decides a stack %s", async (_name, outputs, force, expected, reason) => {
    const result = await decide(outputs, force);
    expect(result.status).toBe("success");
    const current = (outputs.credentialRotation as { generation: number }).generation;
    expect(result.step(DECIDE).outputs).toEqual({ due: expected, generation: String(current + 1), rotated_on: TODAY });
    expect(result.step(DECIDE).log).toContain(reason);
    // Deciding never updates anything.
    expect(result.world.pulumi?.updates ?? []).toEqual([]);
  });

  it("fails, saying what to do, on a stack that has no rotation state yet", async () => {
    const result = await decide({ mlflowUrl: "https://mlflow.example.com" });
    expect(result.status).toBe("failure");
    expect(result.step(DECIDE).log).toContain("::error title=No rotation state::staging has no stack output credentialRotation: run up.yml on main first");
  });

  it("fails on a rotation state it cannot read rather than guessing", async () => {
    const result = await decide({ credentialRotation: { generation: "4", rotatedOn: "yesterday", periodDays: 90 } });
    expect(result.status).toBe("failure");
    expect(result.step(DECIDE).log).toContain("::error title=Unreadable rotation state::");
  });

  it("updates the stack with the next generation for that run only, checks the stack recorded it, and backs up the state", async () => {
    const result = await rotation(status(7, "2026-10-10"), status(8, TODAY));
    expect(result.status).toBe("success");
    expect(result.world.pulumi?.updates).toEqual([
      { stack: "production", config: ["mlops-cicd:credentialGeneration=8", `mlops-cicd:credentialRotatedOn=${TODAY}`] },
    ]);
    expect(result.summary).toContain("production: generation 8 is current (primary logins)");
    expect(result.step(WAIT).log).toContain("mlops-cicd-production-grafana runs arn:aws:ecs:eu-west-1:123456789012:task-definition/mlops-cicd-production-grafana:3.");
    expect(result.world.pulumi?.exports).toEqual(["production"]);
  });

  it("fails when ECS rolled a service back from the new credentials: it still logs in with the login the next rotation replaces", async () => {
    const result = await rotation(status(7, "2026-10-10"), status(8, TODAY), "8", TODAY, platformServices({}, { grafana: "FAILED" }));
    expect(result.status).toBe("failure");
    expect(result.step(WAIT).log).toContain("::error title=Rollout failed::ECS rolled mlops-cicd-production-grafana back from");
    // The state is still backed up: it is what a recovery starts from.
    expect(result.world.pulumi?.exports).toEqual(["production"]);
  });

  it("refuses to rotate while a service runs an older revision than its latest, before touching the stack", async () => {
    const result = await rotation(status(7, "2026-10-10"), status(8, TODAY), "8", TODAY, platformServices({ mlflow: 2 }));
    expect(result.status).toBe("failure");
    expect(result.step("pulumi up --stack production with the next credential generation").log).toContain(
      "::error title=Service behind::mlops-cicd-production-mlflow runs arn:aws:ecs:eu-west-1:123456789012:task-definition/mlops-cicd-production-mlflow:2, not its latest revision",
    );
    expect(result.world.pulumi?.updates ?? []).toEqual([]);
  });

  it("changes nothing when the stack moved on since the decision: skipping a generation would change the password in use", async () => {
    const result = await rotation(status(8, TODAY), status(9, TODAY), "8");
    expect(result.status).toBe("failure");
    expect(result.step("pulumi up --stack production with the next credential generation").log).toContain("production is at generation 8, not 7, since the rotation was decided");
    expect(result.world.pulumi?.updates ?? []).toEqual([]);
  });

  it("fails when the update did not leave the stack at the new generation", async () => {
    const result = await rotation(status(7, "2026-10-10"), status(7, "2026-10-10"));
    expect(result.status).toBe("failure");
    expect(result.step("pulumi up --stack production with the next credential generation").log).toContain("::error title=Rotation not recorded::");
  });

  it.each([
    ["a generation that is no number", "8; rm -rf /", TODAY],
    ["a date that is no date", "8", "soon"],
  ])("refuses %s before touching the stack", async (_name, generation, rotatedOn) => {
    const result = await rotation(status(7, "2026-10-10"), status(8, TODAY), generation, rotatedOn);
    expect(result.status).toBe("failure");
    expect(result.step("pulumi up --stack production with the next credential generation").log).toContain("::error title=Invalid rotation::");
    // Only the state backup that follows every update attempt.
    expect(result.world.calls.filter((call) => call[0] === "pulumi").map((call) => call.slice(1, 3).join(" "))).toEqual(["stack export"]);
  });
});

describe("preview.yml's comment job, run", () => {
  const comment = (previews: Record<string, unknown>, comments: Comment[]) =>
    runJob({
      workflow: doc("preview.yml"),
      job: "comment",
      world: pulumiWorld({}, 0),
      comments,
      event: { pull_request: { number: 42 } },
      npmMemo,
      // What each preview job uploaded: its artifact, holding the one file it wrote.
      artifacts: Object.fromEntries(Object.entries(previews).map(([stack, json]) => [`preview-${stack}`, { [`preview-${stack}.json`]: JSON.stringify(json) }])),
    });

  it("creates the comment once, then edits that same comment on the next push", async () => {
    const comments: Comment[] = [{ id: 1, issueNumber: 42, body: `${COMMENT_MARKER}-other\nsomeone else's` }];
    const first = await comment({ staging: fixture("every-op.json"), production: fixture("no-changes.json") }, comments);
    expect(first.status).toBe("success");
    expect(comments).toHaveLength(2);
    expect(comments[1].body.split("\n")[0]).toBe(COMMENT_MARKER);
    const firstBody = comments[1].body;
    const second = await comment({ staging: fixture("no-changes.json"), production: fixture("no-changes.json") }, comments);
    expect(second.status).toBe("success");
    expect(comments).toHaveLength(2);
    expect(comments[0].body).toBe(`${COMMENT_MARKER}-other\nsomeone else's`);
    expect(comments[1].body).not.toBe(firstBody);
    expect(comments[1].body.split("\n")[0]).toBe(COMMENT_MARKER);
  });

  it("never adopts a comment someone else started with the marker: it writes its own", async () => {
    const forged: Comment = { id: 1, issueNumber: 42, body: `${COMMENT_MARKER}\nNo changes: staging, production are up to date.`, user: { login: "mallory" } };
    const comments: Comment[] = [forged];
    const result = await comment({ staging: fixture("every-op.json"), production: fixture("no-changes.json") }, comments);
    expect(result.status).toBe("success");
    expect(comments).toHaveLength(2);
    expect(comments[0]).toEqual({ id: 1, issueNumber: 42, body: `${COMMENT_MARKER}\nNo changes: staging, production are up to date.`, user: { login: "mallory" } });
    expect(comments[1].user).toEqual({ login: "github-actions[bot]" });
    expect(comments[1].body).not.toContain("No changes: staging, production are up to date.");
  });

  it("finds the one preview that was uploaded where it finds several: download-artifact unpacks a single match differently", async () => {
    const comments: Comment[] = [];
    const result = await comment({ production: fixture("every-op.json") }, comments);
    expect(result.status).toBe("success");
    expect(comments[0].body).toContain("The preview job stopped before the preview ran");
    expect(comments[0].body.match(/The preview job stopped before the preview ran/g)).toHaveLength(1);
  });

  it("shows a stack whose preview job stopped early as failed instead of leaving it out", async () => {
    const comments: Comment[] = [];
    const result = await comment({ staging: fixture("no-changes.json") }, comments);
    expect(result.status).toBe("success");
    expect(comments[0].body).toContain("production");
    expect(comments[0].body).toContain("The preview job stopped before the preview ran");
  });
});

describe("upsertPullRequestComment", () => {
  it("refuses a body that does not start with the marker line: it could never be found again", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { upsertPullRequestComment } = require("../workflows/scripts/upsert-pr-comment.js");
    await expect(
      upsertPullRequestComment({ github: {}, context: { repo: { owner: "o", repo: "r" } }, core: { info: () => undefined } }, { issueNumber: 1, marker: COMMENT_MARKER, body: "hello", author: "github-actions[bot]" }),
    ).rejects.toThrow(`The comment body must start with the marker line ${COMMENT_MARKER}.`);
  });
});

describe("disaster-recovery.yml, run", () => {
  const REBUILD_CONFIG = fs.readFileSync(path.join(__dirname, "fixtures", "rebuild", "Pulumi.production-dr.yaml"), "utf8");
  const GHCR_TOKEN = "ghp_rebuildTokenThatMustNotLeak0000000000";
  const GHCR_PULL_TOKEN = "ghp_rebuildPullTokenThatMustNotLeak000000";
  const OUTPUTS = {
    loadBalancerDnsName: "services-dr.eu-central-1.elb.amazonaws.com",
    mlflowUrl: "https://mlflow.example.com",
    grafanaUrl: "https://grafana.example.com",
    webServiceUrl: "https://api.example.com",
  };
  const healthy = { "GET /health": { status: 200, body: "OK" }, "GET /api/health": { status: 200, body: { database: "ok" } } };
  const LOST_URNS = [
    "urn:pulumi:production::mlops-cicd::mlops-cicd:github:DeploymentEnvironment::production",
    "urn:pulumi:production::mlops-cicd::mlops-cicd:github:RepositorySettings::repository",
  ];
  const LOST_STATE = {
    version: 3,
    deployment: {
      resources: [
        { urn: "urn:pulumi:production::mlops-cicd::pulumi:pulumi:Stack::mlops-cicd-production", type: "pulumi:pulumi:Stack" },
        { urn: LOST_URNS[0], type: "mlops-cicd:github:DeploymentEnvironment" },
        { urn: `${LOST_URNS[0]}$github:index/repositoryEnvironment:RepositoryEnvironment::production`, type: "github:index/repositoryEnvironment:RepositoryEnvironment" },
        { urn: LOST_URNS[1], type: "mlops-cicd:github:RepositorySettings" },
        { urn: "urn:pulumi:production::mlops-cicd::mlops-cicd:database:PostgresInstance::database", type: "mlops-cicd:database:PostgresInstance" },
      ],
    },
  };
  const rebuild = (region: string, http: World["http"], takeOverFrom = "", configFile = "recovery/Pulumi.production-dr.yaml", config = REBUILD_CONFIG) =>
    runJob({
      npmMemo,
      workflow: doc("disaster-recovery.yml"),
      job: "rebuild",
      inputs: { stack: "production-dr", environment: "production", config_file: configFile, region, take_over_from: takeOverFrom },
      vars: { PULUMI_STATE_BACKUP_URI: "s3://state-backups/mlops-cicd" },
      secrets: { GHCR_TOKEN, GHCR_PULL_TOKEN },
      world: { ...pulumiWorld({}, 0), http, pulumi: { preview: {}, previewExitCode: 0, outputs: OUTPUTS, stacks: ["production"], states: { production: LOST_STATE } } },
      workspaceFiles: { [configFile.replace(/^\/+/, "")]: config },
      stubbed: INSTALLERS,
    });

  it.each(["../Pulumi.production.yaml", "/etc/hostname.yaml", "recovery/../../x.yaml", "recovery/.hidden.yaml"])(
    "refuses config_file %s: a relative path inside the checkout only",
    async (configFile) => {
      const result = await rebuild("eu-central-1", healthy, "", configFile);
      expect(result.status).toBe("failure");
      expect(result.step("Validate config_file").log).toContain("::error title=Invalid input::config_file must be a relative path to a YAML file in this repository");
      expect(result.world.calls.filter((call) => call[0] === "pulumi")).toEqual([]);
    },
  );

  it("refuses a secrets provider that spans lines, which would write variables of its own into GITHUB_ENV", async () => {
    const hostile = REBUILD_CONFIG.replace(/^secretsprovider: .*$/m, 'secretsprovider: "awskms://mrk-1?region=eu-central-1\\nNODE_OPTIONS=--require /tmp/evil.js"');
    expect(hostile).not.toBe(REBUILD_CONFIG);
    const result = await rebuild("eu-central-1", healthy, "", "recovery/Pulumi.production-dr.yaml", hostile);
    expect(result.status).toBe("failure");
    expect(result.step("Check the rebuild config offline").log).toContain("names no KMS secrets provider (secretsprovider: awskms://… on one line)");
    expect(result.world.calls.filter((call) => call[0] === "pulumi")).toEqual([]);
  });

  it("checks the config offline, plans, rebuilds, hands the secrets over on standard input, and checks health through the new load balancer", async () => {
    const result = await rebuild("eu-central-1", healthy, "production");
    expect(result.status).toBe("success");
    expect(result.summary).toContain("## Rebuild plan of production-dr");
    expect(result.summary).toContain("Point the DNS names at `services-dr.eu-central-1.elb.amazonaws.com`");
    expect(result.world.pulumi?.stacks).toEqual(["production", "production-dr"]);
    // The stack encrypts with the rebuild config's KMS key, not a passphrase nobody holds.
    expect(result.world.pulumi?.secretsProviders).toEqual({ "production-dr": "awskms://mrk-1234abcd12ab34cd56ef1234567890ab?region=eu-central-1" });
    // GitHub's objects move over from the lost stack, components with their children.
    expect(result.world.pulumi?.moved).toEqual([{ from: "production", to: "production-dr", urns: LOST_URNS }]);
    expect(result.world.calls.find((call) => call[1] === "up")).toContain("--continue-on-error");
    expect(result.world.pulumi?.secrets).toEqual({ "mlops-cicd:ghcrToken": GHCR_TOKEN, "mlops-cicd:ghcrPullToken": GHCR_PULL_TOKEN });
    expect(JSON.stringify(result.world.calls)).not.toContain(GHCR_TOKEN);
    expect(JSON.stringify(result.world.calls)).not.toContain(GHCR_PULL_TOKEN);
    const health = result.world.calls.filter((call) => call[0] === "curl");
    expect(health.map((call) => call.at(-1))).toEqual(["https://mlflow.example.com/health", "https://grafana.example.com/api/health", "https://api.example.com/health"]);
    for (const call of health) expect(call).toContain(`${new URL(call.at(-1) as string).hostname}:443:services-dr.eu-central-1.elb.amazonaws.com:443`);
    // The lost stack's state is read for the take-over; the rebuilt stack's is backed up.
    expect(result.world.pulumi?.exports).toEqual(["production", "production-dr"]);
  }, 60_000);

  it("refuses a region the config does not rebuild in, before anything is created", async () => {
    const result = await rebuild("us-east-1", healthy);
    expect(result.status).toBe("failure");
    expect(result.step("Check the rebuild config offline").log).toContain(
      "::error::recovery/Pulumi.production-dr.yaml rebuilds in 'eu-central-1', not in us-east-1: set mlops-cicd:awsRegion there, or dispatch with that region.",
    );
    expect(result.world.calls.filter((call) => call[0] === "pulumi")).toEqual([]);
  });

  it("fails, naming the service, when a rebuilt service does not answer", async () => {
    const result = await rebuild("eu-central-1", { ...healthy, "GET /api/health": { status: 503, body: "" } });
    expect(result.step("Take over GitHub from the lost stack").outcome).toBe("skipped");
    expect(result.status).toBe("failure");
    expect(result.step("Health checks").log).toContain("::error::No healthy answer from https://grafana.example.com/api/health through services-dr.eu-central-1.elb.amazonaws.com.");
  }, 60_000);
});

it("takes over from a lost stack exactly the components that hold GitHub's objects in the program", async () => {
  const { GITHUB_COMPONENTS } = await import("../workflows/platform/disaster-recovery");
  const { runProgram } = await import("./harness");
  const run = await runProgram("production");
  const githubChildren = run.resources.filter((resource) => resource.type.startsWith("github:index/") && resource.custom);
  // Every GitHub resource of the stack sits under one of those components.
  const parents = new Map(run.resources.map((resource) => [resource.urn, resource]));
  const holder = (urn: string): string | undefined => {
    let current = parents.get(urn);
    while (current && !(GITHUB_COMPONENTS as readonly string[]).includes(current.type)) current = current.parent ? parents.get(current.parent) : undefined;
    return current?.type;
  };
  expect(githubChildren.length).toBeGreaterThan(10);
  for (const resource of githubChildren) expect({ urn: resource.urn, holder: holder(resource.urn) !== undefined }).toEqual({ urn: resource.urn, holder: true });
});

describe("preview.yml's preview job, run", () => {
  const previewRun = (preview: unknown, exitCode: number) =>
    runJob({
      workflow: doc("preview.yml"),
      job: "preview",
      matrix: { stack: "production" },
      world: pulumiWorld(preview, exitCode),
      stubbed: INSTALLERS,
      collect: ["preview-production.json"],
    });

  it("explains a failure its JSON does not: the end of the log becomes an error the comment shows", async () => {
    const result = await previewRun(fixture("every-op.json"), 255);
    expect(result.status).toBe("failure");
    expect(result.step("Fail when the preview failed").log).toContain("::error::The preview failed (exit code 255)");
    const written = JSON.parse(result.files["preview-production.json"] as string);
    expect(written.diagnostics.at(-1)).toEqual({
      severity: "error",
      message: "pulumi preview exited with code 255 without an error in its JSON output. The end of its log:\nerror: preview failed\n",
    });
  });

  it("leaves a successful preview's JSON as the engine wrote it", async () => {
    const result = await previewRun(fixture("every-op.json"), 0);
    expect(result.status).toBe("success");
    expect(JSON.parse(result.files["preview-production.json"] as string)).toEqual(fixture("every-op.json"));
  });
});

it("refuses to embed a function a script module does not export", async () => {
  const { embeddedScript } = await import("../workflows/steps");
  expect(() => embeddedScript("upsert-pr-comment.js", "upsertComment")).toThrow("workflows/scripts/upsert-pr-comment.js exports no function upsertComment.");
});
