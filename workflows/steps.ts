/**
 * Step factories for what several workflows do the same way. Every script takes its values from
 * `env` (the renderer refuses `${{ }}` inside `run`), starts with `set -euo pipefail` where it does
 * more than one thing, and passes shellcheck.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ACTIONS } from "./actions";
import type { Step } from "./model";

/** Python tools the platform runs, pinned so a lint rule cannot change under a green build. */
export const PYTHON_TOOLS = Object.freeze({
  black: "24.10.0",
  isort: "5.13.2",
  flake8: "7.1.1",
  pylint: "3.3.1",
  pytest: "8.3.3",
  nbformat: "5.10.4",
  "pip-audit": "2.7.3",
  // Reads a Pipfile.lock for pip (`pipenv requirements --hash`); installed only where a lock is.
  pipenv: "2024.4.0",
});

export type PythonTool = keyof typeof PYTHON_TOOLS;

/** The spec's Python for everything but the test matrix. */
export const PYTHON_VERSION = "3.11";
/** The spec's unit-test matrix; `test (3.11)` is a required check. */
export const TEST_PYTHON_VERSIONS = ["3.9", "3.10", "3.11"] as const;

/** Every script's first line: stop at the first failure, an unset variable or a failed pipe. */
const STRICT_MODE = "set -euo pipefail";

/** A one-line script that stops at the first failure. Anything longer is a file (below). */
export function script(line: string): string {
  if (line.includes("\n")) throw new Error(`A script line holds a line break: make it a file under workflows/scripts (${JSON.stringify(line.slice(0, 60))}…).`);
  return `${STRICT_MODE}\n${line}\n`;
}


/** Where the steps' shell scripts live: linted by shellcheck as files, embedded at render time. */
export const SCRIPTS_DIRECTORY = path.join(__dirname, "scripts");

/**
 * The `run` of a step: workflows/scripts/`name`.sh of each name in order (a function library
 * first, then the script that uses it) under one `set -euo pipefail`, the line each file starts
 * with. Values reach a script through the step's `env`, never through its text.
 */
export function scriptFiles(...names: string[]): string {
  return [`${STRICT_MODE}\n`, ...names.map(scriptBody)].join("");
}

/** Each script's text after its strict-mode line, read once: a render embeds some in many steps. */
const scriptBodies = new Map<string, string>();

function scriptBody(name: string): string {
  const cached = scriptBodies.get(name);
  if (cached !== undefined) return cached;
  const file = path.join(SCRIPTS_DIRECTORY, `${name}.sh`);
  if (!/^[a-z0-9-]+$/.test(name) || !fs.existsSync(file)) throw new Error(`No shell script workflows/scripts/${name}.sh.`);
  const text = fs.readFileSync(file, "utf8");
  // Each file starts as it runs, so shellcheck reads it as it runs; the step states it once.
  if (!text.startsWith(`${STRICT_MODE}\n`)) throw new Error(`workflows/scripts/${name}.sh does not start with "${STRICT_MODE}".`);
  // A file without its last line break would run its last line into the next file's first.
  if (!text.endsWith("\n")) throw new Error(`workflows/scripts/${name}.sh does not end with a line break.`);
  const body = text.slice(STRICT_MODE.length + 1);
  scriptBodies.set(name, body);
  return body;
}

export function checkout(): Step {
  // The token stays out of .git/config: later steps run the application's code.
  return { name: "Check out", uses: ACTIONS.checkout, with: { "persist-credentials": false } };
}

/**
 * setup-python with pip's download cache keyed on the dependency files, one a line. With none there
 * is nothing to key it on (setup-python then fails looking for a requirements file): no cache.
 */
export function setupPython(version: string, dependencyFiles: readonly string[]): Step {
  const cache: Record<string, string> = dependencyFiles.length > 0 ? { cache: "pip", "cache-dependency-path": dependencyFiles.join("\n") } : {};
  return { name: `Set up Python ${version}`, uses: ACTIONS.setupPython, with: { "python-version": version, ...cache } };
}

/** A Pipfile.lock, installed through pipenv's export; any other dependency file is a pip requirements file. */
export function isPipfileLock(file: string): boolean {
  return path.posix.basename(file) === "Pipfile.lock";
}

/**
 * Installs the application's dependency files (workflows/scripts/install-python.sh: requirements
 * files with pip, a Pipfile.lock from its export with hashes) and the named platform tools at their
 * pinned versions.
 */
export function installPython(dependencyFiles: readonly string[] | undefined, tools: readonly PythonTool[] = []): Step {
  const env: Record<string, string> = {};
  if (dependencyFiles !== undefined && dependencyFiles.length > 0) env.REQUIREMENTS_FILES = dependencyFiles.join("\n");
  if (dependencyFiles?.some(isPipfileLock)) env.PIPENV_REQUIREMENT = `pipenv==${PYTHON_TOOLS.pipenv}`;
  if (tools.length > 0) env.PYTHON_TOOLS = tools.map((tool) => `${tool}==${PYTHON_TOOLS[tool]}`).join(" ");
  return { name: "Install dependencies", run: scriptFiles("install-python"), env: Object.keys(env).length > 0 ? env : undefined };
}

/**
 * A step running one of the application's commands from stack config as written, its inputs in
 * `env`, in `workingDirectory` (the repository root when "." or absent).
 */
export function applicationCommand(name: string, command: string, env?: Readonly<Record<string, string>>, workingDirectory = "."): Step {
  return { name, run: `${command}\n`, env, ...(workingDirectory !== "." ? { workingDirectory } : {}) };
}

/**
 * Workspace paths (relative to the repository root) as a command running in `directory` must name
 * them; none when it runs at the root, where the job's own values already hold.
 */
export function pathsFrom(directory: string, paths: Readonly<Record<string, string>>): Record<string, string> {
  if (directory === ".") return {};
  return Object.fromEntries(Object.entries(paths).map(([name, target]) => [name, path.posix.relative(directory, target)]));
}

/** AWS credentials for this run's environment through GitHub OIDC: no stored keys. */
export function awsCredentials(): Step {
  return {
    name: "Configure AWS credentials (OIDC)",
    uses: ACTIONS.awsCredentials,
    with: {
      "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
      "aws-region": "${{ vars.AWS_REGION }}",
      "role-session-name": "gha-${{ github.run_id }}-${{ github.run_attempt }}",
    },
  };
}

export function uploadArtifact(name: string, path: string, retentionDays: number, ifCondition?: string): Step {
  return {
    name: `Upload ${name}`,
    if: ifCondition,
    uses: ACTIONS.uploadArtifact,
    with: { name, path, "retention-days": retentionDays, "if-no-files-found": "error" },
  };
}

export function downloadArtifact(name: string, path: string): Step {
  return { name: `Download ${name}`, uses: ACTIONS.downloadArtifact, with: { name, path } };
}

/** Downloads the training month named by DATA_MONTH to DATA_FILE. */
export function downloadTrainingData(urlTemplate: string): Step {
  return {
    name: "Download the NYC taxi data",
    env: { DATA_URL_TEMPLATE: urlTemplate },
    run: scriptFiles("download-training-data"),
  };
}

/**
 * Checks a dispatch input against a pattern before any other step runs, with a message that says
 * what was expected.
 */
export function validateInput(name: string, expression: string, pattern: string, expected: string): Step {
  return {
    name: `Validate ${name}`,
    env: { VALUE: expression, PATTERN: pattern, EXPECTED: expected, INPUT_NAME: name },
    run: scriptFiles("validate-input"),
  };
}

export interface AlertIssueArgs {
  /** The step id; its outputs are `action` and `issue`. */
  readonly id: string;
  readonly name: string;
  readonly if?: string;
  /** Names the incident; one open issue per marker. */
  readonly marker: string;
  /** An expression or literal that is "true" while the incident lasts. */
  readonly active: string;
  readonly title: string;
  readonly body: string;
  readonly recoveryBody: string;
  readonly labels: readonly string[];
}

/**
 * Opens, updates or closes the incident's issue with workflows/scripts/sync-alert-issue.js, whose
 * source is embedded as it is: what the tests here exercise is what runs there. Every value comes
 * in through `env`.
 */
export function syncAlertIssue(args: AlertIssueArgs): Step {
  return {
    id: args.id,
    name: args.name,
    if: args.if,
    uses: ACTIONS.githubScript,
    env: {
      ALERT_MARKER: args.marker,
      ALERT_ACTIVE: args.active,
      ALERT_TITLE: args.title,
      ALERT_BODY: args.body,
      ALERT_RECOVERY_BODY: args.recoveryBody,
      ALERT_LABELS: args.labels.join(","),
    },
    with: {
      script: embeddedScript(
        "sync-alert-issue.js",
        "syncAlertIssue",
        "const result = await syncAlertIssue({ github, context, core }, {",
        "  marker: process.env.ALERT_MARKER,",
        '  active: process.env.ALERT_ACTIVE === "true",',
        "  title: process.env.ALERT_TITLE,",
        "  body: process.env.ALERT_BODY,",
        "  recoveryBody: process.env.ALERT_RECOVERY_BODY,",
        '  labels: process.env.ALERT_LABELS.split(","),',
        "});",
        'core.setOutput("action", result.action);',
        'if (result.number !== undefined) core.setOutput("issue", String(result.number));',
      ),
    },
  };
}

/**
 * The body of an actions/github-script step: defines `name`, a function of workflows/scripts/`file`,
 * from its source, then runs `call`. The workflow carries the function's own text, so the code the
 * tests run is the code the workflow runs.
 */
export function embeddedScript(file: string, name: string, ...call: string[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fn = (require(`./scripts/${file}`) as Record<string, (...args: unknown[]) => unknown>)[name];
  if (typeof fn !== "function") throw new Error(`workflows/scripts/${file} exports no function ${name}.`);
  return [`const ${name} = ${fn.toString()};`, ...call, ""].join("\n");
}
