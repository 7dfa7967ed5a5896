/**
 * Every path of the application repository that the rendered workflows rely on, read from the
 * typed workflow model (workflows/model.ts) rather than from YAML text: the directories steps run
 * in, the dependency files they install and key caches on, the Docker build contexts and their
 * Dockerfiles, the lint and notebook paths, and the scripts and test paths the application's own
 * commands name. `missingReferences` checks them against a checkout; tests/onboarding.test.ts runs
 * both over a repository shaped like the spec's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ApplicationLayout } from "../contracts/application";
import { applicationWorkflows } from "../workflows";
import { ACTIONS } from "../workflows/actions";
import type { Step } from "../workflows/model";
import { isPipfileLock, scriptFiles } from "../workflows/steps";

export interface PathReference {
  /** Relative to the repository root, normalized (`.` is the root). */
  readonly path: string;
  /** `path`: a file or a directory (a lint path may be either). */
  readonly kind: "file" | "directory" | "path";
  /** `<workflow file> <job id> "<step name>": <what refers to it>`. */
  readonly where: string;
}

/** The environment variables whose values are lists of repository paths, one a line. */
const PATH_LIST_VARIABLES = ["LINT_PATHS", "NOTEBOOK_PATHS"] as const;
/** pick-build-context's build contexts, one variable per service type ("" for none). */
const BUILD_CONTEXT_VARIABLES = ["WEB_SERVICE_DIR", "BATCH_DIR", "MLFLOW_SERVICE_DIR"] as const;
/** What separates commands on one line. */
const COMMAND_SEPARATORS = new Set(["&&", "||", ";", "|"]);

/** Every repository path the workflows rendered with `settings` refer to, in workflow order. */
export function workflowReferences(settings: ApplicationLayout): PathReference[] {
  const found: PathReference[] = [];
  for (const { workflow } of applicationWorkflows(settings)) {
    for (const [jobId, job] of Object.entries(workflow.jobs)) {
      const jobWhere = `${workflow.fileName} ${jobId}`;
      for (const name of PATH_LIST_VARIABLES) {
        for (const item of lines(job.env?.[name])) found.push(reference(item, "path", `${jobWhere}: ${name}`));
      }
      for (const step of job.steps) found.push(...stepReferences(step, `${jobWhere} "${step.name}"`));
    }
  }
  return found;
}

/** The references of one step. */
function stepReferences(step: Step, where: string): PathReference[] {
  const found: PathReference[] = [];
  const directory = step.workingDirectory ?? ".";
  if (step.workingDirectory !== undefined) found.push(reference(step.workingDirectory, "directory", `${where}: working-directory`));
  if (step.uses === ACTIONS.setupPython) {
    for (const file of lines(stringValue(step.with?.["cache-dependency-path"]))) found.push(reference(file, "file", `${where}: cache-dependency-path`));
  }
  for (const file of lines(step.env?.REQUIREMENTS_FILES)) {
    found.push(reference(file, "file", `${where}: REQUIREMENTS_FILES`));
    // pipenv reads a lock through the Pipfile beside it.
    if (isPipfileLock(file)) found.push(reference(path.posix.join(path.posix.dirname(file), "Pipfile"), "file", `${where}: the Pipfile of ${file}`));
  }
  const context = stringValue(step.with?.context);
  if (step.uses === ACTIONS.dockerBuildPush && context !== undefined && !context.includes("${{")) found.push(...buildContext(context, `${where}: context`));
  if (step.run === scriptFiles("pick-build-context")) {
    for (const name of BUILD_CONTEXT_VARIABLES) {
      const value = step.env?.[name];
      if (value) found.push(...buildContext(value, `${where}: ${name}`));
    }
  }
  // The platform's scripts all start in strict mode (workflows/steps.ts); what does not is an
  // application command from stack config, run as written.
  if (step.run !== undefined && !step.run.startsWith("set -euo pipefail\n")) {
    for (const item of commandPaths(step.run.trim())) found.push(reference(path.posix.join(directory, item.path), item.kind, `${where}: ${item.what}`));
  }
  return found;
}

function buildContext(directory: string, where: string): PathReference[] {
  return [reference(directory, "directory", where), reference(path.posix.join(directory, "Dockerfile"), "file", `${where}'s Dockerfile`)];
}

/**
 * The repository paths in a command line: the script `python <script>` runs, and the test paths
 * of `python -m pytest` or `pytest` (arguments that are not options; `file.py::test` is its file).
 */
export function commandPaths(command: string): { path: string; kind: "file" | "path"; what: string }[] {
  const tokens = command.split(/\s+/).filter((token) => token !== "");
  const found: { path: string; kind: "file" | "path"; what: string }[] = [];
  const pytestArguments = (from: number) => {
    for (let index = from; index < tokens.length && !COMMAND_SEPARATORS.has(tokens[index]); index++) {
      const token = tokens[index];
      if (!token.startsWith("-") && !token.includes("=")) found.push({ path: token.split("::")[0], kind: "path", what: `pytest path in "${command}"` });
    }
  };
  tokens.forEach((token, index) => {
    if (token === "pytest" && tokens[index - 1] !== "-m") pytestArguments(index + 1);
    if (!/^python(3(\.\d+)?)?$/.test(token)) return;
    const next = tokens[index + 1];
    if (next === "-m" && tokens[index + 2] === "pytest") pytestArguments(index + 3);
    else if (next !== undefined && !next.startsWith("-") && !COMMAND_SEPARATORS.has(next)) found.push({ path: next, kind: "file", what: `script of "${command}"` });
  });
  return found;
}

/** The references that `root`, a checkout of the application repository, does not hold as stated. */
export function missingReferences(root: string, references: readonly PathReference[]): PathReference[] {
  return references.filter((item) => {
    const stat = fs.statSync(path.join(root, item.path), { throwIfNoEntry: false });
    if (stat === undefined) return true;
    return (item.kind === "file" && !stat.isFile()) || (item.kind === "directory" && !stat.isDirectory());
  });
}

function reference(target: string, kind: PathReference["kind"], where: string): PathReference {
  const normalized = path.posix.normalize(target);
  return { path: normalized.length > 1 ? normalized.replace(/\/$/, "") : normalized, kind, where };
}

function lines(value: string | undefined): string[] {
  return (value ?? "").split("\n").filter((line) => line !== "");
}

function stringValue(value: string | number | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
