/**
 * `npm run synth -- --stack <name> [--out <dir>] [--config-file <path>] [--policy-pack-config <path>]`
 *
 * Evaluates the program offline, runs the guardrail pack (policy/) over what it registered, and
 * writes both. Exit codes:
 * - 0: written, no mandatory policy violated (advisory ones are in policy.json and summary.md);
 * - 3: written, but a mandatory policy is violated: the violations go to stderr, and the output is
 *   still written whole so policy.json and summary.md show the verdict next to what caused it;
 * - 2: bad arguments, bad config, a bad policy config file, or an `--out` synth may not write (a
 *   file, a folder with files synth did not write, one holding the checkout or the current
 *   directory, a system directory): message on stderr, nothing written;
 * - 1: anything else.
 *
 * The output directory is replaced whole (tools/output-dir.ts): an interrupt leaves the previous
 * output or the new one, never a mix or neither.
 *
 * `--policy-pack-config` takes the JSON file `pulumi preview --policy-pack-config` takes: per
 * policy, an enforcement level or `{ "enforcementLevel": ..., <config property>: ... }`.
 */
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { UsageError, interruptionPoint, parseOptions, runCommand } from "../command-line";
import { readInputFile } from "../../infra/input-file";
import { ConfigurablePolicy, policyConfigProblems } from "./policy-config";
import { OutputError, checkOutputDirectory } from "../output-dir";
import { StackFileError, resolveStackConfig } from "./stack-config";
// The pack's list alone: plain data, without the SDK, so a bad policy config is refused at once.
import { ALL_POLICIES } from "../../policy/policies";
import { deferUnusedSdkModules } from "./deferred-sdk-modules";

const USAGE = "usage: npm run synth -- --stack <name> [--out <dir>] [--config-file <path>] [--policy-pack-config <path>]";
const ROOT = path.resolve(__dirname, "../..");

interface CommandLine {
  readonly stack: string;
  readonly out: string;
  readonly configFile: string | undefined;
  readonly policyConfigFile: string | undefined;
}

function parseCommandLine(argv: string[]): CommandLine {
  const values = parseOptions(
    argv,
    { stack: { type: "string" }, out: { type: "string" }, "config-file": { type: "string" }, "policy-pack-config": { type: "string" } },
    USAGE,
  );
  const { stack, out } = values;
  if (!stack) throw new UsageError("--stack is required.", USAGE);
  return {
    stack,
    out: out ?? path.join("out", stack),
    configFile: values["config-file"],
    policyConfigFile: values["policy-pack-config"],
  };
}

/** A policy config file synth cannot use; reported like bad config (exit 2). */
class PolicyConfigError extends Error {}

function readPolicyConfig(file: string | undefined, policies: readonly ConfigurablePolicy[]): PolicyPackConfig | undefined {
  if (file === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInputFile(file, 1024 * 1024));
  } catch (err) {
    throw new PolicyConfigError(`Cannot read the policy config ${file}: ${(err as Error).message}`);
  }
  const problems = policyConfigProblems(parsed, policies);
  if (problems.length > 0) {
    throw new PolicyConfigError(`The policy config ${file} cannot be used (docs/policy.md):\n${problems.map((problem) => `  • ${problem}`).join("\n")}`);
  }
  return parsed as PolicyPackConfig;
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  // Before the slow part: a target synth may not write is refused at once, with nothing touched.
  checkOutputDirectory(args.out, { command: "synth", protectedDirs: [ROOT] });
  const config = resolveStackConfig(ROOT, args.stack, args.configFile);
  const policyConfig = readPolicyConfig(args.policyConfigFile, ALL_POLICIES);
  // Loaded only now: the Pulumi SDK is most of synth's start-up, and a usage, stack-file or
  // policy-config error needs none of it. Even then synth needs only part of it.
  deferUnusedSdkModules();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesize } = require("./synthesize") as typeof import("./synthesize");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeSynthOutput } = require("./write-output") as typeof import("./write-output");
  const result = await synthesize({ stack: args.stack, config, policyConfig });
  await interruptionPoint();
  writeSynthOutput(result, args.out, [ROOT]);
  process.stdout.write(
    `Synthesized stack ${args.stack}: ${result.resources.filter((r) => r.custom).length} resources, ` +
      `${result.files.length} files -> ${args.out}\n`,
  );
  const mandatory = result.policy.filter((violation) => violation.level === "mandatory");
  if (mandatory.length > 0) {
    process.stderr.write(
      `Stack "${args.stack}" violates ${mandatory.length} mandatory ${mandatory.length === 1 ? "policy" : "policies"} ` +
        `(written anyway: ${path.join(args.out, "policy.json")}; docs/policy.md says how to fix each):\n` +
        mandatory.map((violation) => `- [${violation.policy}] ${violation.urn ?? "(stack)"}: ${violation.message}\n`).join(""),
    );
    return 3;
  }
  return 0;
}

function isConfigProblem(err: unknown): boolean {
  // By name: infra/config (and the SDK behind it) may not be loaded when the error comes.
  return err instanceof StackFileError || err instanceof PolicyConfigError || err instanceof OutputError || (err instanceof Error && err.name === "ConfigError");
}

runCommand("synth", main, isConfigProblem);
