/**
 * `npm run synth -- --stack <name> [--out <dir>] [--config-file <path>]`
 *
 * Evaluates the program offline and writes what it would create. Exit codes: 0 written,
 * 2 bad arguments or bad config (message on stderr, nothing written), 1 anything else.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { StackFileError, resolveStackConfig } from "./stack-config";

const USAGE = "usage: npm run synth -- --stack <name> [--out <dir>] [--config-file <path>]";
const ROOT = path.resolve(__dirname, "../..");

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { stack: string; out: string; configFile: string | undefined } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        out: { type: "string" },
        "config-file": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { stack, out } = parsed.values;
  if (!stack) throw new UsageError(`--stack is required.\n${USAGE}`);
  return { stack, out: out ?? path.join("out", stack), configFile: parsed.values["config-file"] };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  try {
    const config = resolveStackConfig(ROOT, args.stack, args.configFile);
    // Loaded only now: the Pulumi SDK is most of synth's start-up, and a usage or stack-file error
    // needs none of it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require("./synthesize") as typeof import("./synthesize");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { writeSynthOutput } = require("./write-output") as typeof import("./write-output");
    const result = await synthesize({ stack: args.stack, config });
    writeSynthOutput(result, args.out);
    process.stdout.write(
      `Synthesized stack ${args.stack}: ${result.resources.filter((r) => r.custom).length} resources, ` +
        `${result.files.length} files -> ${args.out}\n`,
    );
    return 0;
  } catch (err) {
    if (isConfigProblem(err)) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    const trace = err instanceof Error && err.stack && err.stack !== `${err.name}: ${err.message}` ? err.stack : `${String(err)} (MLOPS_CICD_DEBUG=1 prints a stack trace)`;
    process.stderr.write(`synth failed: ${trace}\n`);
    return 1;
  }
}

function isConfigProblem(err: unknown): boolean {
  // By name: infra/config (and the SDK behind it) may not be loaded when the error comes.
  return err instanceof StackFileError || (err instanceof Error && err.name === "ConfigError");
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`synth failed: ${String(err)}\n`);
    process.exit(1);
  },
);
