/**
 * What the project's commands (synth, rebuild-plan, pr-comment) share on their command line: strict
 * `--name value` options, no positionals, and a usage error that ends with the usage line. Their
 * callers print the message and exit 2.
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
    this.name = "UsageError";
  }
}

type OptionSpec = { readonly type: "string"; readonly multiple?: boolean };

/** Parses `argv` strictly against `options`; an unknown option or a positional is a UsageError. */
export function parseOptions<T extends Record<string, OptionSpec>>(argv: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
}
