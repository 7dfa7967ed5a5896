/**
 * docs/templates: each file the application team copies to meet a contract the platform adds is
 * checked by what the platform itself runs on that contract, so a template cannot drift from it:
 * the metrics file by mlops-monitor's parser, training.json by ci-cd's validation gate and
 * train-model's registration, the Python helpers by both, and the release tag by deploy-service's
 * own lookup, against a fake MLflow that enforces its logins.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseMetrics } from "../monitor/metrics";
import { offlineStackConfig } from "../tools/render-workflows";
import { applicationWorkflows } from "../workflows";
import { MODEL_VERSION_PATTERN } from "../workflows/deploy-service";
import { findReleasedModel } from "../workflows/mlflow-steps";
import type { Step } from "../workflows/model";
import { FakeMlflow } from "./fakes/fake-mlflow";

const TEMPLATES = path.resolve(__dirname, "..", "docs", "templates");
const MODEL = "nyc-taxi-trip-duration";
/** After the template's window, so it is not refused as a window from the future. */
const NOW = new Date("2026-12-01T00:00:00Z");
const PASSWORDS = { admin: "admin-pw", registry: "registry-pw", deployment: "deployment-pw", training: "training-pw" };

const workflows = applicationWorkflows(offlineStackConfig("production").application);
function step(file: string, job: string, name: string): Step {
  const found = workflows.find(({ workflow }) => workflow.fileName === file)?.workflow.jobs[job]?.steps.find((candidate) => candidate.name === name);
  if (found?.run === undefined) throw new Error(`no script step "${name}" in ${file} ${job}`);
  return found;
}
const rmseGate = step("ci-cd.yml", "validate-model", "Check the validation RMSE");
const registration = step("train-model.yml", "register", "Register the model in the MLflow Model Registry");

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "templates-"));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: string;
}

/** Runs a script without blocking this process, where the fake MLflow answers. */
function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  const outputFile = path.join(work, ".output");
  fs.writeFileSync(outputFile, "");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: work, env: { PATH: process.env.PATH, HOME: work, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: path.join(work, ".summary"), ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr, outputs: fs.readFileSync(outputFile, "utf8") }));
  });
}

/** The platform's step as the runner runs it, with its own env as rendered plus `env`. */
function runStep(each: Step, env: Record<string, string>): Promise<Run> {
  const literal = Object.fromEntries(Object.entries(each.env ?? {}).filter(([, value]) => !value.includes("${{")));
  return run("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", each.run ?? ""], { ...literal, ...env });
}

async function withMlflow<T>(versions: { version: string; status: string; tags: Record<string, string> }[], work: (url: string, server: FakeMlflow) => Promise<T>): Promise<T> {
  const server = new FakeMlflow({ users: PASSWORDS, modelGrants: { admin: "MANAGE", registry: "EDIT" }, modelName: MODEL, versions });
  const url = await server.start();
  try {
    return await work(url, server);
  } finally {
    await server.stop();
  }
}

const login = (url: string, user: keyof typeof PASSWORDS) => ({ MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_USERNAME: user, MLFLOW_TRACKING_PASSWORD: PASSWORDS[user] });

/** Copies a template into the workspace at `target`. */
function place(template: string, target: string): string {
  const file = path.join(work, target);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(path.join(TEMPLATES, template), file);
  return file;
}

describe("metrics.json", () => {
  it("is a window mlops-monitor stores", () => {
    const file = path.join(TEMPLATES, "metrics.json");
    expect(parseMetrics(fs.readFileSync(file, "utf8"), file, NOW)).toMatchObject({ modelName: MODEL, modelVersion: "3", driftScore: 0.31, datasetDrift: false });
  });
});

describe("training.json", () => {
  it("passes ci-cd's validation gate", async () => {
    place("training.json", "training-output/training.json");
    expect(await runStep(rmseGate, {})).toMatchObject({ status: 0, stdout: "Validation RMSE 6.12 is within the limit of 10.0.\n" });
  });

  it("is registered by train-model from its run_id", async () => {
    place("training.json", "training-output/training.json");
    await withMlflow([], async (url) => {
      const result = await runStep(registration, { ...login(url, "registry"), MODEL_NAME: MODEL });
      expect(result).toMatchObject({ status: 0, outputs: "version=1\n" });
      expect(result.stdout).toBe(`Registered ${MODEL} version 1 from run 3f1c9a7e5b2d4c60a8e1f0b9d7c6a5e4.\n`);
    });
  });
});

const PYTHON = spawnSync("python3", ["--version"]).status === 0;

(PYTHON || process.env.CI ? describe : describe.skip)("platform_outputs.py", () => {
  /** Runs `code` with the template importable, in the workspace, with `env`. */
  const python = (code: string, env: Record<string, string>) =>
    spawnSync("python3", ["-c", code], { cwd: work, encoding: "utf8", env: { PATH: process.env.PATH, PYTHONPATH: TEMPLATES, PYTHONDONTWRITEBYTECODE: "1", ...env } });

  it("writes a training.json the gate passes and a metrics window mlops-monitor stores", async () => {
    const result = python(
      [
        "from datetime import datetime, timezone",
        "from platform_outputs import write_training_json, write_metrics",
        "write_training_json('0a1b2c3d4e5f', {'rmse': 5.8, 'mae': 4.1})",
        `write_metrics('${MODEL}', 7, 0.2, 3, 0.0, True, 0.64, timestamp=datetime(2026, 11, 30, 12, tzinfo=timezone.utc))`,
      ].join("\n"),
      { OUTPUT_DIR: "training-output", OUTPUT_FILE: "monitoring-report/metrics.json" },
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(await runStep(rmseGate, {})).toMatchObject({ status: 0, stdout: "Validation RMSE 5.8 is within the limit of 10.0.\n" });
    const metrics = path.join(work, "monitoring-report", "metrics.json");
    expect(parseMetrics(fs.readFileSync(metrics, "utf8"), metrics, NOW)).toMatchObject({
      timestamp: new Date("2026-11-30T12:00:00Z"),
      modelVersion: "7",
      numDriftedColumns: 3,
      datasetDrift: true,
      driftScore: 0.64,
    });
  });

  it.each([
    ["write_training_json('', {'rmse': 5.8})", "run_id must be the MLflow run id"],
    ["write_training_json('0a1b', {'mae': 4.1})", "metrics must hold rmse"],
    ["write_training_json('0a1b', {'rmse': float('nan')})", "metrics must hold rmse"],
    [`from datetime import datetime\nwrite_metrics('${MODEL}', 7, 0.2, 3, 0.0, True, 0.64, timestamp=datetime(2026, 11, 30))`, "timestamp must be timezone-aware"],
  ])("refuses what the platform would refuse: %s", (code, message) => {
    const result = python(`from platform_outputs import write_training_json, write_metrics\n${code}`, { OUTPUT_DIR: "out", OUTPUT_FILE: "out/metrics.json" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`ValueError: ${message}`);
    expect(fs.existsSync(path.join(work, "out"))).toBe(false);
  });
});

describe("tag-release.sh", () => {
  const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
  // On a machine without shellcheck this is skipped, never in CI, which installs it.
  (shellcheck || process.env.CI ? it : it.skip)("passes shellcheck, as the workflows' scripts do", () => {
    const result = spawnSync("shellcheck", ["--format=gcc", path.join(TEMPLATES, "tag-release.sh")], { encoding: "utf8" });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: "" });
  });


  const tagRelease = (url: string, user: keyof typeof PASSWORDS, ...args: string[]) => run("bash", [path.join(TEMPLATES, "tag-release.sh"), ...args], login(url, user));
  const released = (url: string, release: string) => runStep(findReleasedModel(), { ...login(url, "deployment"), MODEL_NAME: MODEL, MODEL_VERSION: release });

  it("tags a version as a release that deploy-service then finds", async () => {
    await withMlflow([{ version: "6", status: "READY", tags: {} }, { version: "7", status: "READY", tags: {} }], async (url) => {
      expect(await tagRelease(url, "admin", MODEL, "7", "v1.4.0")).toMatchObject({
        status: 0,
        stdout: `${MODEL} version 7 is release v1.4.0: deploy it with deploy-service, model_version: v1.4.0.\n`,
      });
      expect(await released(url, "v1.4.0")).toMatchObject({ status: 0, outputs: "registry_version=7\n" });
    });
  });

  it("refuses a release another version already carries, which deploy-service would refuse", async () => {
    await withMlflow([{ version: "6", status: "READY", tags: { release: "v1.4.0" } }, { version: "7", status: "READY", tags: {} }], async (url) => {
      const result = await tagRelease(url, "admin", MODEL, "7", "v1.4.0");
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`v1.4.0 already names version 6 of ${MODEL}; a release names one version. Choose another release.`);
      expect(await released(url, "v1.4.0")).toMatchObject({ status: 0, outputs: "registry_version=6\n" });
    });
  });

  it("refuses a release deploy-service's input check would refuse, before calling MLflow", async () => {
    expect(new RegExp(MODEL_VERSION_PATTERN).test("1.4")).toBe(false);
    await withMlflow([], async (url, server) => {
      const result = await tagRelease(url, "admin", MODEL, "7", "1.4");
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("the release must be vMAJOR.MINOR.PATCH, such as v1.2.3, got '1.4'");
      expect(server.calls).toEqual([]);
    });
  });

  it("fails with a login that only reads the registry, as the workflows' logins do", async () => {
    await withMlflow([{ version: "7", status: "READY", tags: {} }], async (url) => {
      expect((await tagRelease(url, "deployment", MODEL, "7", "v1.4.0")).status).not.toBe(0);
    });
  });
});
