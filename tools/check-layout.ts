/**
 * `npm run check-layout -- --stack <name> --repository <dir> [--config-file <path>]`
 *
 * Renders the application's workflows with the stack's config, offline as synth does, and checks
 * that every path they reference (the directories commands run in, dependency files, build
 * contexts and their Dockerfiles, lint paths, the scripts and test paths of the commands) exists in
 * `<dir>`, a checkout of the application repository, then runs ci-cd's dashboard check over the
 * checkout's dashboards directory: a dashboard it refuses fails every pull request's lint job.
 * Exit codes: 0 every path is there and every dashboard passes; 3 some paths are missing (each
 * printed with the step that needs it) or some dashboards are refused (each problem printed); 2 bad
 * arguments, config or directory; 1 anything else (no bash or jq, which the check runs on). It reads
 * the checkout and writes nothing.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, parseOptions, runCommand } from "./command-line";
import { deferUnusedSdkModules } from "./synth/deferred-sdk-modules";
import { StackFileError, resolveStackConfig } from "./synth/stack-config";
import type { PathReference } from "./workflow-references";
import { checkDashboards } from "../workflows/dashboard-steps";

const USAGE = "usage: npm run check-layout -- --stack <name> --repository <dir> [--config-file <path>]";
const ROOT = path.resolve(__dirname, "..");
/** Exit code when the checkout lacks paths the workflows need, or holds dashboards they refuse. */
const MISSING_PATHS_EXIT_CODE = 3;

/** The directory to check is not one. */
class RepositoryError extends Error {}

function parseCommandLine(argv: string[]) {
  const values = parseOptions(argv, { stack: { type: "string" }, repository: { type: "string" }, "config-file": { type: "string" } }, USAGE);
  if (!values.stack) throw new UsageError("--stack is required.", USAGE);
  if (!values.repository) throw new UsageError("--repository is required: a checkout of the application repository.", USAGE);
  return { stack: values.stack, repository: values.repository, configFile: values["config-file"] };
}

/** Each missing path once, with every step that needs it. */
function describeMissing(missing: readonly PathReference[]): string[] {
  const byPath = new Map<string, PathReference[]>();
  for (const item of missing) byPath.set(item.path, [...(byPath.get(item.path) ?? []), item]);
  return [...byPath].map(([target, items]) => {
    const what = items[0].kind === "path" ? "file or directory" : items[0].kind;
    return [`  ${target} (${what}), needed by:`, ...[...new Set(items.map((item) => item.where))].map((where) => `    ${where}`)].join("\n");
  });
}

/**
 * The lint job's dashboard step, its script and env as rendered, run with bash in the checkout: the
 * same check, so what passes here passes there.
 */
function runDashboardCheck(repository: string, directory: string): { passed: boolean; output: string } {
  const step = checkDashboards(directory);
  const tools = spawnSync("bash", ["--noprofile", "--norc", "-c", "command -v jq"], { stdio: "ignore" });
  if (tools.error !== undefined || tools.status !== 0) {
    throw new Error("the dashboard check runs with bash and jq, as on GitHub's runners: install jq (apt-get install jq, brew install jq) and run check-layout again.");
  }
  const result = spawnSync("bash", ["--noprofile", "--norc", "-c", step.run ?? ""], {
    cwd: repository,
    env: { PATH: process.env.PATH ?? "", ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }), ...step.env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { passed: result.status === 0, output: result.stdout + result.stderr };
}

function main(): number {
  const args = parseCommandLine(process.argv.slice(2));
  const stat = fs.statSync(args.repository, { throwIfNoEntry: false });
  if (stat === undefined) throw new RepositoryError(`--repository ${args.repository} does not exist: give a checkout of the application repository.`);
  if (!stat.isDirectory()) throw new RepositoryError(`--repository ${args.repository} is not a directory: give a checkout of the application repository.`);
  const resolved = resolveStackConfig(ROOT, args.stack, args.configFile);
  // Loaded only now, as in synth: the config's parser brings the Pulumi SDK, which a usage, directory
  // or stack-file error needs none of. Parsing config runs none of the SDK's closure serialization
  // or Automation API either.
  deferUnusedSdkModules();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseStackConfig } = require("../infra/config") as typeof import("../infra/config");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { missingReferences, workflowReferences } = require("./workflow-references") as typeof import("./workflow-references");
  const config = parseStackConfig(
    { get: (key) => resolved.values[key], isSecret: (key) => resolved.secretKeys.includes(key), keys: () => Object.keys(resolved.values) },
    args.stack,
    // No secret reaches a workflow file; placeholders let validation pass offline.
    { placeholderForMissingSecret: (spec) => spec.placeholder ?? "" },
  );
  const references = workflowReferences(config.application);
  const paths = new Set(references.map((item) => item.path)).size;
  const missing = missingReferences(args.repository, references);
  const directory = config.application.dashboardsDirectory;
  const dashboards = runDashboardCheck(args.repository, directory);
  if (missing.length === 0) {
    process.stdout.write(`check-layout: all ${paths} paths the workflows of stack ${args.stack} reference are in ${args.repository}.\n`);
  } else {
    const lines = describeMissing(missing);
    process.stdout.write(
      [
        `check-layout: ${lines.length} of the ${paths} paths the workflows of stack ${args.stack} reference are not in ${args.repository}:`,
        ...lines,
        "Add them to the repository, or set the stack's app* keys to where they are (docs/onboarding.md).",
        "",
      ].join("\n"),
    );
  }
  // The script's own report: its last line counts the dashboards checked, or says none exist.
  process.stdout.write(`check-layout: ci-cd's lint job checks the dashboards in ${directory}:\n${dashboards.output}`);
  if (!dashboards.passed) {
    process.stdout.write(`Fix each dashboard named above (docs/onboarding.md, "Bring your dashboards"), or set mlops-cicd:appDashboardsDirectory to where they are.\n`);
  }
  if (missing.length === 0 && dashboards.passed) return 0;
  return MISSING_PATHS_EXIT_CODE;
}

if (require.main === module) {
  // ConfigError by name: infra/config may not be loaded when the error comes.
  runCommand("check-layout", main, (err) => err instanceof StackFileError || err instanceof RepositoryError || (err instanceof Error && err.name === "ConfigError"));
}
