/**
 * `npm run check-layout -- --stack <name> --repository <dir> [--config-file <path>]`
 *
 * Renders the application's workflows with the stack's config, offline as synth does, and checks
 * that every path they reference (the directories commands run in, dependency files, build
 * contexts and their Dockerfiles, lint paths, the scripts and test paths of the commands) exists in
 * `<dir>`, a checkout of the application repository. Exit codes: 0 every path is there; 3 some are
 * missing (each printed with the step that needs it); 2 bad arguments, config or directory; 1
 * anything else. It reads the checkout and writes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../infra/config";
import { UsageError, parseOptions, runCommand } from "./command-line";
import { StackFileError, resolveStackConfig } from "./synth/stack-config";
import { PathReference, missingReferences, workflowReferences } from "./workflow-references";

const USAGE = "usage: npm run check-layout -- --stack <name> --repository <dir> [--config-file <path>]";
const ROOT = path.resolve(__dirname, "..");
/** Exit code when the checkout lacks paths the workflows need. */
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

function main(): number {
  const args = parseCommandLine(process.argv.slice(2));
  const stat = fs.statSync(args.repository, { throwIfNoEntry: false });
  if (stat === undefined) throw new RepositoryError(`--repository ${args.repository} does not exist: give a checkout of the application repository.`);
  if (!stat.isDirectory()) throw new RepositoryError(`--repository ${args.repository} is not a directory: give a checkout of the application repository.`);
  const resolved = resolveStackConfig(ROOT, args.stack, args.configFile);
  const config = parseStackConfig(
    { get: (key) => resolved.values[key], isSecret: (key) => resolved.secretKeys.includes(key), keys: () => Object.keys(resolved.values) },
    args.stack,
    // No secret reaches a workflow file; placeholders let validation pass offline.
    { placeholderForMissingSecret: (spec) => spec.placeholder ?? "" },
  );
  const references = workflowReferences(config.application);
  const paths = new Set(references.map((item) => item.path)).size;
  const missing = missingReferences(args.repository, references);
  if (missing.length === 0) {
    process.stdout.write(`check-layout: all ${paths} paths the workflows of stack ${args.stack} reference are in ${args.repository}.\n`);
    return 0;
  }
  const lines = describeMissing(missing);
  process.stdout.write(
    [
      `check-layout: ${lines.length} of the ${paths} paths the workflows of stack ${args.stack} reference are not in ${args.repository}:`,
      ...lines,
      "Add them to the repository, or set the stack's app* keys to where they are (docs/onboarding.md).",
      "",
    ].join("\n"),
  );
  return MISSING_PATHS_EXIT_CODE;
}

if (require.main === module) {
  runCommand("check-layout", main, (err) => err instanceof StackFileError || err instanceof ConfigError || err instanceof RepositoryError);
}
