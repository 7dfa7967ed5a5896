/**
 * The shared mock harness: runs the real program under Pulumi's mock runtime (the same recording
 * monitor and stand-ins as offline synth) and gives tests the registered resources.
 *
 * Each run loads a fresh copy of the SDK and the program in an isolated module registry, with the
 * mocks set before the program is imported.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../tools/synth/recording-monitor";
import type { ResolvedConfig } from "../tools/synth/stack-config";
import type { SynthResult } from "../tools/synth/synthesize";

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
  let result: SynthResult | undefined;
  await jest.isolateModulesAsync(async () => {
    if (options.instrument) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      options.instrument((require("../tools/synth/mocks") as typeof import("../tools/synth/mocks")).offlineMocks);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require("../tools/synth/synthesize") as typeof import("../tools/synth/synthesize");
    result = await synthesize({ stack, config, program });
  });
  const run = result as SynthResult;
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
