/**
 * Onboarding a repository shaped like the spec's (tests/fixtures/application-repository: a
 * requirements file per module and none at the root, a Pipfile and its lock per service, a
 * Dockerfile only for the web service) with the stack config docs/onboarding.md sets
 * (tests/fixtures/onboarding-stack.yaml): every path and command the rendered workflows reference
 * exists in the tree, the services without an image are not offered, and the steps that install,
 * train and compute drift run in the directories the config names and leave their files where
 * the platform's steps read them. Its dashboards, and the template's, pass the lint job's dashboard
 * check and query the platform's data sources.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ApplicationLayout } from "../contracts/application";
import { APPLICATION_DASHBOARDS } from "../contracts/dashboards";
import { StackConfig, parseStackConfig } from "../infra/config";
import { parseMetrics } from "../monitor/metrics";
import { resolveStackConfig } from "../tools/synth/stack-config";
import { commandPaths, missingReferences, workflowReferences } from "../tools/workflow-references";
import { offlineStackConfig } from "../tools/render-workflows";
import { applicationWorkflows, renderApplicationWorkflows } from "../workflows";
import type { Step, Workflow } from "../workflows/model";
import { runTool } from "./run-tool";
import { describeValidators } from "./workflow-validators";

const ROOT = path.resolve(__dirname, "..");
const REPOSITORY = path.join(__dirname, "fixtures", "application-repository");
const STACK_FILE = path.join(__dirname, "fixtures", "onboarding-stack.yaml");
const TEMPLATES = path.join(ROOT, "docs", "templates");
const DASHBOARD_TEMPLATES = path.join(TEMPLATES, "dashboards");
const CHECK_DASHBOARDS = "Check the team's Grafana dashboards";

function fixtureConfig(): StackConfig {
  const resolved = resolveStackConfig(ROOT, "onboarding", STACK_FILE);
  return parseStackConfig(
    { get: (key) => resolved.values[key], isSecret: (key) => resolved.secretKeys.includes(key), keys: () => Object.keys(resolved.values) },
    "onboarding",
    { placeholderForMissingSecret: (spec) => spec.placeholder ?? "" },
  );
}

const layout: ApplicationLayout = fixtureConfig().application;
const workflows = new Map<string, Workflow>(applicationWorkflows(layout).map(({ workflow }) => [workflow.fileName, workflow]));

function step(file: string, job: string, name: string): Step {
  const found = workflows.get(file)?.jobs[job]?.steps.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no step "${name}" in ${file} ${job}`);
  return found;
}

describe("the fixture repository, onboarded", () => {
  it("reads the layout from the stack config", () => {
    expect(layout).toMatchObject({
      requirementsFiles: ["04-deployment/web-service/Pipfile.lock"],
      trainRequirementsFiles: ["03-orchestration/requirements.txt"],
      driftRequirementsFiles: ["05-monitoring/requirements.txt"],
      testWorkingDirectory: "04-deployment/web-service",
      trainWorkingDirectory: "03-orchestration",
      driftWorkingDirectory: "05-monitoring",
      webServiceDirectory: "04-deployment/web-service",
      batchDirectory: undefined,
      mlflowServiceDirectory: undefined,
    });
  });

  it("holds every path and command the rendered workflows reference", () => {
    const references = workflowReferences(layout);
    // Each kind of reference is there to be checked, not just some.
    const paths = new Set(references.map((item) => item.path));
    for (const expected of [
      "04-deployment/web-service",
      "04-deployment/web-service/Dockerfile",
      "04-deployment/web-service/Pipfile.lock",
      "04-deployment/web-service/Pipfile",
      "04-deployment/web-service/tests",
      "04-deployment/web-service/integration-tests",
      "03-orchestration",
      "03-orchestration/requirements.txt",
      "03-orchestration/train.py",
      "05-monitoring",
      "05-monitoring/requirements.txt",
      "05-monitoring/evidently_metrics_calculation.py",
      "notebooks",
    ]) {
      expect([expected, paths.has(expected)]).toEqual([expected, true]);
    }
    expect(missingReferences(REPOSITORY, references)).toEqual([]);
  });

  it("names what is missing when the layout does not fit: the spec's defaults against this tree", () => {
    // GIVEN the stack's config without its app* keys (the spec's defaults) WHEN checked against
    // the tree THEN every reference to a file it does not have is named with where it comes from.
    const defaults = offlineStackConfig("production").application;
    const missing = missingReferences(REPOSITORY, workflowReferences(defaults));
    const missingPaths = new Set(missing.map((item) => item.path));
    expect([...missingPaths].sort()).toEqual([
      "04-deployment/batch/Dockerfile",
      "04-deployment/web-service-mlflow/Dockerfile",
      "04-deployment/web-services",
      "04-deployment/web-services/Dockerfile",
      "integration-tests",
      "requirements.txt",
      "tests",
    ]);
    expect(missing).toContainEqual({ path: "requirements.txt", kind: "file", where: 'ci-cd.yml lint "Install dependencies": REQUIREMENTS_FILES' });
    expect(missing).toContainEqual({ path: "04-deployment/web-services/Dockerfile", kind: "file", where: "ci-cd.yml build-image \"Build and push\": context's Dockerfile" });
  });

  it("offers deploy-service only the service the repository builds an image for, and ci-cd deploys it", () => {
    const deploy = workflows.get("deploy-service.yml");
    expect(deploy?.on.workflowDispatch?.inputs?.service_type).toMatchObject({ type: "choice", options: ["web-service"], default: "web-service" });
    expect(step("deploy-service.yml", "build", "Pick the build context").env).toMatchObject({
      WEB_SERVICE_DIR: "04-deployment/web-service",
      BATCH_DIR: "",
      MLFLOW_SERVICE_DIR: "",
    });
    expect(Object.keys(workflows.get("ci-cd.yml")?.jobs ?? {})).toEqual(expect.arrayContaining(["build-image", "build-image-pr", "deploy-staging", "deploy-production"]));
  });

  it("runs the tests, training and drift in their module's directory, with the workspace paths relative to it", () => {
    expect(step("ci-cd.yml", "test", "Unit tests")).toMatchObject({ workingDirectory: "04-deployment/web-service", run: "python -m pytest tests/ -v\n" });
    expect(step("ci-cd.yml", "integration-tests", "Integration tests").workingDirectory).toBe("04-deployment/web-service");
    for (const [file, job, name] of [
      ["ci-cd.yml", "train-model", "Train"],
      ["train-model.yml", "train", "Train (tracked in MLflow)"],
    ] as const) {
      expect(step(file, job, name)).toMatchObject({
        workingDirectory: "03-orchestration",
        env: expect.objectContaining({ DATA_FILE: "../data/training.parquet", OUTPUT_DIR: "../training-output" }),
      });
    }
    expect(step("monitor-model.yml", "monitor", "Calculate drift and data-quality metrics")).toMatchObject({
      workingDirectory: "05-monitoring",
      env: expect.objectContaining({ OUTPUT_FILE: "../monitoring-report/metrics.json" }),
    });
  });
});

// The fixture's workflows (working directories, a lock, no batch or MLflow image) are as valid as the spec's.
describeValidators(new Map(renderApplicationWorkflows(layout).map((file) => [path.basename(file.path), file.content])));

describe("the spec's own layout renders as before", () => {
  it("runs every command at the root and names no working directory", () => {
    const defaults = offlineStackConfig("production").application;
    for (const { workflow } of applicationWorkflows(defaults)) {
      for (const job of Object.values(workflow.jobs)) for (const each of job.steps) expect([workflow.fileName, each.name, each.workingDirectory]).toEqual([workflow.fileName, each.name, undefined]);
    }
  });
});

describe("command paths", () => {
  it.each([
    ["python train.py", ["train.py"]],
    ["python3 src/train.py --month 2021-01", ["src/train.py"]],
    ["python -m pytest tests/ integration/test_db.py::test_insert -v --maxfail=1", ["tests/", "integration/test_db.py"]],
    ["pytest -q tests && python scripts/check.py", ["tests", "scripts/check.py"]],
    ["python -c 'print(1)'", []],
    ["make test", []],
  ])("reads %j", (command, expected) => {
    expect(commandPaths(command).map((item) => item.path)).toEqual(expected);
  });
});

/** A workspace copy of the fixture with fakes first on PATH; each fake records its call. */
interface Workspace {
  readonly dir: string;
  readonly calls: () => string[];
  run(step: Step, env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
}

const created: string[] = [];
afterAll(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

function workspace(fakes: Record<string, string>): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onboarding-"));
  fs.cpSync(REPOSITORY, dir, { recursive: true });
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "onboarding-bin-"));
  created.push(dir, bin);
  const log = path.join(bin, "calls.log");
  fs.writeFileSync(log, "");
  for (const [name, body] of Object.entries(fakes)) {
    // Each call is logged as: the directory it ran in, the command line, and PIPENV_PIPFILE when set.
    fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "$(pwd) ${name} $* \${PIPENV_PIPFILE:+PIPENV_PIPFILE=$PIPENV_PIPFILE}" >> ${JSON.stringify(log)}\n${body}\n`, { mode: 0o755 });
  }
  return {
    dir,
    calls: () => fs.readFileSync(log, "utf8").split("\n").filter((line) => line !== "").map((line) => line.replaceAll(dir, "<workspace>").trimEnd()),
    run: (each, env = {}) => {
      const cwd = path.join(dir, each.workingDirectory ?? ".");
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", each.run ?? ""], {
        cwd,
        encoding: "utf8",
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, GITHUB_OUTPUT: path.join(dir, ".output"), ...(each.env ?? {}), ...env },
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

describe("installing what the config names", () => {
  it("installs a Pipfile.lock from its export with hashes, in hash-checking mode", () => {
    const space = workspace({ python: "", pipenv: 'echo "flask==3.0.3 --hash=sha256:01"' });
    const result = space.run(step("ci-cd.yml", "test", "Install dependencies"));
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(space.calls()).toEqual([
      "<workspace> python -m pip install --upgrade pip",
      "<workspace> python -m pip install pipenv==2024.4.0",
      "<workspace> pipenv requirements --hash PIPENV_PIPFILE=<workspace>/04-deployment/web-service/Pipfile",
      expect.stringMatching(/^<workspace> python -m pip install --require-hashes --requirement \S+$/),
      "<workspace> python -m pip install pytest==8.3.3",
    ]);
  });

  it("installs requirements files in one pip call, and checks the result when several files were installed", () => {
    const space = workspace({ python: "" });
    const install = step("train-model.yml", "train", "Install dependencies");
    const result = space.run(install, { REQUIREMENTS_FILES: "03-orchestration/requirements.txt\n05-monitoring/requirements.txt" });
    expect(result.status).toBe(0);
    expect(space.calls()).toEqual([
      "<workspace> python -m pip install --upgrade pip",
      "<workspace> python -m pip install --requirement 03-orchestration/requirements.txt --requirement 05-monitoring/requirements.txt",
      "<workspace> python -m pip check",
    ]);
  });

  it("names a dependency file the repository does not have, and installs nothing", () => {
    const space = workspace({ python: "" });
    const result = space.run(step("train-model.yml", "train", "Install dependencies"), { REQUIREMENTS_FILES: "requirements.txt" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      "::error title=Missing dependency file::requirements.txt is not in the repository: add it, or change the stack config that names it (docs/onboarding.md).\n",
    );
    expect(space.calls()).toEqual(["<workspace> python -m pip install --upgrade pip"]);
  });

  it("audits every installed file, a lock through its export, and reports each even after a finding", () => {
    const space = workspace({ pipenv: 'echo "flask==3.0.3 --hash=sha256:01"', "pip-audit": 'if [[ "$2" == 03-orchestration/requirements.txt ]]; then exit 1; fi' });
    const audit = step("ci-cd.yml", "security-scan", "pip-audit");
    expect(audit.env?.REQUIREMENTS_FILES).toBe("04-deployment/web-service/Pipfile.lock\n03-orchestration/requirements.txt\n05-monitoring/requirements.txt");
    expect(step("ci-cd.yml", "security-scan", "Install dependencies").env?.PYTHON_TOOLS).toBe("pip-audit==2.7.3 pipenv==2024.4.0");
    const result = space.run(audit);
    expect(result.status).toBe(1);
    expect(space.calls().map((line) => line.replace(/--requirement \/\S+/, "--requirement <export>"))).toEqual([
      "<workspace> pipenv requirements --hash PIPENV_PIPFILE=<workspace>/04-deployment/web-service/Pipfile",
      "<workspace> pip-audit --requirement <export> --strict --progress-spinner off",
      "<workspace> pip-audit --requirement 03-orchestration/requirements.txt --strict --progress-spinner off",
      "<workspace> pip-audit --requirement 05-monitoring/requirements.txt --strict --progress-spinner off",
    ]);
  });
});

describe("commands in their module's directory", () => {
  it("leaves training.json where the validation gate reads it", () => {
    // GIVEN a training script that writes the template training.json to OUTPUT_DIR
    const space = workspace({ python: `mkdir -p "$OUTPUT_DIR" && cp ${JSON.stringify(path.join(TEMPLATES, "training.json"))} "$OUTPUT_DIR/training.json"` });
    // WHEN the Train step runs it in 03-orchestration
    expect(space.run(step("ci-cd.yml", "train-model", "Train")).status).toBe(0);
    expect(space.calls()).toEqual(["<workspace>/03-orchestration python train.py"]);
    // THEN the gate, at the root, finds and passes it
    const gate = space.run(step("ci-cd.yml", "validate-model", "Check the validation RMSE"));
    expect(gate).toMatchObject({ status: 0, stdout: "Validation RMSE 6.12 is within the limit of 10.0.\n" });
  });

  it("leaves the metrics where monitor-model stores them from", () => {
    const space = workspace({ python: `mkdir -p "$(dirname "$OUTPUT_FILE")" && cp ${JSON.stringify(path.join(TEMPLATES, "metrics.json"))} "$OUTPUT_FILE"` });
    const drift = step("monitor-model.yml", "monitor", "Calculate drift and data-quality metrics");
    expect(space.run(drift).status).toBe(0);
    expect(space.calls()).toEqual(["<workspace>/05-monitoring python evidently_metrics_calculation.py"]);
    const stored = path.join(space.dir, workflows.get("monitor-model.yml")?.jobs.monitor.env?.METRICS_FILE ?? "");
    expect(parseMetrics(fs.readFileSync(stored, "utf8"), stored).modelName).toBe("nyc-taxi-trip-duration");
  });
});

describe("deploying a service the repository builds no image for", () => {
  it("is refused by name, with the key to set", () => {
    const space = workspace({});
    const result = space.run(step("deploy-service.yml", "build", "Pick the build context"), { SERVICE_TYPE: "batch" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      "::error title=No image for batch::This repository builds no image for batch (mlops-cicd:appBatchDirectory is empty in the stack config), so it cannot be deployed. " +
        "Set mlops-cicd:appBatchDirectory to the directory holding its Dockerfile.\n",
    );
    const web = space.run(step("deploy-service.yml", "build", "Pick the build context"), { SERVICE_TYPE: "web-service" });
    expect(web.status).toBe(0);
    expect(fs.readFileSync(path.join(space.dir, ".output"), "utf8")).toBe("dir=04-deployment/web-service\n");
  });
});

/** Every data source uid a dashboard's panels, targets and variables name, at any depth. */
function dataSourceUids(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(dataSourceUids);
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  const own = record.datasource as { uid?: unknown } | undefined;
  const uid = typeof own?.uid === "string" ? [own.uid] : [];
  return [...uid, ...Object.values(record).flatMap(dataSourceUids)];
}

/** The uids Grafana's image provisions (images/grafana/provisioning/datasources, rendered from tools/grafana). */
function platformDataSourceUids(): string[] {
  const directory = path.join(ROOT, "images", "grafana", "provisioning", "datasources");
  return fs
    .readdirSync(directory)
    .flatMap((file) => (parse(fs.readFileSync(path.join(directory, file), "utf8")) as { datasources: { uid: string }[] }).datasources.map((source) => source.uid))
    .sort();
}

describe("the team's dashboards", () => {
  const fixtureDashboards = path.join(REPOSITORY, layout.dashboardsDirectory);

  it("pass the lint job's dashboard check, which every pull request runs", () => {
    const space = workspace({});
    const result = space.run(step("ci-cd.yml", "lint", CHECK_DASHBOARDS));
    expect(result).toMatchObject({ status: 0, stdout: `1 dashboard(s) in ${layout.dashboardsDirectory} checked.\n`, stderr: "" });
  });

  it("include the template, which passes the same check", () => {
    const space = workspace({});
    const result = space.run(step("ci-cd.yml", "lint", CHECK_DASHBOARDS), { DASHBOARDS_DIR: DASHBOARD_TEMPLATES });
    expect(result).toMatchObject({ status: 0, stdout: `1 dashboard(s) in ${DASHBOARD_TEMPLATES} checked.\n`, stderr: "" });
  });

  it.each([
    ["the fixture's", fixtureDashboards],
    ["the template's", DASHBOARD_TEMPLATES],
  ])("%s panels query only the data sources Grafana is provisioned with, and have some", (_, directory) => {
    const platform = platformDataSourceUids();
    // The uids the dashboard check warns about any other than.
    expect(platform).toEqual([...APPLICATION_DASHBOARDS.platformDataSourceUids].sort());
    for (const file of fs.readdirSync(directory).filter((name) => name.endsWith(".json"))) {
      const dashboard = JSON.parse(fs.readFileSync(path.join(directory, file), "utf8")) as { panels: unknown[] };
      expect([file, dashboard.panels.length > 0]).toEqual([file, true]);
      const uids = dataSourceUids(dashboard);
      expect(uids.length).toBeGreaterThan(0);
      for (const uid of uids) expect([file, uid, platform.includes(uid)]).toEqual([file, uid, true]);
    }
  });
});

describe("npm run check-layout, as a team runs it against its checkout", () => {
  const USAGE = "usage: npm run check-layout -- --stack <name> --repository <dir> [--config-file <path>]";
  const checkLayout = (args: string[]) => runTool("check-layout.ts", args);

  it("passes the onboarded fixture, reading it and writing nothing", () => {
    const before = fs.readdirSync(REPOSITORY, { recursive: true }).map(String).sort();
    const result = checkLayout(["--stack", "onboarding", "--config-file", STACK_FILE, "--repository", REPOSITORY]);
    expect(result).toEqual({
      code: 0,
      stdout:
        `check-layout: all 14 paths the workflows of stack onboarding reference are in ${REPOSITORY}.\n` +
        "check-layout: ci-cd's lint job checks the dashboards in 05-monitoring/dashboards:\n" +
        "1 dashboard(s) in 05-monitoring/dashboards checked.\n",
      stderr: "",
    });
    expect(fs.readdirSync(REPOSITORY, { recursive: true }).map(String).sort()).toEqual(before);
  });

  it("exits 3 naming each missing path once, with every step that needs it", () => {
    const result = checkLayout(["--stack", "production", "--repository", REPOSITORY]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`check-layout: 7 of the 12 paths the workflows of stack production reference are not in ${REPOSITORY}:`);
    expect(lines.filter((line) => /^ {2}\S/.test(line))).toEqual([
      "  requirements.txt (file), needed by:",
      "  tests (file or directory), needed by:",
      "  04-deployment/web-services (directory), needed by:",
      "  04-deployment/web-services/Dockerfile (file), needed by:",
      "  integration-tests (file or directory), needed by:",
      "  04-deployment/batch/Dockerfile (file), needed by:",
      "  04-deployment/web-service-mlflow/Dockerfile (file), needed by:",
    ]);
    expect(result.stdout).toContain('  tests (file or directory), needed by:\n    ci-cd.yml test "Unit tests": pytest path in "python -m pytest tests/ -v"\n');
    expect(result.stdout).toContain("Add them to the repository, or set the stack's app* keys to where they are (docs/onboarding.md).\n");
  });

  it("exits 3 naming each dashboard the lint job would refuse, when every path is there", () => {
    // GIVEN the fixture with a dashboard exported without a uid, and one taking a platform uid
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "check-layout-"));
    created.push(copy);
    fs.cpSync(REPOSITORY, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, "05-monitoring/dashboards/data_drift.json"), '{ "title": "Data drift", "panels": [] }\n');
    fs.writeFileSync(path.join(copy, "05-monitoring/dashboards/latency.json"), '{ "uid": "mlops-latency", "title": "Latency", "panels": [] }\n');
    // WHEN check-layout runs THEN both are named as the lint job names them, and nothing is written
    const result = checkLayout(["--stack", "onboarding", "--config-file", STACK_FILE, "--repository", copy]);
    expect(result).toMatchObject({ code: 3, stderr: "" });
    expect(result.stdout.split("\n")).toEqual([
      `check-layout: all 14 paths the workflows of stack onboarding reference are in ${copy}.`,
      "check-layout: ci-cd's lint job checks the dashboards in 05-monitoring/dashboards:",
      "::error file=05-monitoring/dashboards/data_drift.json::05-monitoring/dashboards/data_drift.json has no uid: give it one of 1 to 40 letters, digits, '-' or '_', so Grafana keeps its links and history.",
      '::error file=05-monitoring/dashboards/latency.json::05-monitoring/dashboards/latency.json has the uid "mlops-latency": uids starting with "mlops-" (in any case) belong to the platform\'s dashboards; choose another.',
      "::error title=Dashboards refused::2 problem(s) in 05-monitoring/dashboards; no dashboard was loaded into Grafana.",
      'Fix each dashboard named above (docs/onboarding.md, "Bring your dashboards"), or set mlops-cicd:appDashboardsDirectory to where they are.',
      "",
    ]);
    expect(fs.readdirSync(copy, { recursive: true }).map(String).sort()).toEqual([...fs.readdirSync(REPOSITORY, { recursive: true }).map(String), "05-monitoring/dashboards/latency.json"].sort());
  });

  it("exits 1 saying what to install when jq, which the dashboard check runs on, is missing", () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "check-layout-bin-"));
    created.push(bin);
    fs.symlinkSync(spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim(), path.join(bin, "bash"));
    const result = runTool("check-layout.ts", ["--stack", "onboarding", "--config-file", STACK_FILE, "--repository", REPOSITORY], { env: { PATH: bin } });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "check-layout failed: the dashboard check runs with bash and jq, as on GitHub's runners: install jq (apt-get install jq, brew install jq) and run check-layout again. " +
        "(MLOPS_CICD_DEBUG=1 prints a stack trace)\n",
    });
  });

  it.each([
    [["--stack", "production"], `--repository is required: a checkout of the application repository.\n${USAGE}\n`],
    [["--stack", "production", "--repository", "/nonexistent/checkout"], "--repository /nonexistent/checkout does not exist: give a checkout of the application repository.\n"],
    [["--stack", "production", "--repository", STACK_FILE], `--repository ${STACK_FILE} is not a directory: give a checkout of the application repository.\n`],
  ])("exits 2 on %j, saying what to give", (args, stderr) => {
    const result = checkLayout(args);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(stderr);
  });

  it("exits 2 on bad config, with config's own message", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "check-layout-")), "Pulumi.bad.yaml");
    created.push(path.dirname(file));
    fs.writeFileSync(file, fs.readFileSync(STACK_FILE, "utf8").replace("mlops-cicd:appTrainWorkingDirectory: 03-orchestration", "mlops-cicd:appTrainWorkingDirectory: ../elsewhere"));
    const result = checkLayout(["--stack", "bad", "--config-file", file, "--repository", REPOSITORY]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'Stack "bad" has 1 configuration problem; nothing was changed:\n  • `mlops-cicd:appTrainWorkingDirectory` must be "." (the repository root) or a directory relative to it, without ".." (such as 03-orchestration), got "../elsewhere".\n',
    );
  });

  it("prints its usage on --help and exits 0", () => {
    expect(checkLayout(["--help", "--stack", "production"])).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: "" });
  });
});

describe("docs/onboarding.md", () => {
  it("sets the layout the fixture is onboarded with, key for key", () => {
    const text = fs.readFileSync(path.join(ROOT, "docs", "onboarding.md"), "utf8");
    const section = text.slice(text.indexOf("## 3. Set the layout"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const documented = parse(block) as Record<string, unknown>;
    const stack = (parse(fs.readFileSync(STACK_FILE, "utf8")) as { config: Record<string, unknown> }).config;
    const layoutKeys = Object.fromEntries(Object.entries(stack).filter(([key]) => /^mlops-cicd:(app|dependabot)/.test(key)));
    expect(Object.keys(layoutKeys).length).toBeGreaterThan(10);
    expect(documented).toEqual(layoutKeys);
  });
});
