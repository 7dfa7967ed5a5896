/**
 * The platform's own steps, run for real: the input checks exactly as rendered into the workflows,
 * under bash as GitHub runs them, and the alert-issue script against a stand-in for GitHub's REST
 * client. The metrics command has tests of its own (monitor-command.test.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { renderedWorkflowsByStack } from "../tools/render-workflows";

const workflows = renderedWorkflowsByStack().get("production") as Map<string, string>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed workflow document
type Doc = { jobs: Record<string, { steps: any[] }> };
/** Each workflow parsed once: the tests look steps up many times, and only read them. */
const parsed = new Map<string, Doc>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed workflow document
function findStep(file: string, predicate: (step: any) => boolean): { run: string; env: Record<string, string> } {
  if (!parsed.has(file)) parsed.set(file, parse(workflows.get(file) as string) as Doc);
  const doc = parsed.get(file)!;
  for (const job of Object.values(doc.jobs)) {
    const step = job.steps.find(predicate);
    if (step) return step;
  }
  throw new Error(`no such step in ${file}`);
}

const byName = (name: string) => (step: { name?: string }) => step.name === name;

interface StepRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
}

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "step-"));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs a step's script as GitHub does on Linux: `bash --noprofile --norc -eo pipefail <file>`. */
function runScript(script: string, env: Record<string, string>): StepRun {
  const file = path.join(work, "step.sh");
  const outputFile = path.join(work, "github-output");
  fs.writeFileSync(file, script);
  fs.writeFileSync(outputFile, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
    cwd: work,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: path.join(work, "summary"), ...env },
  });
  const outputs = Object.fromEntries(
    fs
      .readFileSync(outputFile, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, outputs };
}

describe("input validation, before any work", () => {
  const step = () => findStep("train-model.yml", byName("Validate data_month"));

  it.each(["2021-01", "2023-12"])("accepts data_month %s", (month) => {
    expect(runScript(step().run, { ...step().env, VALUE: month }).code).toBe(0);
  });

  it.each(["2021-13", "2021-00", "21-01", "2021-1", "", "2021-01; rm -rf /"])("rejects data_month %j, saying what it expects", (month) => {
    const result = runScript(step().run, { ...step().env, VALUE: month });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`::error title=Invalid input::data_month must be a month as YYYY-MM, such as 2021-01, got '${month}'\n`);
  });

  it("cannot be made to print a workflow command of its own", () => {
    const result = runScript(step().run, { ...step().env, VALUE: "x\n::add-mask::y" });
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n").filter((line) => line.startsWith("::"))).toHaveLength(1);
  });

  it("rejects an alert threshold that is not a number", () => {
    const threshold = findStep("monitor-model.yml", byName("Validate alert_threshold"));
    expect(runScript(threshold.run, { ...threshold.env, VALUE: "0.5" }).code).toBe(0);
    expect(runScript(threshold.run, { ...threshold.env, VALUE: "high" }).stdout).toContain(
      "alert_threshold must be a non-negative decimal number such as 0.5, got 'high'",
    );
  });
});

describe("the alert issue", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { syncAlertIssue } = require("../workflows/scripts/sync-alert-issue.js") as {
    syncAlertIssue: (api: unknown, options: unknown) => Promise<{ action: string; number?: number }>;
  };

  interface Issue {
    number: number;
    body: string;
    state: string;
    labels: string[];
    pull_request?: unknown;
    comments: string[];
  }

  /** The subset of Octokit the script uses, over an in-memory repository. */
  function fakeGitHub(issues: Issue[]) {
    const listForRepo = async ({ labels, state }: { labels: string; state: string }) => ({
      data: issues.filter((issue) => issue.state === state && labels.split(",").every((label) => issue.labels.includes(label))),
    });
    return {
      issues,
      paginate: async (method: typeof listForRepo, params: { labels: string; state: string }) => (await method(params)).data,
      rest: {
        issues: {
          listForRepo,
          create: async ({ body, labels }: { body: string; labels: string[] }) => {
            const issue = { number: issues.length + 1, body, labels, state: "open", comments: [] };
            issues.push(issue);
            return { data: issue };
          },
          createComment: async ({ issue_number, body }: { issue_number: number; body: string }) => {
            issues.find((issue) => issue.number === issue_number)?.comments.push(body);
          },
          update: async ({ issue_number, state }: { issue_number: number; state: string }) => {
            const issue = issues.find((entry) => entry.number === issue_number);
            if (issue) issue.state = state;
          },
        },
      },
    };
  }

  const labels = ["model-monitoring", "alert", "drift-detection"];
  const options = (active: boolean) => ({ marker: "drift: m", active, title: "Drift detected: m", body: "score 0.9", recoveryBody: "back to 0.1", labels });
  const api = (github: ReturnType<typeof fakeGitHub>) => ({ github, context: { repo: { owner: "o", repo: "r" } }, core: { info: () => undefined } });

  it("opens one issue, then updates it while drift lasts, then closes it on recovery", async () => {
    const github = fakeGitHub([]);
    expect(await syncAlertIssue(api(github), options(true))).toEqual({ action: "opened", number: 1 });
    expect(github.issues[0]).toMatchObject({ labels, state: "open", body: "<!-- drift: m -->\nscore 0.9" });
    expect(await syncAlertIssue(api(github), options(true))).toEqual({ action: "updated", number: 1 });
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]?.comments).toEqual(["score 0.9"]);
    expect(await syncAlertIssue(api(github), options(false))).toEqual({ action: "closed", number: 1 });
    expect(github.issues[0]).toMatchObject({ state: "closed", comments: ["score 0.9", "back to 0.1"] });
    expect(await syncAlertIssue(api(github), options(false))).toEqual({ action: "none" });
  });

  it("ignores pull requests and issues of other incidents", async () => {
    const github = fakeGitHub([
      { number: 1, body: "<!-- drift: m -->", state: "open", labels, pull_request: {}, comments: [] },
      { number: 2, body: "<!-- drift: other -->", state: "open", labels, comments: [] },
    ]);
    expect(await syncAlertIssue(api(github), options(true))).toEqual({ action: "opened", number: 3 });
  });

  it("is embedded verbatim in the workflows that use it", () => {
    for (const [file, id] of [["monitor-model.yml", "drift-issue"], ["monitor-model.yml", "stale-issue"], ["deploy-service.yml", "incident-issue"]] as const) {
      const step = findStep(file, (candidate) => candidate.id === id) as unknown as { with: { script: string } };
      expect(step.with.script.startsWith(`const syncAlertIssue = ${syncAlertIssue.toString()};\n`)).toBe(true);
    }
  });
});
