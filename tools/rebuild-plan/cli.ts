/**
 * `npm run rebuild-plan -- --stack <name> [--config-file <path>] [--parallel <n>]`
 *
 * Synthesizes the stack offline (as `npm run synth` does) and prints its rebuild plan from empty
 * state: the critical path of resource creation, `pulumi up`'s time at the assumed parallelism, the
 * operator's steps and the RTO estimate against the target (docs/disaster-recovery.md). Exit codes as synth's: 0 done, 2 bad arguments or bad config (message
 * on stderr), 1 anything else.
 */
import * as path from "node:path";
import { UsageError, parseOptions, runCommand } from "../command-line";
import { deferUnusedSdkModules } from "../synth/deferred-sdk-modules";
import { StackFileError, resolveStackConfig } from "../synth/stack-config";
import { DEFAULT_PARALLELISM } from "./durations";

const USAGE = "usage: npm run rebuild-plan -- --stack <name> [--config-file <path>] [--parallel <n>]";
const ROOT = path.resolve(__dirname, "../..");

interface CommandLine {
  readonly stack: string;
  readonly configFile: string | undefined;
  readonly parallelism: number;
}

function parseCommandLine(argv: string[]): CommandLine {
  const values = parseOptions(
    argv,
    { stack: { type: "string" }, "config-file": { type: "string" }, parallel: { type: "string" } },
    USAGE,
  );
  const { stack, parallel } = values;
  if (!stack) throw new UsageError("--stack is required.", USAGE);
  if (parallel !== undefined && !/^[1-9]\d{0,5}$/.test(parallel)) {
    throw new UsageError(`--parallel must be a whole number of at least 1, got "${parallel}".`, USAGE);
  }
  return {
    stack,
    configFile: values["config-file"],
    parallelism: parallel === undefined ? DEFAULT_PARALLELISM : Number(parallel),
  };
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  const config = resolveStackConfig(ROOT, args.stack, args.configFile);
  // Loaded only now, as in synth: a usage or stack-file error needs none of the SDK, and the plan,
  // an offline synth, needs only the part synth does.
  deferUnusedSdkModules();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesize } = require("../synth/synthesize") as typeof import("../synth/synthesize");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planRebuild, renderPlan } = require("./plan") as typeof import("./plan");
  const result = await synthesize({ stack: args.stack, config });
  process.stdout.write(renderPlan(planRebuild(args.stack, result.resources, args.parallelism)));
  return 0;
}

runCommand("rebuild-plan", main, (err) => err instanceof StackFileError || (err instanceof Error && err.name === "ConfigError"));
