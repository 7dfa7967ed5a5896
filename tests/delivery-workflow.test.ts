/**
 * record-delivery-metrics.yml as the production stack commits it: what triggers it, what it may do,
 * that it never runs the completed run's code, and its steps run against fakes for the runs it
 * must tell apart (a production deployment, a failed staging one, a fork's pull request, a branch,
 * a deployment stopped before it deployed, a tag named like the default branch) and the incidents
 * (an issue event, a dispatch, a marker nobody trusted wrote), writing records `mlops-monitor`
 * accepts.
 */
import { parse } from "yaml";
import { truthy } from "@actions/expressions/result";
import { parseIncidentRecord, parseRunRecord } from "../monitor/delivery";
import { renderedWorkflowsByStack } from "../tools/render-workflows";
import { INCIDENT_LABEL, ISSUE_LABELS, MONITORING_ENVIRONMENT, REGISTRY_ENVIRONMENT } from "../contracts/github";
import { DEPLOY_ENVIRONMENTS, INCIDENT_AUTHOR, INCIDENT_MARKER_PATTERN } from "../workflows/record-delivery-metrics";
import { REPOSITORY, World, evaluate, runJob } from "./workflow-runner";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const files = renderedWorkflowsByStack().get("production") as Map<string, string>;
const text = files.get("record-delivery-metrics.yml") as string;
const recorder: Doc = parse(text);
const parsed = new Map<string, Doc>();
/** A workflow, parsed once: each call gets its own copy, which a test may change. */
const doc = (name: string): Doc => {
  if (!parsed.has(name)) parsed.set(name, parse(files.get(name) as string));
  return structuredClone(parsed.get(name));
};

describe("the workflow", () => {
  it("runs when a run of any of the four workflows completes, when an issue opens, is labelled or unlabelled, closes or reopens, and by dispatch", () => {
    expect(recorder.on).toEqual({
      workflow_run: { workflows: ["CI/CD Pipeline", "Model Training Pipeline", "Model Monitoring Pipeline", "Deploy Model Service"], types: ["completed"] },
      issues: { types: ["opened", "labeled", "unlabeled", "closed", "reopened"] },
      workflow_dispatch: { inputs: { issue_number: { description: "The incident issue to record, by number", type: "string", required: true } } },
    });
    const watched = ["ci-cd.yml", "train-model.yml", "monitor-model.yml", "deploy-service.yml"].map((file) => doc(file).name);
    expect(recorder.on.workflow_run.workflows).toEqual(watched);
  });

  it("grants each job only what it uses, in the monitoring environment, with no concurrency group that would drop a pending record", () => {
    expect(recorder.permissions).toEqual({});
    expect(recorder.concurrency).toBeUndefined();
    expect(recorder.jobs["record-run"]).toMatchObject({ environment: "monitoring" });
    expect(recorder.jobs["record-run"].permissions).toEqual({ contents: "read", actions: "read", deployments: "read", "id-token": "write" });
    expect(recorder.jobs["record-incident"]).toMatchObject({ environment: "monitoring" });
    expect(recorder.jobs["record-incident"].permissions).toEqual({ contents: "read", issues: "read", "id-token": "write" });
  });

  it("never checks out or runs the completed run's code: only the platform tools of the default branch", () => {
    for (const job of Object.values(recorder.jobs) as Doc[]) {
      const checkout = job.steps.find((step: Doc) => String(step.uses).startsWith("actions/checkout@"));
      expect(checkout.with).toEqual({ "persist-credentials": false, "sparse-checkout": ".github/mlops-platform" });
      const actions = job.steps.filter((step: Doc) => step.uses).map((step: Doc) => String(step.uses).split("@")[0]);
      expect(actions).toEqual(["actions/checkout", "aws-actions/configure-aws-credentials"]);
    }
    // The payload is read from its file inside the scripts, never pasted into the workflow: the
    // only expressions are the environment's variables, the job's own token and ids.
    const expressions = new Set([...text.matchAll(/\$\{\{\s*(.+?)\s*\}\}/g)].map((match) => match[1]));
    // The dispatch's input, too: validated as digits, then only used to read the issue from the API.
    expect([...expressions].sort()).toEqual(["github.run_attempt", "github.run_id", "github.token", "inputs.issue_number", "vars.AWS_REGION", "vars.AWS_ROLE_ARN", "vars.METRICS_FUNCTION"]);
    expect(text).not.toContain("pull_request_target");
  });

  it("records the issues a failed deployment opens, by the label the repository has, and the dispatch each sends", () => {
    expect(ISSUE_LABELS.map((label) => label.name)).toContain(INCIDENT_LABEL);
    expect(recorder.jobs["record-incident"].if).toContain(`'${INCIDENT_LABEL}'`);
    const incidentSteps = [
      { file: "deploy-service.yml", job: "deploy", service: "${{ inputs.service_type }}" },
      { file: "ci-cd.yml", job: "deploy-staging", service: "web-service" },
      { file: "ci-cd.yml", job: "deploy-production", service: "web-service" },
    ];
    for (const { file, job, service } of incidentSteps) {
      const deployJob = doc(file).jobs[job];
      const steps: Doc[] = deployJob.steps;
      const issueStep = steps.find((step) => step.id === "incident-issue");
      expect({ file, job, if: issueStep.if, labels: issueStep.env.ALERT_LABELS }).toEqual({ file, job, if: "failure()", labels: INCIDENT_LABEL });
      // The marker names the environment, as sync-alert-issue.js writes it into the issue.
      for (const environment of DEPLOY_ENVIRONMENTS) {
        const marker = `<!-- ${String(issueStep.env.ALERT_MARKER).replace("${{ inputs.environment }}", environment).replace(service, "web-service")} -->`;
        if (file === "ci-cd.yml" && !job.endsWith(environment)) continue;
        expect(marker).toBe(`<!-- mlops-cicd incident: ${environment} web-service -->`);
        expect(new RegExp(INCIDENT_MARKER_PATTERN).exec(marker)?.groups?.environment).toBe(environment);
      }
      // The dispatch follows the issue step, for the issue it opened or updated; its job alone may dispatch.
      const dispatch = steps[steps.indexOf(issueStep) + 1];
      expect({ file, job, if: dispatch.if, issue: dispatch.env.ISSUE_NUMBER, workflow: dispatch.env.RECORDER_WORKFLOW }).toEqual({
        file,
        job,
        if: "failure() && steps.incident-issue.outputs.issue != ''",
        issue: "${{ steps.incident-issue.outputs.issue }}",
        workflow: "record-delivery-metrics.yml",
      });
      expect(deployJob.permissions).toMatchObject({ issues: "write", actions: "write" });
    }
    const dispatching = ["ci-cd.yml", "train-model.yml", "monitor-model.yml", "deploy-service.yml"].flatMap((file) =>
      Object.entries(doc(file).jobs as Record<string, Doc>)
        .filter(([, job]) => job.permissions?.actions === "write")
        .map(([id]) => `${file} ${id}`),
    );
    expect(dispatching).toEqual(["ci-cd.yml deploy-staging", "ci-cd.yml deploy-production", "deploy-service.yml deploy"]);
  });

  it("picks each job by event: this repository's runs for the run recorder, incidents for the incident recorder", () => {
    const run = (job: string, eventName: string, event: Record<string, unknown>) =>
      truthy(evaluate(recorder.jobs[job].if, { github: { event_name: eventName, event, repository: REPOSITORY } }, "success"));
    const labelled = (...names: string[]) => ({ action: "labeled", issue: { labels: names.map((name) => ({ name })) } });
    const ownRun = { workflow_run: { head_repository: { full_name: REPOSITORY } } };
    expect(run("record-run", "workflow_run", ownRun)).toBe(true);
    expect(run("record-run", "issues", labelled("incident"))).toBe(false);
    expect(run("record-incident", "issues", labelled("bug", "incident"))).toBe(true);
    expect(run("record-incident", "issues", labelled("alert", "drift-detection"))).toBe(false);
    expect(run("record-incident", "workflow_run", ownRun)).toBe(false);
    expect(run("record-incident", "workflow_dispatch", {})).toBe(true);
    // The label removed: no longer on the issue, named by the event.
    expect(run("record-incident", "issues", { action: "unlabeled", label: { name: "incident" }, issue: { labels: [{ name: "bug" }] } })).toBe(true);
    expect(run("record-incident", "issues", { action: "unlabeled", label: { name: "bug" }, issue: { labels: [] } })).toBe(false);
  });

  it("records nothing of a fork's run: the job does not start, whatever its pull request targets", () => {
    const run = (event: Record<string, unknown>) => truthy(evaluate(recorder.jobs["record-run"].if, { github: { event_name: "workflow_run", event, repository: REPOSITORY } }, "success"));
    expect(run(completed({ event: "pull_request", head_repository: { full_name: "mallory/taxi" } }))).toBe(false);
    // A fork of the same name under another owner, and a fork whose repository was deleted since.
    expect(run(completed({ event: "pull_request", head_repository: { full_name: "acme-fork/taxi" } }))).toBe(false);
    expect(run(completed({ event: "pull_request", head_repository: null }))).toBe(false);
    expect(run(completed({}))).toBe(true);
  });
});

describe("the deploy jobs", () => {
  it("are the only jobs of the four workflows in a deployment environment: GitHub's deployments of those name where a run deployed", () => {
    const deploying = ["ci-cd.yml", "train-model.yml", "monitor-model.yml", "deploy-service.yml"].flatMap((file) =>
      Object.entries(doc(file).jobs as Record<string, Doc>)
        .filter(([, job]) => job.environment !== undefined)
        .map(([id, job]) => ({ job: `${file} ${id}`, environment: typeof job.environment === "string" ? job.environment : job.environment.name })),
    );
    expect(deploying.filter(({ environment }) => environment !== MONITORING_ENVIRONMENT.name && environment !== REGISTRY_ENVIRONMENT.name)).toEqual([
      { job: "ci-cd.yml deploy-staging", environment: "staging" },
      { job: "ci-cd.yml deploy-production", environment: "production" },
      { job: "deploy-service.yml deploy", environment: "${{ inputs.environment }}" },
    ]);
    expect(doc("deploy-service.yml").on.workflow_dispatch.inputs.environment.options).toEqual([...DEPLOY_ENVIRONMENTS]);
  });
});

const EMPTY_WORLD: World = { clock: 1_800_000_000, services: {}, schedules: {}, taskDefinitions: {}, tasks: {}, trialExitCode: 0, alarmsFiring: [], http: {}, registryAliases: {}, promotedTags: {}, calls: [] };
const VARS = { AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/mlops-cicd-production-metrics-github", AWS_REGION: "eu-west-1", METRICS_FUNCTION: "mlops-cicd-production-metrics" };
const SHA = "89abcdef0123456789abcdef0123456789abcdef";

/** The `workflow_run` event of a completed run, as GitHub delivers it (the fields the recorder reads, and some it must not). */
function completed(run: Record<string, unknown>): Record<string, unknown> {
  return {
    action: "completed",
    repository: { full_name: REPOSITORY, default_branch: "main" },
    workflow_run: {
      id: 7001,
      run_attempt: 1,
      name: "Deploy Model Service",
      path: ".github/workflows/deploy-service.yml",
      display_title: "Deploy Model Service",
      event: "workflow_dispatch",
      head_branch: "main",
      head_sha: SHA,
      head_repository: { full_name: REPOSITORY },
      status: "completed",
      conclusion: "success",
      run_started_at: "2026-11-29T06:00:00Z",
      updated_at: "2026-11-29T06:14:10Z",
      ...run,
    },
  };
}

async function recordRun(event: Record<string, unknown>, changes: Partial<World> = {}) {
  const result = await runJob({
    workflow: recorder,
    job: "record-run",
    eventName: "workflow_run",
    event,
    vars: VARS,
    world: { ...EMPTY_WORLD, ...changes },
    // The command itself is tested against the database and the function (delivery-metrics.test.ts).
    stubbed: ["Record the run"],
    collect: ["delivery/run.json"],
  });
  const file = result.files["delivery/run.json"];
  return { result, record: file === undefined ? undefined : JSON.parse(file), ghCalls: result.world.calls.filter(([tool]) => tool === "gh") };
}

/** The deployment GitHub made for job `job` of run `run`: its statuses link that job's log. */
function deployment(id: number, environment: string, run: number, job: number, states: string[] = ["in_progress", "success"], sha = SHA) {
  const log = `https://github.com/${REPOSITORY}/actions/runs/${run}/job/${job}`;
  return { id, sha, environment, statuses: states.map((state) => ({ state, log_url: log, target_url: log })) };
}

const listJobs = (run: number, attempt: number) => ["gh", "api", "--paginate", `repos/${REPOSITORY}/actions/runs/${run}/attempts/${attempt}/jobs?per_page=100`, "--jq", ".jobs[] | {id, conclusion}"];
const listDeployments = (environment: string) => ["gh", "api", "--paginate", `repos/${REPOSITORY}/deployments?sha=${SHA}&environment=${environment}&per_page=100`, "--jq", ".[].id"];

describe("the run recorder, run against fakes", () => {
  it("records a production deployment by deploy-service, its environment from GitHub's deployment of the deploy job", async () => {
    const { result, record, ghCalls } = await recordRun(completed({}), {
      runJobs: {
        "7001/1": [
          { id: 501, name: "Validate model", conclusion: "success" },
          { id: 502, name: "Build image", conclusion: "success" },
          { id: 503, name: "Deploy web-service to production", conclusion: "success" },
          { id: 504, name: "Promote the model in the registry", conclusion: "success" },
        ],
      },
      // A later deployment made this one inactive: the job's conclusion is what counts.
      deployments: [deployment(91, "production", 7001, 503, ["in_progress", "success", "inactive"])],
    });
    expect(result.status).toBe("success");
    expect(record).toEqual({
      run_id: 7001,
      run_attempt: 1,
      workflow: "Deploy Model Service",
      event: "workflow_dispatch",
      branch: "main",
      commit_sha: SHA,
      conclusion: "success",
      environment: "production",
      deployment_conclusion: "success",
      started_at: "2026-11-29T06:00:00Z",
      completed_at: "2026-11-29T06:14:10Z",
    });
    expect(ghCalls).toEqual([
      listJobs(7001, 1),
      listDeployments("staging"),
      listDeployments("production"),
      ["gh", "api", "--paginate", `repos/${REPOSITORY}/deployments/91/statuses?per_page=100`, "--jq", ".[] | .log_url, .target_url"],
    ]);
    // What the workflow writes is what the command accepts.
    expect(parseRunRecord(JSON.stringify(record), "run.json").environment).toBe("production");
  });

  it("records a ci-cd push whose staging deployment failed as a failed staging deployment, production never reached", async () => {
    const { record } = await recordRun(completed({ id: 7002, run_attempt: 2, name: "CI/CD Pipeline", event: "push", conclusion: "failure" }), {
      runJobs: {
        "7002/2": [
          { id: 601, name: "lint", conclusion: "success" },
          { id: 602, name: "Deploy to staging", conclusion: "failure" },
          { id: 603, name: "Deploy to production", conclusion: "skipped" },
          { id: 604, name: "Notify", conclusion: "success" },
        ],
      },
      // The first attempt's deployment of the same commit is another attempt's, not this one's.
      deployments: [deployment(81, "staging", 7002, 402, ["success"]), deployment(82, "staging", 7002, 602, ["in_progress", "failure"])],
    });
    expect(record).toMatchObject({ run_id: 7002, run_attempt: 2, workflow: "CI/CD Pipeline", conclusion: "failure", environment: "staging", deployment_conclusion: "failure" });
  });

  it("records a deployment stopped before its deploy job as deploying nowhere: GitHub made no deployment", async () => {
    const { record } = await recordRun(completed({ id: 7003, conclusion: "failure" }), {
      runJobs: {
        "7003/1": [
          { id: 701, name: "Validate model", conclusion: "failure" },
          { id: 702, name: "Deploy ${{ inputs.service_type }} to ${{ inputs.environment }}", conclusion: "skipped" },
        ],
      },
    });
    expect(record).toMatchObject({ conclusion: "failure", environment: null, deployment_conclusion: null });
  });

  it("records a run of a tag named like the default branch as deploying nowhere, whatever its jobs are called", async () => {
    // GIVEN a tag `main`, from which deploy-service was started by hand: GitHub's payload names the
    // tag in head_branch, and the tag's workflow names a job like a production deployment that
    // succeeded without the environment, or one that the environment's branch policy refused.
    // Another run deployed the same commit to production from the branch.
    const { record } = await recordRun(completed({ id: 7006, head_branch: "main" }), {
      runJobs: {
        "7006/1": [
          { id: 801, name: "Deploy web-service to production", conclusion: "success" },
          { id: 802, name: "Deploy to production", conclusion: "failure" },
        ],
      },
      deployments: [deployment(93, "production", 7005, 799)],
    });
    // THEN no deployment of this run exists, so it deployed nowhere.
    expect(record).toMatchObject({ branch: "main", conclusion: "success", environment: null, deployment_conclusion: null });
  });

  it.each([
    ["a pull request from a branch of this repository", { event: "pull_request", head_branch: "feature/x" }],
    ["a push to develop", { event: "push", head_branch: "develop" }],
  ])("never looks into %s: it deployed nowhere", async (_, run) => {
    const { result, record, ghCalls } = await recordRun(completed({ id: 7004, name: "CI/CD Pipeline", ...run }), {
      runJobs: { "7004/1": [{ id: 901, name: "Deploy to production", conclusion: "success" }] },
      deployments: [deployment(94, "production", 7004, 901)],
    });
    expect(result.status).toBe("success");
    expect(ghCalls).toEqual([]);
    expect(record).toMatchObject({ workflow: "CI/CD Pipeline", environment: null, deployment_conclusion: null });
    expect(parseRunRecord(JSON.stringify(record), "run.json").environment).toBeNull();
  });

  it("fails the job, recording nothing, when the run's jobs cannot be listed", async () => {
    const { result, record } = await recordRun(completed({ id: 7005 }), {});
    expect(result.status).toBe("failure");
    expect(result.step("Describe the run from the event").log).toContain("Not Found (HTTP 404)");
    expect(record).toBeUndefined();
    expect(result.step("Record the run").outcome).toBe("skipped");
  });
});

describe("the incident recorder, run against fakes", () => {
  const ISSUE = {
    number: 42,
    title: "Deployment failed: web-service v1.2.3 to production",
    body: "<!-- mlops-cicd incident: production web-service -->\nDeploying **web-service v1.2.3** to **production** failed and was rolled back.",
    user: { login: INCIDENT_AUTHOR, type: "Bot" },
    labels: [{ name: "incident" }],
    state: "closed",
    created_at: "2026-11-29T06:20:00Z",
    closed_at: "2026-11-29T06:50:00Z",
    updated_at: "2026-11-29T06:50:01Z",
  };
  const issueEvent = (changes: Record<string, unknown>) => ({ action: "closed", repository: { full_name: REPOSITORY, default_branch: "main" }, issue: { ...ISSUE, ...changes } });

  async function recordIncident(options: { eventName: string; event: Record<string, unknown>; inputs?: Record<string, string>; apiIssues?: World["apiIssues"] }) {
    const result = await runJob({
      workflow: recorder,
      job: "record-incident",
      eventName: options.eventName,
      event: options.event,
      inputs: options.inputs,
      vars: VARS,
      world: { ...EMPTY_WORLD, apiIssues: options.apiIssues },
      stubbed: ["Record the incident"],
      collect: ["delivery/incident.json"],
    });
    const file = result.files["delivery/incident.json"];
    return { result, record: file === undefined ? undefined : JSON.parse(file), ghCalls: result.world.calls.filter(([tool]) => tool === "gh") };
  }

  it.each([
    ["closed", {}, { issue_number: 42, environment: "production", opened_at: "2026-11-29T06:20:00Z", closed_at: "2026-11-29T06:50:00Z", updated_at: "2026-11-29T06:50:01Z", withdrawn: false }],
    // GitHub keeps closed_at on a reopened issue until it closes again: the state decides.
    [
      "reopened",
      { state: "open", updated_at: "2026-11-29T07:00:00Z" },
      { issue_number: 42, environment: "production", opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T07:00:00Z", withdrawn: false },
    ],
    [
      "opened by hand, without the marker",
      { body: null, user: { login: "alice", type: "User" }, state: "open", closed_at: null },
      { issue_number: 42, environment: null, opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T06:50:01Z", withdrawn: false },
    ],
    [
      "whose text names an environment only outside the marker",
      { body: "Looks like staging again. mlops-cicd incident: staging web-service", state: "open", closed_at: null },
      { issue_number: 42, environment: null, opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T06:50:01Z", withdrawn: false },
    ],
    [
      "opened by a person who copied the marker in: it is not believed",
      { body: "<!-- mlops-cicd incident: staging web-service -->\nstaging is down", user: { login: "mallory", type: "User" }, state: "open", closed_at: null },
      { issue_number: 42, environment: null, opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T06:50:01Z", withdrawn: false },
    ],
    [
      "that lost its incident label: withdrawn, no longer an incident",
      { labels: [{ name: "bug" }], updated_at: "2026-11-29T07:10:00Z" },
      { issue_number: 42, environment: "production", opened_at: "2026-11-29T06:20:00Z", closed_at: "2026-11-29T06:50:00Z", updated_at: "2026-11-29T07:10:00Z", withdrawn: true },
    ],
  ])("describes an incident issue %s", async (_, changes, expected) => {
    const { result, record } = await recordIncident({ eventName: "issues", event: issueEvent(changes) });
    expect(result.status).toBe("success");
    expect(record).toEqual(expected);
    expect(result.step("Record the incident").outcome).toBe("success");
    expect(parseIncidentRecord(JSON.stringify(record), "incident.json").issueNumber).toBe(42);
  });

  it("records an incident a failed deployment dispatched it for, reading the issue from the API", async () => {
    // GIVEN the dispatch's payload names a different issue body than the API: only the number is used.
    const { result, record, ghCalls } = await recordIncident({
      eventName: "workflow_dispatch",
      event: { inputs: { issue_number: "42" }, repository: { full_name: REPOSITORY, default_branch: "main" } },
      inputs: { issue_number: "42" },
      apiIssues: { "42": { ...ISSUE, state: "open", closed_at: null, updated_at: "2026-11-29T06:20:00Z" } },
    });
    expect(result.status).toBe("success");
    expect(ghCalls).toEqual([["gh", "api", `repos/${REPOSITORY}/issues/42`]]);
    expect(record).toEqual({ issue_number: 42, environment: "production", opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T06:20:00Z", withdrawn: false });
    expect(result.step("Record the incident").outcome).toBe("success");
  });

  it.each([
    ["an issue without the incident label", { ...ISSUE, labels: [{ name: "bug" }] }],
    ["a pull request", { ...ISSUE, pull_request: { url: `https://api.github.com/repos/${REPOSITORY}/pulls/42` } }],
  ])("records nothing when dispatched for %s", async (_, issue) => {
    const { result, record } = await recordIncident({ eventName: "workflow_dispatch", event: {}, inputs: { issue_number: "42" }, apiIssues: { "42": issue } });
    expect(result.status).toBe("success");
    expect(result.step("Describe the incident").log).toContain("::notice title=Not an incident::#42 is not an issue labelled incident: nothing recorded.");
    expect(record).toBeUndefined();
    expect(result.step("Configure AWS credentials (OIDC)").outcome).toBe("skipped");
    expect(result.step("Record the incident").outcome).toBe("skipped");
  });

  it.each(["42; curl evil.example", "0", "-1", "42\n::set-output name=x::y", "", "12345678901"])("refuses the dispatch input %j, reading nothing", async (input) => {
    const { result, record, ghCalls } = await recordIncident({ eventName: "workflow_dispatch", event: {}, inputs: { issue_number: input }, apiIssues: { "42": ISSUE } });
    expect(result.status).toBe("failure");
    expect(result.step("Validate issue_number").log).toContain("::error title=Invalid input::issue_number must be an issue number such as 42");
    expect(ghCalls).toEqual([]);
    expect(record).toBeUndefined();
    expect(result.step("Record the incident").outcome).toBe("skipped");
  });
});
