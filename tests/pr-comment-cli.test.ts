/**
 * `npm run pr-comment` as a process: arguments, files that are not previews, exit codes, and a
 * 2 MB preview through the whole command. Kept apart from the in-process tests, which the mutation
 * run (npm run mutation) uses: a child process never runs the mutated code. Which message each bad
 * command line gets is checked on the command's parser in-process; one goes through the command.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { COMMENT_MARKER } from "../contracts/pr-comment";
import { UsageError } from "../tools/command-line";
import { COMMENT_BUDGET, GITHUB_COMMENT_LIMIT, type PreviewDigest, buildComment as buildCommentText, stackMarker } from "../tools/pr-comment";
import { parseCommandLine } from "../tools/pr-comment/cli";
import { fixture, load, structureProblems } from "./pr-comment-fixtures";
import { runTool } from "./run-tool";
import { Pictures } from "./mermaid";

const pictures = new Pictures();
const buildComment = pictures.collect(buildCommentText);


const prComment = (args: string[]) => {
  const result = runTool("pr-comment/cli.ts", args);
  pictures.add(result.stdout);
  return result;
};

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "pr-comment-cli-"));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/**
 * A preview of over 2 MB from the fixtures' own steps: 1,000 services whose task definitions change,
 * a 3,000-line workflow file, data-bearing deletions.
 */
function largePreview(): PreviewDigest {
  const template = load("every-op.json").steps.find((step) => step.op === "update");
  const fileTemplate = load("workflow-file.json").steps.find((step) => step.newState?.inputs?.file === ".github/workflows/ci-cd.yml");
  const bucket = load("every-op.json").steps.find((step) => step.op === "delete");
  if (!template?.oldState || !template.newState || !fileTemplate?.oldState || !fileTemplate.newState || !bucket?.oldState) throw new Error("fixture steps missing");
  const environment = (revision: number) =>
    JSON.stringify(Array.from({ length: 1 }, (_, index) => ({ name: `MLOPS_SETTING_${index}`, value: `value-${index}-revision-${revision}`.padEnd(60, "x") })));
  const steps = [...load("every-op.json").steps.filter((step) => step.op === "same").slice(0, 1)];
  for (let index = 0; index < 1000; index++) {
    const urn = template.urn.replace(/::mlflow$/, `::service-${String(index).padStart(4, "0")}`);
    steps.push({
      ...template,
      urn,
      oldState: { ...template.oldState, urn, inputs: { ...template.oldState.inputs, taskDefinition: environment(1) }, outputs: { ...template.oldState.outputs, taskDefinition: environment(1) } },
      newState: { ...template.newState, urn, inputs: { ...template.newState.inputs, taskDefinition: environment(2) }, outputs: {} },
      diffReasons: ["desiredCount", "taskDefinition"],
      detailedDiff: { desiredCount: { kind: "update", inputDiff: false }, taskDefinition: { kind: "update", inputDiff: false } },
    });
  }
  const workflow = (version: number) => Array.from({ length: 3000 }, (_, index) => `      - run: echo step ${index} v${index % 7 === 0 ? version : 0}\n`).join("");
  steps.push({
    ...fileTemplate,
    oldState: { ...fileTemplate.oldState, inputs: { ...fileTemplate.oldState.inputs, content: workflow(1) } },
    newState: { ...fileTemplate.newState, inputs: { ...fileTemplate.newState.inputs, content: workflow(2) } },
  });
  for (let index = 0; index < 3; index++) {
    const urn = bucket.urn.replace(/::artifacts$/, `::artifacts-${index}`);
    steps.push({ ...bucket, urn, oldState: { ...bucket.oldState, urn } });
  }
  const preview: PreviewDigest = { steps, diagnostics: [], changeSummary: { same: 120, update: 1001, delete: 3 } };
  return JSON.parse(JSON.stringify(preview).replaceAll("urn:pulumi:staging::", "urn:pulumi:production::")) as PreviewDigest;
}

describe("a 2 MB preview", () => {
  it("fits under GitHub's limit with every stack's summary, says what it left out, cuts nothing in half", () => {
    // GIVEN a 2 MB preview for production between two ordinary stacks, written as the engine would
    const large = path.join(work, "production.json");
    fs.writeFileSync(large, JSON.stringify(largePreview(), null, 4));
    expect(fs.statSync(large).size).toBeGreaterThan(2 * 1024 * 1024);

    // WHEN the command runs as the workflow runs it
    const result = prComment([
      "--preview", `staging=${fixture("every-op.json")}`,
      "--preview", `production=${large}`,
      "--preview", `dev=${fixture("failed.json")}`,
      "--details-url", "https://github.com/nyc-taxi-mlops/mlops-cicd/actions/runs/42",
    ]);

    // THEN
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const body = result.stdout;
    expect(body.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.split("\n")[0]).toBe(COMMENT_MARKER);
    expect(body).toContain("| `production` | changes | 0 | 1001 | 0 | 3 | 120 | – |");
    expect(body).toContain(`${stackMarker("staging")}\n### Stack \`staging\`\n\n**1 to create, 1 to update, 3 to replace, 1 to delete, 41 unchanged**`);
    expect(body).toContain(`${stackMarker("production")}\n### Stack \`production\`\n\n**0 to create, 1001 to update, 0 to replace, 3 to delete, 120 unchanged**.`);
    expect(body).toContain(`${stackMarker("dev")}\n### Stack \`dev\``);
    expect(body).toContain("Error: Missing required configuration variable");
    for (let index = 0; index < 3; index++) expect(body).toContain(`> - \`production\`: **delete** bucket \`artifacts-${index}\``);
    expect(body).toMatch(/more changed resources? not listed here\./);
    expect(body).toMatch(/<sub>To stay under GitHub's 65,536-character limit: \d+ resources not listed, .*The full preview is in the log and artifacts of \[the workflow run\]\(https:\/\/github\.com\/nyc-taxi-mlops\/mlops-cicd\/actions\/runs\/42\)\.<\/sub>\n$/);
    expect(structureProblems(body)).toEqual([]);
    // The workflow file's diff comes before the bulk of resource details.
    expect(body).toContain("<code>.github/workflows/ci-cd.yml</code> changed");
  });

  it("keeps every summary when there are many failing stacks with long errors", () => {
    const failing = load("failed.json");
    const long: PreviewDigest = { ...failing, diagnostics: failing.diagnostics.map((diagnostic) => ({ ...diagnostic, message: `${diagnostic.message}${"at frame\n".repeat(2000)}` })) };
    const stacks = Array.from({ length: 40 }, (_, index) => ({ stack: `region-${index}`, preview: long }));
    const body = buildComment(stacks);
    expect(body.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    for (const { stack } of stacks) expect(body).toContain(`${stackMarker(stack)}\n### Stack \`${stack}\``);
    expect(structureProblems(body)).toEqual([]);
  });
});

describe("npm run pr-comment", () => {
  it("prints the comment and nothing else", () => {
    const result = prComment(["--preview", `staging=${fixture("no-changes.json")}`, "--preview", `production=${fixture("no-changes.json")}`]);
    expect(result).toEqual({ code: 0, stdout: `${COMMENT_MARKER}\nNo changes: staging, production are up to date.\n`, stderr: "" });
  });

  const badCommandLines: [string[], RegExp][] = [
    [[], /^--preview is required, once per stack\.\nusage: npm run -s pr-comment -- --preview <stack>=<preview\.json>/],
    [["--preview", "production"], /^--preview "production": expected <stack>=<file>, e\.g\. --preview production=preview-production\.json\.\nusage:/],
    [["--preview", "=preview.json"], /^--preview "=preview\.json": expected <stack>=<file>/],
    [["--preview", "prod uction=p.json"], /^--preview "prod uction=p\.json": "prod uction" is not a stack name: letters, digits, "-", "_" and "\." only/],
    [["--preview", "staging=a.json", "--preview", "staging=b.json"], /^Stack "staging" is given twice \(a\.json and b\.json\): give each stack once\.\nusage:/],
    [["--stack", "staging"], /Unknown option '--stack'.*\nusage:/],
    [["--preview", "staging=a.json", "extra"], /Unexpected argument 'extra'.*\nusage:/],
    [["--preview", "staging=a.json", "--details-url", "not a url"], /^--details-url "not a url" is not a URL: give the workflow run's/],
    [["--preview", "staging=a.json", "--details-url", "javascript:alert(1)"], /^--details-url "javascript:alert\(1\)" must be an http\(s\) URL\./],
  ];

  /** The UsageError the command line gets: the command prints its message alone and exits 2. */
  const usageError = (args: readonly string[]): Error => {
    try {
      parseCommandLine(args);
    } catch (error) {
      return error as Error;
    }
    throw new Error(`${JSON.stringify(args)} passed the command line's checks.`);
  };

  it.each(badCommandLines)("exits 2 on %j, naming the problem and the usage", (args, message) => {
    const error = usageError(args);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(message);
    expect(error.message.split("\n").at(-1)).toMatch(/^usage: npm run -s pr-comment -- --preview /);
  });

  it("a bad command line through the command: exit 2, that message alone on stderr, nothing on stdout", () => {
    const [args, message] = badCommandLines[0] as [string[], RegExp];
    const result = prComment(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toBe(`${usageError(args).message}\n`);
  });

  it("exits 2 on a value nested deeper than any preview holds, instead of overflowing the stack", () => {
    const urn = "urn:pulumi:production::mlops-cicd::aws:s3/bucket:Bucket::b";
    const deep = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    const state = (inputs: string) => `{"type":"aws:s3/bucket:Bucket","urn":"${urn}","inputs":{"x":${inputs}}}`;
    const file = path.join(work, "deep.json");
    fs.writeFileSync(file, `{"steps":[{"op":"update","urn":"${urn}","oldState":${state("1")},"newState":${state(deep)},"diffReasons":["x"]}]}`);
    const result = prComment(["--preview", `production=${file}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Cannot build the preview comment:\n- production \(.*deep\.json\): not the output of `pulumi preview --json`: a value is nested more than 64 levels deep \(at steps\[0\]\.newState\.inputs\.x\.a\.a/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("prints one comment for 40 failed stacks, within GitHub's limit, without a stack trace", () => {
    const args = Array.from({ length: 40 }, (_, index) => ["--preview", `stack-${index}=${fixture("failed.json")}`]).flat();
    const result = prComment(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    for (const index of [0, 39]) expect(result.stdout).toContain(`stack-${index}`);
  });

  it("prints the usage on --help, exit 0", () => {
    const result = prComment(["--help"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^usage: npm run -s pr-comment -- --preview/);
  });

  it("exits 2 on files that are missing or not previews, listing every problem at once", () => {
    const notJson = path.join(work, "not-json.json");
    fs.writeFileSync(notJson, "Previewing update (production):\n");
    const notPreview = path.join(work, "outputs.json");
    fs.writeFileSync(notPreview, JSON.stringify({ bucketName: "mlflow-artifacts" }));
    const missing = path.join(work, "missing.json");
    const result = prComment([
      "--preview", `staging=${fixture("every-op.json")}`,
      "--preview", `production=${missing}`,
      "--preview", `dev=${notJson}`,
      "--preview", `qa=${notPreview}`,
      "--preview", `tmp=${work}`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")).toEqual([
      "Cannot build the preview comment:",
      `- production (${missing}): no such file. Write it with \`pulumi preview --stack production --json > ${missing}\`.`,
      expect.stringMatching(new RegExp(`^- dev \\(${notJson.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): not valid JSON \\(.+\\)\\. Give the stdout of \`pulumi preview --json\` alone, with nothing else written to it\\.$`)),
      `- qa (${notPreview}): not the output of \`pulumi preview --json\`: it has none of "steps", "changeSummary", "diagnostics" (its keys: "bucketName").`,
      `- tmp (${work}): a directory, not a file. Write it with \`pulumi preview --stack tmp --json > ${work}\`.`,
      "",
    ]);
  });
});

describe("the pictures of every comment above, the CLI's among them", () => {
  // Parsed here, in one batch for the file, by Mermaid's own parser: a picture these comments carry
  // must be drawn on GitHub, not only look right as text. The count notices a picture gone missing.
  it("are all parsed by Mermaid, none refused and none with a link", () => {
    const { diagrams, problems } = pictures.parse();
    expect(problems).toEqual([]);
    expect(diagrams).toHaveLength(2);
  });
});
