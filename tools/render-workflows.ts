/**
 * `npm run gen:workflows`: writes the application workflows, rendered with the config of each stack
 * that commits them, to workflows/__rendered__/<stack>/, and the platform tool bundles to
 * workflows/__rendered__/platform/. They are committed so a pull request here shows the diff it will
 * cause there; a test fails when they are stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig, parseStackConfig } from "../infra/config";
import { renderApplicationWorkflows } from "../workflows";
import { BUNDLE_DIR, PLATFORM_TOOLS } from "../workflows/platform-tools";
import { bundlePlatformTools } from "./platform-bundle";
import { knownStacks, resolveStackConfig } from "./synth/stack-config";

export const ROOT = path.resolve(__dirname, "..");
export const RENDERED_DIR = path.join(ROOT, "workflows", "__rendered__");

/** A stack's config as its file resolves offline. */
export function offlineStackConfig(stack: string): StackConfig {
  const resolved = resolveStackConfig(ROOT, stack);
  return parseStackConfig(
    {
      get: (key) => resolved.values[key],
      isSecret: (key) => resolved.secretKeys.includes(key),
      keys: () => Object.keys(resolved.values),
    },
    stack,
    // Secrets do not reach workflow files; placeholders let config validation pass offline.
    { placeholderForMissingSecret: (spec) => spec.placeholder ?? "" },
  );
}

/** Stack → file name → YAML, for every stack that manages repository settings. */
export function renderedWorkflowsByStack(): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  for (const stack of knownStacks(ROOT)) {
    const config = offlineStackConfig(stack);
    if (!config.github.manageRepositorySettings) continue;
    const files = new Map<string, string>();
    for (const file of renderApplicationWorkflows(config.application)) files.set(path.basename(file.path), file.content);
    result.set(stack, files);
  }
  return result;
}

if (require.main === module) {
  // Everything is rendered before anything is written: a stack whose config does not parse leaves
  // the committed files as they were, with the config's own message.
  let workflows: Map<string, Map<string, string>>;
  try {
    workflows = renderedWorkflowsByStack();
  } catch (err) {
    process.stderr.write(`gen:workflows: nothing written.\n${(err as Error).message}\n`);
    process.exit(2);
  }
  const bundles = bundlePlatformTools();
  fs.rmSync(RENDERED_DIR, { recursive: true, force: true });
  fs.mkdirSync(BUNDLE_DIR, { recursive: true });
  for (const [name, content] of bundles) fs.writeFileSync(path.join(BUNDLE_DIR, name), content);
  process.stdout.write(`wrote ${PLATFORM_TOOLS.length} platform tool bundles\n`);
  for (const [stack, files] of workflows) {
    fs.mkdirSync(path.join(RENDERED_DIR, stack), { recursive: true });
    for (const [name, content] of files) fs.writeFileSync(path.join(RENDERED_DIR, stack, name), content);
    process.stdout.write(`wrote ${files.size} workflows for stack ${stack}\n`);
  }
}
