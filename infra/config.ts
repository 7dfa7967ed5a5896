// Types only at import: offline readers (the workflow renderer, check-layout) load no SDK. The SDK
// itself is loaded where a secret is wrapped or Pulumi's config is read.
import type * as pulumi from "@pulumi/pulumi";
import type { ApplicationLayout } from "../contracts/application";
import { CheckContext, CONFIG_KEYS, ConfigDefault, ConfigKey, ConfigKeySpec, ConfigValue, RequiredConfigKey } from "./config-schema";
import { PROJECT_NAME, qualifiedKey } from "../contracts/project";
import { EnvironmentProfile, environmentProfile, isEnvironmentName } from "./environments";
import { CROSS_KEY_RULES, ProcessEnv, Read, RuleContext, appSignIn } from "./config-rules";
import { RestoreSource, classifyRestoreSource, closestMatch } from "./validation";

/**
 * The stack's configuration, read once, validated whole and frozen. Components take slices of it.
 * `Secret` is how an operator secret is held: a secret Output in the program; offline readers, which
 * never see a secret's value, may hold the placeholder instead (ParseOptions `secret`).
 */
export interface StackConfig<Secret = pulumi.Output<string>> {
  readonly stack: string;
  /** The deployment profile `environment` names: its GitHub environment and protection rules. */
  readonly profile: EnvironmentProfile;
  readonly github: GitHubConfig;
  /** This environment's endpoints, published to its GitHub environment. */
  readonly endpoints: {
    readonly apiUrl: string;
  };
  readonly runtime: RuntimeConfig<Secret>;
  readonly secrets: OperatorSecrets<Secret>;
  readonly application: ApplicationLayout;
  /** How the GitHub provider signs in, from the environment of `pulumi up`. */
  readonly githubCredentials: GitHubCredentials<Secret>;
}

/**
 * `app`: as the platform's GitHub App (`GITHUB_APP_INSTALLATION_ID` and `GITHUB_APP_PEM_FILE` set),
 * the only identity the ruleset lets commit to the default branch. `ambient`: whatever the provider
 * finds itself (`GITHUB_TOKEN`); enough for everything but those commits.
 */
export type GitHubCredentials<Secret = pulumi.Output<string>> =
  | { readonly kind: "app"; readonly appId: number; readonly installationId: string; readonly privateKey: Secret }
  | { readonly kind: "ambient" };

export interface GitHubConfig {
  readonly owner: string;
  readonly repository: string;
  readonly defaultBranch: string;
  /** Who approves deployments to this stack's GitHub environment. */
  readonly reviewers: { readonly users: readonly string[]; readonly teams: readonly string[] };
  /** Present exactly when this stack owns the repository-wide settings (`manageRepositorySettings`). */
  readonly repositorySettings: RepositorySettingsConfig | undefined;
}

/** The repository-wide settings, which one stack per repository owns. */
export interface RepositorySettingsConfig {
  /** The platform's GitHub App: the default branch ruleset's only bypass actor. */
  readonly platformAppId: number;
  readonly requiredApprovingReviews: number;
  /** The application team's own checks, required beside the platform's. */
  readonly additionalRequiredChecks: readonly string[];
  readonly codeowners: readonly string[];
  readonly dependabot: {
    readonly pipDirectories: readonly string[];
    readonly dockerDirectories: readonly string[];
  };
}

/** The stack's runtime on AWS. */
export interface RuntimeConfig<Secret = pulumi.Output<string>> {
  readonly region: string;
  readonly vpcCidr: string;
  readonly availabilityZoneCount: number;
  /** Multi-AZ, deletion protection, Pulumi `protect`, final snapshot, a NAT gateway per zone. */
  readonly dataProtection: boolean;
  readonly database: {
    readonly instanceClass: string;
    readonly allocatedStorageGb: number;
    readonly backupRetentionDays: number;
    /** Restore from this snapshot instead of starting empty. Never set with `pointInTimeRestore`. */
    readonly snapshotIdentifier: string | undefined;
    /** Restore to a point in time from automated backups instead of starting empty. */
    readonly pointInTimeRestore: PointInTimeRestore | undefined;
    /** How the generated login passwords rotate. */
    readonly rotation: CredentialRotation;
  };
  /** Adopt this OIDC provider instead of creating one. */
  readonly githubOidcProviderArn: string | undefined;
  /** Where the artifact bucket's replica and the database's backup copies live; never `region`. */
  readonly recoveryRegion: string | undefined;
  /** Who pushes to and pulls from GHCR. */
  /** `token` pushes (write:packages); `pullToken` is what ECS pulls with (read:packages). */
  readonly registry: { readonly username: string; readonly token: Secret; readonly pullToken: Secret };
  readonly services: {
    readonly certificateArn: string;
    readonly mlflowHostname: string;
    readonly grafanaHostname: string;
    readonly desiredCount: number;
    readonly logRetentionDays: number;
  };
}

/**
 * The rotation schedule, and the rotation this run makes, if any: only the rotation workflow's
 * `pulumi up` passes one (docs/decisions/0004-credential-rotation.md).
 */
export interface CredentialRotation {
  readonly periodDays: number;
  readonly step: RotationStep | undefined;
}

/** A rotation: the generation it makes current and the day it was made. */
export interface RotationStep {
  readonly generation: number;
  /** A UTC calendar date, YYYY-MM-DD. */
  readonly rotatedOn: string;
}

/** A restore to a point in time (RDS RestoreDBInstanceToPointInTime). */
export interface PointInTimeRestore {
  readonly source: RestoreSource;
  /** A UTC RFC 3339 time, or `latest` for the latest restorable time. */
  readonly restoreTime: string;
}

/** Values only an operator can supply, each a secret Output from the moment it is read. */
export interface OperatorSecrets<Secret = pulumi.Output<string>> {
  /** Unset: notifications are skipped. */
  readonly slackWebhookUrl: Secret | undefined;
  /** Only with the `allowLongLivedAwsKeys` opt-in. */
  readonly awsKeys: { readonly accessKeyId: Secret; readonly secretAccessKey: Secret } | undefined;
}

/** Where raw values come from: Pulumi's config in a real run, a plain map in tests. */
export interface RawConfigSource {
  /** The value as Pulumi stores it (arrays as JSON), or undefined when the key is not set. */
  get(qualifiedKey: string): string | undefined;
  /** Whether the value was stored encrypted (`pulumi config set --secret`). */
  isSecret(qualifiedKey: string): boolean;
  /** Every key that is set, so misspelt keys in the project's namespace can be reported. */
  keys(): readonly string[];
}

export interface ParseOptions {
  /** Where GitHub App credentials are read from. @default no credentials (ambient) */
  readonly processEnv?: ProcessEnv;
  /**
   * Offline synth's stand-in for a required operator secret that is not set. Absent in a real run,
   * where a missing secret is a config error.
   */
  readonly placeholderForMissingSecret?: (spec: ConfigKeySpec) => string;
}

/** How a reader holds each operator secret it reads. */
export interface SecretHolding<Secret> {
  /**
   * Wraps a secret's value. Offline readers, whose secrets are all placeholders (stack-config.ts
   * never decrypts one), may keep the placeholder and so load no SDK.
   * @default `pulumi.secret`
   */
  readonly secret: (value: string) => Secret;
}

/**
 * Bad stack config. A RunError to Pulumi, so `pulumi up` prints the message alone, without a stack
 * trace, before any resource is touched.
 */
export class ConfigError extends Error {
  /**
   * What `RunError.isInstance` recognises, the SDK's own test across copies of itself: carried here
   * rather than by extending `pulumi.RunError`, which would load the whole SDK with this module.
   */
  readonly __pulumiRunError = true;

  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(stack: string, problems: readonly string[]): string {
  const count = problems.length === 1 ? "1 configuration problem" : `${problems.length} configuration problems`;
  return [
    `Stack "${stack}" has ${count}; nothing was changed:`,
    ...problems.map((problem) => `  • ${problem}`),
  ].join("\n");
}

/** A value read from the source: the key's type, checked. */
type Value = ConfigDefault;

/**
 * Reads every key of CONFIG_KEYS from `source`, checks each with its own rule and then the rules
 * between them, and either returns the frozen config or throws one ConfigError listing every problem.
 */
export function parseStackConfig(source: RawConfigSource, stack: string, options?: ParseOptions): StackConfig;
export function parseStackConfig<Secret>(source: RawConfigSource, stack: string, options: ParseOptions & SecretHolding<Secret>): StackConfig<Secret>;
export function parseStackConfig<Secret>(
  source: RawConfigSource,
  stack: string,
  options: ParseOptions & Partial<SecretHolding<Secret>> = {},
): StackConfig<Secret | pulumi.Output<string>> {
  const problems: string[] = [...unknownKeyProblems(source.keys())];
  const values = new Map<ConfigKey, Value>();
  const refused = new Set<ConfigKey>();
  for (const spec of CONFIG_KEYS) {
    const result = readValue(spec, source, options);
    if ("value" in result) values.set(spec.key, result.value);
    if ("problem" in result) problems.push(result.problem);
    if ("problem" in result && result.set) refused.add(spec.key);
  }
  // The one place a value meets its key's type: readValue produced it from the key's `type`.
  const read: Read = (key) => values.get(key) as ConfigValue<typeof key> | undefined;
  const environmentName = read("environment");
  const profile = environmentName !== undefined && isEnvironmentName(environmentName) ? environmentProfile(environmentName) : undefined;
  const context: RuleContext = { profile, processEnv: options.processEnv ?? {}, refused };

  for (const spec of CONFIG_KEYS) {
    const value = values.get(spec.key);
    if (value === undefined || spec.check === undefined) continue;
    for (const problem of ownProblems(spec, value, { profile })) problems.push(`\`${qualifiedKey(spec.key)}\` ${problem}.`);
  }
  for (const rule of CROSS_KEY_RULES) problems.push(...rule(read, context));

  if (problems.length > 0) {
    throw new ConfigError(stack, problems);
  }
  return deepFreeze(buildConfig<Secret | pulumi.Output<string>>(stack, read, context, options.secret ?? pulumiSecret));
}

/** `pulumi.secret`, the SDK loaded on the first secret. */
function pulumiSecret(value: string): pulumi.Output<string> {
  return pulumiSdk().secret(value);
}

function pulumiSdk(): typeof import("@pulumi/pulumi") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
}

/** A key's own rule, called with its value as the key's type (readValue made it so). */
function ownProblems(spec: ConfigKeySpec, value: Value, context: CheckContext): readonly string[] {
  switch (spec.type) {
    case "string":
      return typeof value === "string" ? (spec.check?.(value, context) ?? []) : [];
    case "integer":
      return typeof value === "number" ? (spec.check?.(value, context) ?? []) : [];
    case "boolean":
      return typeof value === "boolean" ? (spec.check?.(value, context) ?? []) : [];
    case "array":
      return typeof value === "object" ? (spec.check?.(value, context) ?? []) : [];
  }
}

/** A value validation guarantees; its absence is a bug in the table or the rules, not in config. */
function present<T>(value: T | undefined, key: ConfigKey): T {
  if (value === undefined) throw new Error(`internal: \`${qualifiedKey(key)}\` passed validation but has no value`);
  return value;
}

/** Reads a key that is never unset after validation: a required key, or one with a default. */
type Need = <K extends RequiredConfigKey>(key: K) => ConfigValue<K>;

/** The validated values as the program's shape. Only called once every rule has passed. */
function buildConfig<Secret>(stack: string, read: Read, context: RuleContext, secret: (value: string) => Secret): StackConfig<Secret> {
  const need: Need = (key) => present(read(key), key);
  const owner = need("github:owner");
  if (context.profile === undefined) throw new Error(`internal: \`${qualifiedKey("environment")}\` passed validation but names no profile`);
  return {
    stack,
    profile: context.profile,
    github: {
      owner,
      repository: need("repository"),
      defaultBranch: need("defaultBranch"),
      reviewers: { users: need("reviewerUsers"), teams: need("reviewerTeams") },
      repositorySettings: need("manageRepositorySettings")
        ? {
            // Required with manageRepositorySettings (repositorySettingsProblems).
            platformAppId: present(read("platformAppId"), "platformAppId"),
            requiredApprovingReviews: need("requiredApprovingReviews"),
            additionalRequiredChecks: need("additionalRequiredChecks"),
            codeowners: need("codeowners"),
            dependabot: { pipDirectories: need("dependabotPipDirectories"), dockerDirectories: need("dependabotDockerDirectories") },
          }
        : undefined,
    },
    endpoints: { apiUrl: need("apiUrl") },
    runtime: runtimeConfig(read, need, owner, secret),
    secrets: operatorSecrets(read, secret),
    application: {
      requirementsFiles: need("appRequirementsFiles"),
      trainRequirementsFiles: need("appTrainRequirementsFiles"),
      driftRequirementsFiles: need("appDriftRequirementsFiles"),
      lintPaths: need("appLintPaths"),
      testCommand: need("appTestCommand"),
      integrationTestCommand: need("appIntegrationTestCommand"),
      testWorkingDirectory: need("appTestWorkingDirectory"),
      trainCommand: need("appTrainCommand"),
      trainWorkingDirectory: need("appTrainWorkingDirectory"),
      driftCommand: need("appDriftCommand"),
      driftWorkingDirectory: need("appDriftWorkingDirectory"),
      webServiceDirectory: buildContext(need("appWebServiceDirectory")),
      batchDirectory: buildContext(need("appBatchDirectory")),
      mlflowServiceDirectory: buildContext(need("appMlflowServiceDirectory")),
      dashboardsDirectory: need("appDashboardsDirectory"),
      dataUrlTemplate: need("appDataUrlTemplate"),
      modelName: need("modelName"),
      modelMaxRmse: need("modelMaxRmse"),
      healthCheckPath: need("appHealthCheckPath"),
      loadTest: {
        concurrency: need("loadTestConcurrency"),
        durationSeconds: need("loadTestDurationSeconds"),
        maxP95Ms: need("loadTestMaxP95Ms"),
        maxP99Ms: need("loadTestMaxP99Ms"),
        maxErrorRate: need("loadTestMaxErrorRate"),
        minThroughput: need("loadTestMinThroughput"),
      },
    },
    githubCredentials: githubCredentials(read("platformAppId"), context.processEnv, secret),
  };
}

/** A service's build context as configured: "" says the repository builds no image for it. */
function buildContext(directory: string): string | undefined {
  return directory === "" ? undefined : directory;
}

function runtimeConfig<Secret>(read: Read, need: Need, owner: string, secret: (value: string) => Secret): RuntimeConfig<Secret> {
  const restoreSource = read("dbRestoreSource");
  const restoreTime = read("dbRestoreTime");
  const source = restoreSource === undefined ? undefined : classifyRestoreSource(restoreSource);
  return {
    region: need("awsRegion"),
    vpcCidr: need("vpcCidr"),
    availabilityZoneCount: need("availabilityZoneCount"),
    dataProtection: need("dataProtection"),
    database: {
      instanceClass: need("dbInstanceClass"),
      allocatedStorageGb: need("dbAllocatedStorageGb"),
      backupRetentionDays: need("dbBackupRetentionDays"),
      snapshotIdentifier: read("dbSnapshotIdentifier"),
      pointInTimeRestore: source !== undefined && restoreTime !== undefined ? { source, restoreTime } : undefined,
      rotation: credentialRotation(read, need),
    },
    githubOidcProviderArn: read("githubOidcProviderArn"),
    recoveryRegion: read("recoveryRegion"),
    registry: {
      username: read("ghcrUsername") ?? owner,
      token: secret(need("ghcrToken")),
      pullToken: secret(need("ghcrPullToken")),
    },
    services: {
      certificateArn: need("certificateArn"),
      mlflowHostname: need("mlflowHostname"),
      grafanaHostname: need("grafanaHostname"),
      desiredCount: need("serviceDesiredCount"),
      logRetentionDays: need("logRetentionDays"),
    },
  };
}

function credentialRotation(read: Read, need: Need): CredentialRotation {
  const generation = read("credentialGeneration");
  const rotatedOn = read("credentialRotatedOn");
  // Both or neither (credentialRotationProblems).
  return {
    periodDays: need("credentialRotationDays"),
    step: generation !== undefined && rotatedOn !== undefined ? { generation, rotatedOn } : undefined,
  };
}

function operatorSecrets<Secret>(read: Read, secret: (value: string) => Secret): OperatorSecrets<Secret> {
  const slackWebhookUrl = read("slackWebhookUrl");
  const accessKeyId = read("awsAccessKeyId");
  const secretAccessKey = read("awsSecretAccessKey");
  return {
    slackWebhookUrl: slackWebhookUrl === undefined ? undefined : secret(slackWebhookUrl),
    awsKeys:
      read("allowLongLivedAwsKeys") === true && accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId: secret(accessKeyId), secretAccessKey: secret(secretAccessKey) }
        : undefined,
  };
}

function githubCredentials<Secret>(appId: number | undefined, processEnv: ProcessEnv, secret: (value: string) => Secret): GitHubCredentials<Secret> {
  const { installationId, privateKey } = appSignIn(processEnv);
  return installationId !== undefined && privateKey !== undefined && appId !== undefined
    ? { kind: "app", appId, installationId, privateKey: secret(privateKey) }
    : { kind: "ambient" };
}

/** Keys earlier releases read, and why they are gone: a stack file may still set one. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  monitoringRunnerLabels:
    "monitor-model runs on GitHub's hosted runners and stores its metrics through the metrics function inside the VPC (docs/monitoring.md), so it needs no runner there",
  appRequirementsFile:
    "it became the list `mlops-cicd:appRequirementsFiles` (beside `appTrainRequirementsFiles` and `appDriftRequirementsFiles` for the training and drift commands), " +
    "so a repository with a requirements file per module, or a Pipfile.lock, can name each. Move the value there: pulumi config set --path 'mlops-cicd:appRequirementsFiles[0]' <file>",
  databaseAdminEndpoint:
    "the database's roles, databases and schema are now made from inside the VPC by the provisioner function, so `pulumi up` never connects to the database (docs/decisions/0003-database-provisioning.md)",
};

/**
 * Namespaces whose keys only this program reads. `github:` too: the program's GitHub provider is
 * explicit and takes nothing from stack config but what the program passes it (`github:owner`), so
 * any other `github:` key (`github:ownr`, `github:token`) would be silently ignored.
 */
const READ_NAMESPACES = [`${PROJECT_NAME}:`, "github:"];

/** Keys in the namespaces above that no code reads: almost always a typo of one that is. */
function unknownKeyProblems(keys: readonly string[]): string[] {
  const known = CONFIG_KEYS.map((spec) => qualifiedKey(spec.key));
  return keys
    .filter((key) => READ_NAMESPACES.some((namespace) => key.startsWith(namespace)) && !known.includes(key))
    .sort()
    .map((key) => {
      const retired = key.startsWith(`${PROJECT_NAME}:`) ? RETIRED_KEYS[key.slice(PROJECT_NAME.length + 1)] : undefined;
      if (retired !== undefined) return `\`${key}\` is no longer read: ${retired}. Remove it: pulumi config rm ${key}.`;
      if (key === "github:token") {
        return "`github:token` is not read: the program's GitHub provider takes its token from GITHUB_TOKEN, or signs in as the platform's App (README, \"GitHub credentials\"). Remove it: pulumi config rm github:token.";
      }
      const closest = closestMatch(key, known);
      const hint = closest !== undefined ? ` Did you mean \`${closest}\`?` : "";
      return `\`${key}\` is not a key this program reads.${hint} Remove it: pulumi config rm ${key}.`;
    });
}


/** One key as read: its value, unset (an optional key), or a problem (and whether it was set at all). */
type ReadResult = { readonly value: Value } | { readonly unset: true } | { readonly problem: string; readonly set: boolean };

/** Reads one key, applying its default and its type. */
function readValue(spec: ConfigKeySpec, source: RawConfigSource, options: ParseOptions): ReadResult {
  const key = qualifiedKey(spec.key);
  const raw = source.get(key);
  if (raw === undefined) {
    if (spec.default !== undefined) return { value: spec.default };
    if (spec.optional) return { unset: true };
    if (spec.secret !== undefined && options.placeholderForMissingSecret) return { value: options.placeholderForMissingSecret(spec) };
    const how = spec.secret !== undefined ? `pulumi config set --secret ${key} <value>` : `pulumi config set ${key} <value>`;
    return { problem: `\`${key}\` is not set. ${spec.description} Set it: ${how}.`, set: false };
  }
  if (spec.secret !== undefined && raw !== "" && !source.isSecret(key)) {
    return { problem: `\`${key}\` is stored in plain text. Store it encrypted: pulumi config set --secret ${key} <value>.`, set: true };
  }
  if (spec.secret === undefined && source.isSecret(key)) {
    // Encrypting it would hide nothing: the program publishes it in plain text (a committed
    // workflow, a variable, a resource name), so an operator who meant it as a secret must know.
    return {
      problem:
        `\`${key}\` is stored encrypted, but it is not a secret: the program writes it in plain text (committed files, variables, resource names). ` +
        `Store it plain (pulumi config set ${key} <value>), and keep secrets out of it.`,
      set: true,
    };
  }
  const value = typedValue(spec, key, raw);
  if ("value" in value && spec.optional && (value.value === "" || value.value === 0)) {
    // Pulumi.yaml's default for an optional key: the type's empty value, meaning unset.
    return { unset: true };
  }
  return value;
}

/** `raw` as the key's type, or the problem with it. Never quotes a secret's value back. */
function typedValue(spec: ConfigKeySpec, key: string, raw: string): ReadResult {
  const shown = spec.secret !== undefined ? "" : `, got ${JSON.stringify(raw)}`;
  switch (spec.type) {
    case "string":
      return { value: raw };
    case "integer":
      return /^-?\d+$/.test(raw.trim())
        ? { value: Number(raw.trim()) }
        : { problem: `\`${key}\` must be a whole number${shown}. Example: pulumi config set ${key} 1.`, set: true };
    case "boolean":
      return raw === "true" || raw === "false"
        ? { value: raw === "true" }
        : { problem: `\`${key}\` must be true or false${shown}. Example: pulumi config set ${key} true.`, set: true };
    case "array": {
      const parsed = parseJson(raw);
      return Array.isArray(parsed) && parsed.every((item) => typeof item === "string")
        ? { value: parsed as string[] }
        : { problem: `\`${key}\` must be a list of strings${shown}. Example: pulumi config set --path '${key}[0]' value.`, set: true };
    }
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Freezes the plain objects and arrays the config is built of; a secret Output, a class instance, is left as it is. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Reads the current stack's config from Pulumi. The program's only use of `pulumi.Config`. */
export function readStackConfig(): StackConfig {
  const pulumi = pulumiSdk();
  // The SDK's own record of which keys were stored encrypted; not part of its typed surface.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };
  const source: RawConfigSource = {
    get: (key) => {
      const [namespace, name] = splitKey(key);
      return new pulumi.Config(namespace).get(name);
    },
    isSecret: (key) => isConfigSecret(key),
    keys: () => Object.keys(pulumi.runtime.allConfig()),
  };
  return parseStackConfig(source, pulumi.getStack(), { processEnv: process.env });
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(":");
  return [key.slice(0, at), key.slice(at + 1)];
}
