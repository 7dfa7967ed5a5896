/**
 * record-delivery-metrics.yml as the production stack commits it: what triggers it, what it may do,
 * that it never runs the completed run's code, and its steps run against fakes for the runs it
 * must tell apart (a production deployment, a failed staging one, a fork's pull request, a branch,
 * a deployment stopped before it deployed), writing records `mlops-monitor` accepts.
 */
import { parse } from "yaml";
import { truthy } from "@actions/expressions/result";
import { parseIncidentRecord, parseRunRecord } from "../monitor/delivery";
import { renderedWorkflowsByStack } from "../tools/render-workflows";
import { SERVICE_TYPES } from "../workflows/application";
import { ISSUE_LABELS } from "../contracts/github";
import { DEPLOY_ENVIRONMENTS, DEPLOY_JOB_PATTERN, INCIDENT_LABEL, INCIDENT_MARKER_PATTERN } from "../workflows/record-delivery-metrics";
import { REPOSITORY, World, evaluate, runJob } from "./workflow-runner";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const files = renderedWorkflowsByStack().get("production") as Map<string, string>;
const text = files.get("record-delivery-metrics.yml") as string;
const recorder: Doc = parse(text);
const doc = (name: string): Doc => parse(files.get(name) as string);

describe("the workflow", () => {
  it("runs when a run of any of the four workflows completes, and when an issue opens, is labelled, closes or reopens", () => {
    expect(recorder.on).toEqual({
      workflow_run: { workflows: ["CI/CD Pipeline", "Model Training Pipeline", "Model Monitoring Pipeline", "Deploy Model Service"], types: ["completed"] },
      issues: { types: ["opened", "labeled", "closed", "reopened"] },
    });
    const watched = ["ci-cd.yml", "train-model.yml", "monitor-model.yml", "deploy-service.yml"].map((file) => doc(file).name);
    expect(recorder.on.workflow_run.workflows).toEqual(watched);
  });

  it("grants each job only what it uses, in the monitoring environment, with no concurrency group that would drop a pending record", () => {
    expect(recorder.permissions).toEqual({});
    expect(recorder.concurrency).toBeUndefined();
    expect(recorder.jobs["record-run"]).toMatchObject({ environment: "monitoring", permissions: { contents: "read", actions: "read", "id-token": "write" } });
    expect(recorder.jobs["record-incident"]).toMatchObject({ environment: "monitoring", permissions: { contents: "read", "id-token": "write" } });
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
    expect([...expressions].sort()).toEqual(["github.run_attempt", "github.run_id", "github.token", "vars.AWS_REGION", "vars.AWS_ROLE_ARN", "vars.METRICS_FUNCTION"]);
    expect(text).not.toContain("pull_request_target");
  });

  it("records the issues deploy-service opens when a deployment fails, by the label the repository has", () => {
    const incidentStep = doc("deploy-service.yml").jobs.deploy.steps.find((step: Doc) => step.id === "incident-issue");
    expect(incidentStep.env.ALERT_LABELS.split(",")).toContain(INCIDENT_LABEL);
    expect(ISSUE_LABELS.map((label) => label.name)).toContain(INCIDENT_LABEL);
    expect(recorder.jobs["record-incident"].if).toContain(`'${INCIDENT_LABEL}'`);
    // The marker names the environment, as sync-alert-issue.js writes it into the issue.
    for (const environment of DEPLOY_ENVIRONMENTS) {
      const marker = `<!-- ${String(incidentStep.env.ALERT_MARKER).replace("${{ inputs.environment }}", environment).replace("${{ inputs.service_type }}", "web-service")} -->`;
      expect(new RegExp(INCIDENT_MARKER_PATTERN).exec(marker)?.groups?.environment).toBe(environment);
    }
  });

  it("picks each job by event: runs for the run recorder, labelled incidents for the incident recorder", () => {
    const run = (job: string, eventName: string, event: Record<string, unknown>) => truthy(evaluate(recorder.jobs[job].if, { github: { event_name: eventName, event } }, "success"));
    const labelled = (...names: string[]) => ({ issue: { labels: names.map((name) => ({ name })) } });
    expect(run("record-run", "workflow_run", {})).toBe(true);
    expect(run("record-run", "issues", labelled("incident"))).toBe(false);
    expect(run("record-incident", "issues", labelled("bug", "incident"))).toBe(true);
    expect(run("record-incident", "issues", labelled("alert", "drift-detection"))).toBe(false);
    expect(run("record-incident", "workflow_run", {})).toBe(false);
  });
});

describe("the deploy jobs' names", () => {
  const pattern = new RegExp(DEPLOY_JOB_PATTERN);

  it("name their environment, as GitHub evaluates them, in both workflows that deploy", () => {
    for (const environment of DEPLOY_ENVIRONMENTS) {
      const ciCd = doc("ci-cd.yml").jobs[`deploy-${environment}`].name;
      expect(pattern.exec(ciCd)?.groups?.environment).toBe(environment);
      for (const service of SERVICE_TYPES) {
        const name = String(doc("deploy-service.yml").jobs.deploy.name).replace("${{ inputs.service_type }}", service).replace("${{ inputs.environment }}", environment);
        expect({ name, environment: pattern.exec(name)?.groups?.environment }).toEqual({ name, environment });
      }
    }
  });

  it("are the only job names that do", () => {
    const matching = ["ci-cd.yml", "train-model.yml", "monitor-model.yml", "deploy-service.yml"].flatMap((file) =>
      Object.entries(doc(file).jobs as Record<string, Doc>)
        .filter(([id, job]) => pattern.test(String(job.name ?? id)))
        .map(([id]) => `${file} ${id}`),
    );
    expect(matching).toEqual(["ci-cd.yml deploy-staging", "ci-cd.yml deploy-production"]);
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

async function recordRun(event: Record<string, unknown>, runJobs: World["runJobs"] = {}) {
  const result = await runJob({
    workflow: recorder,
    job: "record-run",
    eventName: "workflow_run",
    event,
    vars: VARS,
    world: { ...EMPTY_WORLD, runJobs },
    // The command itself is tested against the database and the function (delivery-metrics.test.ts).
    stubbed: ["Record the run"],
    collect: ["delivery/run.json"],
  });
  const file = result.files["delivery/run.json"];
  return { result, record: file === undefined ? undefined : JSON.parse(file), ghCalls: result.world.calls.filter(([tool]) => tool === "gh") };
}

describe("the run recorder, run against fakes", () => {
  it("records a production deployment by deploy-service, its environment from the deploy job", async () => {
    const { result, record, ghCalls } = await recordRun(completed({}), {
      "7001/1": [
        { name: "Validate model", conclusion: "success" },
        { name: "Build image", conclusion: "success" },
        { name: "Deploy web-service to production", conclusion: "success" },
        { name: "Promote the model in the registry", conclusion: "success" },
      ],
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
    expect(ghCalls).toEqual([["gh", "api", "--paginate", `repos/${REPOSITORY}/actions/runs/7001/attempts/1/jobs?per_page=100`, "--jq", ".jobs[] | {name, conclusion}"]]);
    // What the workflow writes is what the command accepts.
    expect(parseRunRecord(JSON.stringify(record), "run.json").environment).toBe("production");
  });

  it("records a ci-cd push whose staging deployment failed as a failed staging deployment, production never reached", async () => {
    const { record } = await recordRun(completed({ id: 7002, run_attempt: 2, name: "CI/CD Pipeline", event: "push", conclusion: "failure" }), {
      "7002/2": [
        { name: "lint", conclusion: "success" },
        { name: "Deploy to staging", conclusion: "failure" },
        { name: "Deploy to production", conclusion: "skipped" },
        { name: "Notify", conclusion: "success" },
      ],
    });
    expect(record).toMatchObject({ run_id: 7002, run_attempt: 2, workflow: "CI/CD Pipeline", conclusion: "failure", environment: "staging", deployment_conclusion: "failure" });
  });

  it("records a deployment stopped before its deploy job as deploying nowhere (the skipped job's name was never evaluated)", async () => {
    const { record } = await recordRun(completed({ id: 7003, conclusion: "failure" }), {
      "7003/1": [
        { name: "Validate model", conclusion: "failure" },
        { name: "Deploy ${{ inputs.service_type }} to ${{ inputs.environment }}", conclusion: "skipped" },
      ],
    });
    expect(record).toMatchObject({ conclusion: "failure", environment: null, deployment_conclusion: null });
  });

  it.each([
    ["a fork's pull request, whatever its jobs are called", { event: "pull_request", head_branch: "main", head_repository: { full_name: "mallory/taxi" } }],
    ["a pull request from a branch of this repository", { event: "pull_request", head_branch: "feature/x" }],
    ["a push to develop", { event: "push", head_branch: "develop" }],
  ])("never reads the jobs of %s: it deployed nowhere", async (_, run) => {
    const { result, record, ghCalls } = await recordRun(completed({ id: 7004, name: "CI/CD Pipeline", ...run }), {
      "7004/1": [{ name: "Deploy to production", conclusion: "success" }],
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
  const issue = (changes: Record<string, unknown>) => ({
    action: "closed",
    repository: { full_name: REPOSITORY, default_branch: "main" },
    issue: {
      number: 42,
      title: "Deployment failed: web-service v1.2.3 to production",
      body: "<!-- mlops-cicd incident: production web-service -->\nDeploying **web-service v1.2.3** to **production** failed and was rolled back.",
      labels: [{ name: "incident" }],
      state: "closed",
      created_at: "2026-11-29T06:20:00Z",
      closed_at: "2026-11-29T06:50:00Z",
      updated_at: "2026-11-29T06:50:01Z",
      ...changes,
    },
  });

  it.each([
    ["closed", {}, { issue_number: 42, environment: "production", opened_at: "2026-11-29T06:20:00Z", closed_at: "2026-11-29T06:50:00Z", updated_at: "2026-11-29T06:50:01Z" }],
    // GitHub keeps closed_at on a reopened issue until it closes again: the state decides.
    [
      "reopened",
      { state: "open", updated_at: "2026-11-29T07:00:00Z" },
      { issue_number: 42, environment: "production", opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T07:00:00Z" },
    ],
    [
      "opened by hand, without deploy-service's marker",
      { body: null, state: "open", closed_at: null },
      { issue_number: 42, environment: null, opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T06:50:01Z" },
    ],
    [
      "whose text names an environment only outside the marker",
      { body: "Looks like staging again. mlops-cicd incident: staging web-service", state: "open", closed_at: null },
      { issue_number: 42, environment: null, opened_at: "2026-11-29T06:20:00Z", closed_at: null, updated_at: "2026-11-29T06:50:01Z" },
    ],
  ])("describes an incident issue %s", async (_, changes, expected) => {
    const result = await runJob({
      workflow: recorder,
      job: "record-incident",
      eventName: "issues",
      event: issue(changes),
      vars: VARS,
      world: EMPTY_WORLD,
      stubbed: ["Record the incident"],
      collect: ["delivery/incident.json"],
    });
    expect(result.status).toBe("success");
    const record = JSON.parse(result.files["delivery/incident.json"] as string);
    expect(record).toEqual(expected);
    expect(parseIncidentRecord(JSON.stringify(record), "incident.json").issueNumber).toBe(42);
  });
});
