/**
 * The shared mock harness: runs the real program under Pulumi's mock runtime (the same recording
 * monitor and stand-ins as offline synth) and gives tests the registered resources.
 *
 * Each run loads a fresh copy of the SDK and the program, with the mocks set before the program is
 * imported: in a node process of its own (tests/synth-process.ts), or, for a run that instruments
 * the mocks, in an isolated module registry of this one.
 *
 * A run is a pure function of its stack, config and program, so the same run is made once per jest
 * run: once per test file, and once for all files when jest's global setup (tests/global-setup.js)
 * names a cache folder in MLOPS_CICD_SYNTH_CACHE. Results are frozen: a test cannot change what
 * another one reads.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../tools/synth/recording-monitor";
import type { ResolvedConfig } from "../tools/synth/stack-config";
import type { SynthResult } from "../tools/synth/synthesize";
import type { SynthRequest } from "./synth-process";

export const ROOT = path.resolve(__dirname, "..");
export const STACKS = ["staging", "production"] as const;

/** Config overrides: a value (lists as arrays) sets a key, `null` removes it. */
export type ConfigOverrides = Readonly<Record<string, string | number | boolean | readonly string[] | null>>;

export interface ProgramRun extends SynthResult {
  /** The one resource of `type` named `name`; throws, listing what exists, when there is none. */
  findResource(type: string, name: string): RecordedResource;
  resourcesOfType(type: string): RecordedResource[];
}

/** The stack file's config (or `configFile`'s) as the CLI would resolve it, with overrides applied. */
export function stackConfig(stack: string, overrides: ConfigOverrides = {}, secretKeys: readonly string[] = [], configFile?: string): ResolvedConfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveStackConfig } = require("../tools/synth/stack-config") as typeof import("../tools/synth/stack-config");
  const base = resolveStackConfig(ROOT, stack, configFile);
  const values: Record<string, string> = { ...base.values };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete values[key];
    else values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { ...base, values, secretKeys: [...new Set([...base.secretKeys, ...secretKeys])].sort() };
}

export interface RunOptions {
  /** A stack file other than `Pulumi.<stack>.yaml`, as `npm run synth -- --config-file` takes. */
  readonly configFile?: string;
  /** Called with the mocks synth answers with, in the run's module registry, before the program loads. */
  readonly instrument?: (mocks: typeof import("../tools/synth/mocks").offlineMocks) => void;
}

/** Runs the program for `stack` (or another entry module, for component tests) and returns everything it registered. */
export async function runProgram(
  stack: string,
  overrides: ConfigOverrides = {},
  secretKeys: readonly string[] = [],
  program?: string,
  options: RunOptions = {},
): Promise<ProgramRun> {
  const config = stackConfig(stack, overrides, secretKeys, options.configFile);
  const run = options.instrument ? await synthesizeInstrumented(stack, config, program, options.instrument) : await synthesizeOnce({ stack, config, program });
  return {
    ...run,
    findResource(type, name) {
      const found = run.resources.filter((resource) => resource.type === type && resource.name === name);
      if (found.length !== 1) {
        const names = run.resources.filter((resource) => resource.type === type).map((resource) => resource.name);
        throw new Error(`Expected one ${type} named ${name}; found ${found.length}. Of that type: ${names.join(", ") || "none"}.`);
      }
      return found[0] as RecordedResource;
    },
    resourcesOfType(type) {
      return run.resources.filter((resource) => resource.type === type);
    },
  };
}

/** In this process: `instrument` needs the very mocks object the run's SDK answers with. */
async function synthesizeInstrumented(stack: string, config: ResolvedConfig, program: string | undefined, instrument: NonNullable<RunOptions["instrument"]>): Promise<SynthResult> {
  let result: SynthResult | undefined;
  await jest.isolateModulesAsync(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    instrument((require("../tools/synth/mocks") as typeof import("../tools/synth/mocks")).offlineMocks);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require("../tools/synth/synthesize") as typeof import("../tools/synth/synthesize");
    result = await synthesize({ stack, config, program });
  });
  return result as SynthResult;
}

/** What a synth process answers: the result, or the error the program threw. */
type Answer = { readonly result: SynthResult } | { readonly error: { readonly name: string; readonly message: string } };

const answers = new Map<string, Promise<Answer>>();

async function synthesizeOnce(request: SynthRequest): Promise<SynthResult> {
  // The child gets the test's environment (a test may plant provider variables), so the environment
  // is part of what names a run: a run with planted variables never reads one made without them.
  const key = createHash("sha256").update(JSON.stringify({ request, env: runEnvironment() })).digest("hex");
  let answer = answers.get(key);
  if (!answer) {
    answer = sharedAnswer(key, request).then((shared) => deepFreeze(withAbsentKeys(shared)));
    answers.set(key, answer);
  }
  const settled = await answer;
  if ("error" in settled) {
    // A fresh error per call, as a fresh run would throw.
    const error = new Error(settled.error.message);
    error.name = settled.error.name;
    throw error;
  }
  return settled.result;
}

/** The environment a synth process is given, as sorted pairs; the jest worker's own number is no input. */
function runEnvironment(): [string, string | undefined][] {
  return Object.entries(process.env)
    .filter(([name]) => name !== "JEST_WORKER_ID")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The answer from the run's cache folder when another test file made the same run; otherwise made
 * here and left there. A file claims a run before making it, so two workers do not make it twice.
 */
async function sharedAnswer(key: string, request: SynthRequest): Promise<Answer> {
  const cache = process.env.MLOPS_CICD_SYNTH_CACHE;
  if (!cache) return JSON.parse(await synthesizeInChild(request)) as Answer;
  const file = path.join(cache, `${key}.json`);
  let claim: number | undefined;
  try {
    claim = fs.openSync(`${file}.claim`, "wx");
  } catch {
    // Claimed by another file: its answer follows, unless making it failed and the claim is gone.
    while (fs.existsSync(`${file}.claim`) && !fs.existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 100));
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as Answer;
  }
  try {
    const text = await synthesizeInChild(request);
    if (claim !== undefined) {
      fs.writeFileSync(`${file}.${process.pid}`, text);
      fs.renameSync(`${file}.${process.pid}`, file);
    }
    return JSON.parse(text) as Answer;
  } catch (error) {
    if (claim !== undefined) fs.rmSync(`${file}.claim`, { force: true });
    throw error;
  } finally {
    if (claim !== undefined) fs.closeSync(claim);
  }
}

const REGISTER = path.join(ROOT, "tools", "register.js");
const SYNTH_PROCESS = path.join(__dirname, "synth-process.ts");

/** The answer's JSON, from a synth process (tests/synth-process.ts). */
async function synthesizeInChild(request: SynthRequest): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-cicd-synth-"));
  try {
    const requestFile = path.join(work, "request.json");
    const resultFile = path.join(work, "result.json");
    fs.writeFileSync(requestFile, JSON.stringify(request));
    // The test's environment, not the worker's: a test that sets provider variables checks synth ignores them.
    await promisify(execFile)(process.execPath, ["-r", REGISTER, SYNTH_PROCESS, requestFile, resultFile], { cwd: ROOT, env: { ...process.env }, maxBuffer: 64 * 1024 * 1024 });
    return fs.readFileSync(resultFile, "utf8");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A resource's `parent` and `provider` are always there, `undefined` when not set; JSON drops such
 * keys, so they come back here and a result reads as the run made it.
 */
function withAbsentKeys(answer: Answer): Answer {
  if ("error" in answer) return answer;
  const resources = answer.result.resources.map((resource) => ({ ...resource, parent: resource.parent, provider: resource.provider }));
  return { result: { ...answer.result, resources } };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Resource type tokens the tests assert on. */
export const TYPES = {
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  deploymentPolicy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  environmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  environmentSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  secret: "github:index/actionsSecret:ActionsSecret",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  label: "github:index/issueLabel:IssueLabel",
  file: "github:index/repositoryFile:RepositoryFile",
  githubProvider: "pulumi:providers:github",
  deploymentEnvironment: "mlops-cicd:github:DeploymentEnvironment",
  repositorySettings: "mlops-cicd:github:RepositorySettings",
} as const;

/** Awaits an Output's value: tests await this instead of asserting inside `apply`. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}
