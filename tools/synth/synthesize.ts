import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { withSecretPlaceholders } from "./offline-secrets";
import type { PolicyPackConfig } from "@pulumi/policy";
import { PolicyViolation, evaluatePolicies } from "../../policy/evaluate";
import { computedOutputs, offlineMocks } from "./mocks";
import { RecordedResource, RecordingMonitor, urnOf } from "./recording-monitor";
import { ResolvedConfig } from "./stack-config";

export interface SynthOptions {
  readonly stack: string;
  readonly config: ResolvedConfig;
  /** The program's entry module. @default infra/index.ts of this repository */
  readonly program?: string;
  /**
   * The guardrail pack's config, as `pulumi preview --policy-pack-config` takes it.
   * @default every policy at its own level, with its config's defaults
   */
  readonly policyConfig?: PolicyPackConfig;
}

/** A file the program commits to a repository, with the repository it goes to. */
export interface CommittedFile {
  readonly owner: string;
  readonly repository: string;
  readonly path: string;
  readonly content: string;
}

export interface SynthResult {
  readonly stack: string;
  readonly project: string;
  /** Every registered resource, sorted by URN. */
  readonly resources: readonly RecordedResource[];
  readonly files: readonly CommittedFile[];
  /** Stack outputs with secrets redacted. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Required operator secrets that were not set and were replaced by placeholders. */
  readonly missingSecrets: readonly string[];
  readonly encryptedKeys: readonly string[];
  readonly config: ResolvedConfig;
  /** The guardrail pack's verdict (policy/): every violation, sorted; empty when the stack complies. */
  readonly policy: readonly PolicyViolation[];
}

const DEFAULT_PROGRAM = path.resolve(__dirname, "../../infra/index.ts");

/**
 * Credentials and endpoints that providers read from the environment. Synth runs without them so
 * no token can reach its output and a developer's shell cannot change what it prints.
 */
export const PROVIDER_ENVIRONMENT: readonly string[] = [
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GITHUB_OWNER",
  "GITHUB_ORGANIZATION",
  "GITHUB_BASE_URL",
  "GITHUB_APP_ID",
  "GITHUB_APP_INSTALLATION_ID",
  "GITHUB_APP_PEM_FILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  // The Docker provider's default host: an ssh:// or tcp:// URL may carry credentials.
  "DOCKER_HOST",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  "DOCKER_CONFIG",
  "DOCKER_CONTEXT",
];

/**
 * Evaluates the real program under Pulumi's mock runtime with the given stack config and returns
 * what it would register. Loads the program once: call it once per process (or per jest module
 * registry).
 */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const { stack, config } = options;
  for (const name of PROVIDER_ENVIRONMENT) delete process.env[name];

  const { config: completed, missing: missingSecrets } = withSecretPlaceholders(config);
  pulumi.runtime.setAllConfig({ ...completed.values }, [...completed.secretKeys]);
  // setMocks turns on the runtime features (secrets, resource references) a real engine offers;
  // the recording monitor then replaces its plain MockMonitor.
  await pulumi.runtime.setMocks(offlineMocks, config.project, stack, false);
  const monitor = new PolicyRecordingMonitor(offlineMocks, computedOutputs);
  pulumi.runtime.setMockOptions(monitor, config.project, stack, false);

  const program = options.program ?? DEFAULT_PROGRAM;
  // An error thrown while the program loads (bad config, above all) is kept and rethrown once the
  // runtime has settled: thrown inside the stack's constructor it would surface as an unhandled
  // rejection instead of reaching the caller.
  let programError: { error: unknown } | undefined;
  // The SDK captures a stack trace for every promise it creates, for leak reports synth never
  // prints: a tenth of synth's time. MLOPS_CICD_DEBUG=1 keeps them, for debugging the program.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.MLOPS_CICD_DEBUG) Error.stackTraceLimit = 0;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exported = require(program) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(exported).filter(([key]) => key !== "__esModule"));
      } catch (error) {
        programError = { error };
        return {};
      }
    });
    await pulumi.runtime.disconnect();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (programError) throw programError.error;

  const resources = [...monitor.recorded].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const stackResource = resources.find((resource) => resource.type === "pulumi:pulumi:Stack");
  const outputs = (stackResource && (monitor.outputsByUrn.get(stackResource.urn) as Record<string, unknown>)) ?? {};

  const policy = await evaluatePolicies({
    resources,
    outputs,
    propertyDependencies: monitor.propertyDependencies,
    config,
    policyConfig: options.policyConfig,
  });

  return {
    stack,
    project: config.project,
    resources,
    files: committedFiles(resources, config),
    outputs,
    missingSecrets,
    encryptedKeys: config.encryptedKeys,
    config,
    policy,
  };
}

type RegisterRequest = Parameters<RecordingMonitor["registerResource"]>[0] & {
  getPropertydependenciesMap(): { forEach(callback: (dependencies: { getUrnsList(): string[] }, property: string) => void): void };
};

/**
 * Also records which resources each input property came from, as the engine hands them to policies:
 * the guardrail pack follows a rule resource to its security group, or a public access block to its
 * bucket, through them.
 */
class PolicyRecordingMonitor extends RecordingMonitor {
  readonly propertyDependencies = new Map<string, Record<string, string[]>>();

  override async registerResource(req: RegisterRequest, callback: Parameters<RecordingMonitor["registerResource"]>[1]): Promise<void> {
    const dependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((urns, property) => {
      dependencies[property] = [...new Set(urns.getUrnsList())].sort();
    });
    this.propertyDependencies.set(urnOf(req.getParent() || undefined, req.getType(), req.getName()), dependencies);
    return super.registerResource(req, callback);
  }
}

const REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile";

function committedFiles(resources: readonly RecordedResource[], config: ResolvedConfig): CommittedFile[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  return resources
    .filter((resource) => resource.type === REPOSITORY_FILE)
    .map((resource) => {
      const providerUrn = resource.provider?.split("::").slice(0, -1).join("::");
      const provider = providerUrn ? byUrn.get(providerUrn) : undefined;
      const owner = String(provider?.inputs.owner ?? config.values["github:owner"]);
      const { repository, file, content } = resource.inputs;
      if (typeof content !== "string" || content === "[secret]") {
        throw new Error(`${resource.urn}: committed file content must be plain text, never a secret.`);
      }
      return { owner, repository: String(repository), path: String(file), content };
    })
    .sort((a, b) => {
      const ka = `${a.owner}/${a.repository}/${a.path}`;
      const kb = `${b.owner}/${b.repository}/${b.path}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}
