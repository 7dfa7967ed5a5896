/**
 * What the project's commands (synth, rebuild-plan, pr-comment) share on their command line: strict
 * `--name value` options, no positionals, and a usage error that ends with the usage line. Their
 * callers print the message and exit 2.
 */
import { parseArgs } from "node:util";
import { optionErrorMessage, repeatedOptionProblems } from "../infra/validation";

export class UsageError extends Error {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
    this.name = "UsageError";
  }
}

/** `--help` or `-h`: the usage goes to standard output and the command exits 0, having done nothing. */
export class HelpRequest extends Error {
  constructor(readonly usage: string) {
    super(usage);
    this.name = "HelpRequest";
  }
}

type OptionSpec = { readonly type: "string" | "boolean"; readonly multiple?: boolean };

/**
 * Parses `argv` strictly against `options`; an unknown option (named with the one it most likely
 * meant) or a positional is a UsageError, `--help` a HelpRequest.
 */
export function parseOptions<T extends Record<string, OptionSpec>>(argv: readonly string[], options: T, usage: string) {
  const words = argv.slice(0, argv.includes("--") ? argv.indexOf("--") : argv.length);
  if (words.includes("--help") || words.includes("-h")) throw new HelpRequest(usage);
  // node:util keeps the last of a repeated option silently: `--stack staging --stack production` is a mistake to name.
  const single = Object.entries(options)
    .filter(([, spec]) => !spec.multiple)
    .map(([name]) => name);
  const [repeated] = repeatedOptionProblems(words, single);
  if (repeated !== undefined) throw new UsageError(repeated, usage);
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(optionErrorMessage((err as Error).message, Object.keys(options)), usage);
  }
}

/**
 * Lets a pending SIGINT, SIGTERM or SIGHUP be handled now: the project's commands do their work in
 * long synchronous stretches (loading the program, rendering), during which a signal only queues.
 * Call it right before the synchronous write, so an interrupt that came during the work stops the
 * command (128 + the signal, nothing written) instead of being handled after the write, or never.
 */
export function interruptionPoint(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs a command's `main` and exits with its code; SIGINT, SIGTERM and SIGHUP exit 128 + the signal. A usage error, or an error `isInputProblem`
 * recognises (bad config, a missing file), prints its message and exits 2; anything else prints
 * `<name> failed:` with a stack trace and exits 1. The exit is explicit: the Pulumi runtime can
 * leave handles open that would keep the process alive.
 */
export function runCommand(name: string, main: () => Promise<number> | number, isInputProblem: (err: unknown) => boolean = () => false): void {
  // Handled on the event loop, so never in the middle of a synchronous write (tools/output-dir.ts):
  // an interrupt leaves each output as it was, or whole.
  for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]] as const) {
    process.on(signal, () => {
      process.stderr.write(`${name}: interrupted (${signal}); every output is as it was before or complete, never partial.\n`);
      process.exit(128 + number);
    });
  }
  const fail = (err: unknown): number => {
    if (err instanceof HelpRequest) {
      process.stdout.write(`${err.usage}\n`);
      return 0;
    }
    if (err instanceof UsageError || isInputProblem(err)) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    // A stack trace is for whoever debugs the command, not for whoever runs it.
    const debug = Boolean(process.env.MLOPS_CICD_DEBUG);
    const message = err instanceof Error ? err.message : String(err);
    const detail = debug && err instanceof Error && err.stack ? err.stack : `${message} (MLOPS_CICD_DEBUG=1 prints a stack trace)`;
    process.stderr.write(`${name} failed: ${detail}\n`);
    return 1;
  };
  // One turn of the event loop before exiting: an interrupt that came during the last synchronous
  // stretch is reported as such rather than lost behind a success.
  const exit = (code: number) => setImmediate(() => process.exit(code));
  Promise.resolve()
    .then(main)
    .then(
      (code) => exit(code),
      (err: unknown) => exit(fail(err)),
    );
}
