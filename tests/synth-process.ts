/**
 * One offline synth in a process of its own, for the harness (tests/harness.ts):
 * `node -r tools/register.js tests/synth-process.ts <request.json> <result.json>`.
 *
 * The request holds the stack, its resolved config and the program's entry module; the result is
 * the SynthResult, or the error the program threw (name and message), as JSON. A fresh process is
 * the isolation jest's module registry gave, without jest re-evaluating the SDK for every run.
 */
import * as fs from "node:fs";
import { deferUnusedSdkModules } from "../tools/synth/deferred-sdk-modules";
import type { ResolvedConfig } from "../tools/synth/stack-config";

// As in `npm run synth`: the SDK's closure serialization and Automation API load only if used.
deferUnusedSdkModules();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- after the deferral, which must precede the SDK
const { synthesize } = require("../tools/synth/synthesize") as typeof import("../tools/synth/synthesize");

export interface SynthRequest {
  readonly stack: string;
  readonly config: ResolvedConfig;
  readonly program: string | undefined;
}

async function main(): Promise<void> {
  const [requestFile, resultFile] = process.argv.slice(2);
  if (!requestFile || !resultFile) throw new Error("usage: node -r tools/register.js tests/synth-process.ts <request.json> <result.json>");
  const request = JSON.parse(fs.readFileSync(requestFile, "utf8")) as SynthRequest;
  let answer: unknown;
  try {
    answer = { result: await synthesize({ stack: request.stack, config: request.config, program: request.program }) };
  } catch (error) {
    // The tests match the program's own errors by name and message.
    const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
    answer = { error: { name, message } };
  }
  fs.writeFileSync(resultFile, JSON.stringify(answer));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
