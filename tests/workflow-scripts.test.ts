/**
 * The steps' shell scripts as files (workflows/scripts/*.sh): shellcheck reads them as they are
 * written, every one is part of a rendered workflow, and no long script hides in a TypeScript string.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_KEYS } from "../infra/config-schema";
import { qualifiedKey } from "../contracts/project";
import { renderedPlatformWorkflows, renderedWorkflowsByStack } from "../tools/render-workflows";
import { SCRIPTS_DIRECTORY, script, scriptFiles } from "../workflows/steps";
import { SHELLCHECK, runBlocks } from "./workflow-validators";

const SCRIPTS = fs
  .readdirSync(SCRIPTS_DIRECTORY)
  .filter((name) => name.endsWith(".sh"))
  .sort();
const STRICT = "set -euo pipefail\n";
const text = (name: string) => fs.readFileSync(path.join(SCRIPTS_DIRECTORY, name), "utf8");
/** A file as the step embeds it: after the strict-mode line it starts with. */
const body = (name: string) => text(name).slice(STRICT.length);

const workflows = [...renderedPlatformWorkflows().values(), ...[...renderedWorkflowsByStack().values()].flatMap((files) => [...files.values()])];
const blocks = workflows.flatMap((content) => runBlocks(content));

it("finds the scripts, each starting as it runs", () => {
  expect(SCRIPTS.length).toBeGreaterThan(25);
  for (const name of SCRIPTS) expect([name, text(name).startsWith(STRICT)]).toEqual([name, true]);
});

// On a machine without shellcheck this is skipped, never in CI, which installs it.
(SHELLCHECK || process.env.CI ? it : it.skip)("passes shellcheck as files, without a finding", () => {
  // As anyone would run it: the directory's .shellcheckrc says the shell.
  const result = spawnSync("shellcheck", ["--format=gcc", ...SCRIPTS], { cwd: SCRIPTS_DIRECTORY, encoding: "utf8" });
  expect(result.stdout).toBe("");
  expect(result.status).toBe(0);
});

/** python3 on PATH, looked up rather than started: a version manager's shim takes half a second to start. */
const PYTHON = (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
  try {
    fs.accessSync(path.join(dir || ".", "python3"), fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

// Python inside a script (a quoted heredoc, so the shell leaves it alone) is parsed as Python.
(PYTHON || process.env.CI ? it : it.skip)("holds Python that parses, in every heredoc", () => {
  const heredocs = SCRIPTS.flatMap((name) => [...text(name).matchAll(/<<'PY'\n([\s\S]*?)\nPY\n/g)].map((match) => [name, match[1] as string] as const));
  expect(heredocs.length).toBeGreaterThan(0);
  for (const [name, source] of heredocs) {
    const result = spawnSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read(), filename=sys.argv[1])", name], { input: source, encoding: "utf8" });
    expect({ name, stderr: result.stderr, status: result.status }).toEqual({ name, stderr: "", status: 0 });
  }
});

it.each(SCRIPTS)("embeds %s in a rendered workflow, as written", (name) => {
  expect(blocks.some((block) => block.script.includes(body(name)))).toBe(true);
});

it("keeps every script longer than a line in a file: what is left inline are one-line commands", () => {
  const inline = blocks
    .map((block) => ({ where: block.where, text: SCRIPTS.reduce((text, name) => text.replace(body(name), ""), block.script) }))
    .filter(({ text }) => text.split("\n").filter((line) => line.trim() !== "" && line !== "set -euo pipefail").length > 1);
  expect(inline).toEqual([]);
});

it("names only config keys the program reads", () => {
  const known = new Set(CONFIG_KEYS.map((spec) => qualifiedKey(spec.key)));
  const named = SCRIPTS.flatMap((name) => [...body(name).matchAll(/\bmlops-cicd:[A-Za-z]+\b/g)].map((match) => [name, match[0]]));
  expect(named.length).toBeGreaterThan(0);
  for (const [name, key] of named) expect([name, key, known.has(key)]).toEqual([name, key, true]);
});

it("renders files after strict mode, in the order named", () => {
  expect(scriptFiles("mlflow-api", "register-model")).toBe(`${STRICT}${body("mlflow-api.sh")}${body("register-model.sh")}`);
});

it("refuses a script that is not there, or a name that is a path", () => {
  expect(() => scriptFiles("no-such-script")).toThrow("No shell script workflows/scripts/no-such-script.sh.");
  expect(() => scriptFiles("../steps")).toThrow("No shell script workflows/scripts/../steps.sh.");
});

it("refuses a line break inside an inline script line", () => {
  expect(script("echo one")).toBe("set -euo pipefail\necho one\n");
  expect(() => script("echo one\necho two")).toThrow('A script line holds a line break: make it a file under workflows/scripts ("echo one\\necho two"…).');
});
