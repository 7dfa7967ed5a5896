/**
 * `npm run gen:workflows`: writes the application workflows, rendered with the config of each stack
 * that commits them, to workflows/__rendered__/<stack>/, the platform tool bundles to
 * workflows/__rendered__/platform/, and this repository's own workflows to .github/workflows/.
 * They are committed so a pull request here shows the diff it will cause there; a test fails when
 * they are stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig, parseStackConfig } from "../infra/config";
import { renderApplicationWorkflows } from "../workflows";
import { BUNDLE_DIR, PLATFORM_TOOLS } from "../workflows/platform-tools";
import { PLATFORM_WORKFLOWS_DIR, platformSettings, renderPlatformWorkflows } from "../workflows/platform";
import { interruptionPoint, parseOptions, runCommand } from "./command-line";
import { OutputError, checkGeneratedTargets, replaceGeneratedDirectory, writeGeneratedFiles } from "./output-dir";
import { bundlePlatformTools } from "./platform-bundle";
import { knownStacks, resolveStackConfig } from "./synth/stack-config";

export const ROOT = path.resolve(__dirname, "..");
export const RENDERED_DIR = path.join(ROOT, "workflows", "__rendered__");
/** RENDERED_DIR from the repository root, as git names it. */
const RENDERED_PATH = path.relative(ROOT, RENDERED_DIR).split(path.sep).join("/");

/**
 * A stack's config as its file resolves offline. Its secrets are held as the placeholders that
 * stand in for them (nothing offline decrypts one), so rendering loads no Pulumi SDK.
 */
export function offlineStackConfig(stack: string): StackConfig<string> {
  const resolved = resolveStackConfig(ROOT, stack);
  return parseStackConfig(
    {
      get: (key) => resolved.values[key],
      isSecret: (key) => resolved.secretKeys.includes(key),
      keys: () => Object.keys(resolved.values),
    },
    stack,
    // Secrets do not reach workflow files; placeholders let config validation pass offline.
    { placeholderForMissingSecret: (spec) => spec.placeholder ?? "", secret: (placeholder: string) => placeholder },
  );
}

/** Stack → file name → YAML, for every stack that manages repository settings. */
export function renderedWorkflowsByStack(): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  for (const stack of knownStacks(ROOT)) {
    const config = offlineStackConfig(stack);
    if (!config.github.repositorySettings) continue;
    const files = new Map<string, string>();
    for (const file of renderApplicationWorkflows(config.application)) files.set(path.basename(file.path), file.content);
    result.set(stack, files);
  }
  return result;
}

/** This repository's own workflows (file name → YAML), for its stacks and the SDK's Pulumi version. */
export function renderedPlatformWorkflows(): Map<string, string> {
  const stacks = knownStacks(ROOT).map((stack) => {
    const config = offlineStackConfig(stack);
    const renderedWorkflows = config.github.repositorySettings
      ? renderApplicationWorkflows(config.application).map((file) => path.posix.join(RENDERED_PATH, stack, path.basename(file.path)))
      : [];
    return { name: stack, environment: config.profile.name, applicationRepository: `${config.github.owner}/${config.github.repository}`, renderedWorkflows };
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  return renderPlatformWorkflows(platformSettings(stacks, manifest.dependencies["@pulumi/pulumi"]));
}

export const PLATFORM_WORKFLOWS_PATH = path.join(ROOT, PLATFORM_WORKFLOWS_DIR);

const USAGE = "usage: npm run gen:workflows (renders every stack's application workflows, the platform bundles and this repository's workflows; no options)";

/** Everything gen:workflows writes, rendered before anything is written. */
async function main(): Promise<number> {
  parseOptions(process.argv.slice(2), {}, USAGE);
  // A stack whose config does not parse leaves the committed files as they were, with its message.
  let workflows: Map<string, Map<string, string>>;
  let own: Map<string, string>;
  try {
    workflows = renderedWorkflowsByStack();
    own = renderedPlatformWorkflows();
  } catch (err) {
    process.stderr.write(`gen:workflows: nothing written.\n${(err as Error).message}\n`);
    return 2;
  }
  const rendered = new Map<string, string>();
  for (const [name, content] of bundlePlatformTools()) rendered.set(path.posix.join(path.basename(BUNDLE_DIR), name), content);
  for (const [stack, files] of workflows) for (const [name, content] of files) rendered.set(path.posix.join(stack, name), content);
  // Only the files this repository renders: a hand-written workflow beside them is left alone.
  const ownFiles = new Map([...own].map(([name, content]) => [path.join(PLATFORM_WORKFLOWS_PATH, name), content]));
  // Every target checked before any is written; then each replaced whole, in one synchronous
  // stretch: an interrupt leaves the committed renderings.
  checkGeneratedTargets({ dirs: [RENDERED_DIR], files: [...ownFiles.keys()] });
  await interruptionPoint();
  replaceGeneratedDirectory(RENDERED_DIR, rendered);
  writeGeneratedFiles(ownFiles);
  process.stdout.write(`wrote ${PLATFORM_TOOLS.length} platform tool bundles\n`);
  for (const [stack, files] of workflows) process.stdout.write(`wrote ${files.size} workflows for stack ${stack}\n`);
  process.stdout.write(`wrote ${own.size} workflows of this repository to ${PLATFORM_WORKFLOWS_DIR}\n`);
  return 0;
}

if (require.main === module) runCommand("gen:workflows", main, (err) => err instanceof OutputError);
