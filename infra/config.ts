import * as pulumi from "@pulumi/pulumi";
import type { ApplicationLayout } from "../contracts/application";
import { CONFIG_KEYS, ConfigKeySpec, PROJECT_NAME, qualifiedKey } from "./config-schema";
import { EnvironmentProfile, ENVIRONMENT_NAMES, environmentProfile, isEnvironmentName } from "./environments";
import {
  awsAccessKeyIdProblems,
  awsSecretAccessKeyProblems,
  branchNameProblems,
  closestMatch,
  codeownerProblems,
  commandProblems,
  awsRegionProblems,
  certificateArnProblems,
  hostNameProblems,
  logRetentionProblems,
  dbInstanceClassProblems,
  githubLoginProblems,
  httpsUrlProblems,
  oidcProviderArnProblems,
  snapshotIdentifierProblems,
  vpcCidrProblems,
  RestoreSource,
  classifyRestoreSource,
  restoreSourceProblems,
  restoreTimeProblems,
  integerRangeProblems,
  mlflowModelNameProblems,
  positiveDecimalProblems,
  relativePathProblems,
  repositoryNameProblems,
  repositoryPathProblems,
  teamSlugProblems,
} from "./validation";

/** The stack's configuration, read once, validated whole and frozen. Components take slices of it. */
export type { ApplicationLayout };

export interface StackConfig {
  readonly stack: string;
  readonly environment: EnvironmentProfile;
  readonly github: GitHubConfig;
  /** This environment's endpoints, published to its GitHub environment. */
  readonly endpoints: {
    readonly apiUrl: string;
  };
  readonly runtime: RuntimeConfig;
  readonly secrets: OperatorSecrets;
  readonly application: ApplicationLayout;
  /** How the GitHub provider signs in, from the environment of `pulumi up`. */
  readonly githubCredentials: GitHubCredentials;
}

/**
 * `app`: as the platform's GitHub App (`GITHUB_APP_INSTALLATION_ID` and `GITHUB_APP_PEM_FILE` set),
 * the only identity the ruleset lets commit to the default branch. `ambient`: whatever the provider
 * finds itself (`GITHUB_TOKEN`); enough for everything but those commits.
 */
export type GitHubCredentials =
  | { readonly kind: "app"; readonly appId: number; readonly installationId: string; readonly privateKey: pulumi.Output<string> }
  | { readonly kind: "ambient" };

export interface GitHubConfig {
  readonly owner: string;
  readonly repository: string;
  readonly defaultBranch: string;
  readonly manageRepositorySettings: boolean;
  /** Set whenever `manageRepositorySettings` is true. */
  readonly platformAppId: number | undefined;
  readonly reviewers: { readonly users: readonly string[]; readonly teams: readonly string[] };
  readonly requiredApprovingReviews: number;
  readonly codeowners: readonly string[];
  readonly dependabot: {
    readonly pipDirectories: readonly string[];
    readonly dockerDirectories: readonly string[];
  };
}

/** The stack's runtime on AWS. */
export interface RuntimeConfig {
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
  };
  /** Adopt this OIDC provider instead of creating one. */
  readonly githubOidcProviderArn: string | undefined;
  /** Where the artifact bucket's replica and the database's backup copies live; never `region`. */
  readonly recoveryRegion: string | undefined;
  /** Who pushes to and pulls from GHCR. */
  /** `token` pushes (write:packages); `pullToken` is what ECS pulls with (read:packages). */
  readonly registry: { readonly username: string; readonly token: pulumi.Output<string>; readonly pullToken: pulumi.Output<string> };
  readonly services: {
    readonly certificateArn: string;
    readonly mlflowHostname: string;
    readonly grafanaHostname: string;
    readonly desiredCount: number;
    readonly logRetentionDays: number;
  };
}

/** A restore to a point in time (RDS RestoreDBInstanceToPointInTime). */
export interface PointInTimeRestore {
  readonly source: RestoreSource;
  /** A UTC RFC 3339 time, or `latest` for the latest restorable time. */
  readonly restoreTime: string;
}

/** Values only an operator can supply, each a secret Output from the moment it is read. */
export interface OperatorSecrets {
  /** Unset: notifications are skipped. */
  readonly slackWebhookUrl: pulumi.Output<string> | undefined;
  /** Only with the `allowLongLivedAwsKeys` opt-in. */
  readonly awsKeys: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> } | undefined;
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

/** The process environment, or a stand-in in tests. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface ParseOptions {
  /** Where GitHub App credentials are read from. @default no credentials (ambient) */
  readonly environment?: Environment;
  /**
   * Offline synth's stand-in for a required operator secret that is not set. Absent in a real run,
   * where a missing secret is a config error.
   */
  readonly placeholderForMissingSecret?: (spec: ConfigKeySpec) => string;
}

/**
 * Bad stack config. Extends Pulumi's RunError so `pulumi up` prints the message alone, without a
 * stack trace, before any resource is touched.
 */
export class ConfigError extends pulumi.RunError {
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

type Value = string | number | boolean | readonly string[];

/**
 * Reads every key of CONFIG_KEYS from `source`, checks each and the rules between them, and either
 * returns the frozen config or throws one ConfigError listing every problem.
 */
export function parseStackConfig(source: RawConfigSource, stack: string, options: ParseOptions = {}): StackConfig {
  const problems: string[] = [];
  const values = new Map<string, Value | undefined>();

  problems.push(...unknownKeyProblems(source.keys()));
  for (const spec of CONFIG_KEYS) {
    values.set(spec.key, readValue(spec, source, options, problems));
  }

  const str = (key: string) => values.get(key) as string | undefined;
  const num = (key: string) => values.get(key) as number | undefined;
  const bool = (key: string) => values.get(key) as boolean | undefined;
  const list = (key: string) => (values.get(key) as readonly string[] | undefined) ?? [];
  const check = (key: string, found: string[]) => {
    for (const problem of found) problems.push(`\`${qualifiedKey(key)}\` ${problem}.`);
  };

  const owner = str("github:owner");
  if (owner !== undefined) check("github:owner", githubLoginProblems(owner, "user or organization"));

  const environmentName = str("environment");
  if (environmentName !== undefined && !isEnvironmentName(environmentName)) {
    problems.push(
      `\`${qualifiedKey("environment")}\` is "${environmentName}", which this program does not know. ` +
        `Choose one of: ${ENVIRONMENT_NAMES.join(", ")}.`,
    );
  }
  const profile = environmentName !== undefined && isEnvironmentName(environmentName) ? environmentProfile(environmentName) : undefined;

  const repository = str("repository");
  if (repository !== undefined) check("repository", repositoryNameProblems(repository));
  const defaultBranch = str("defaultBranch");
  if (defaultBranch !== undefined) check("defaultBranch", branchNameProblems(defaultBranch));

  for (const user of list("reviewerUsers")) check("reviewerUsers", githubLoginProblems(user, "user"));
  for (const team of list("reviewerTeams")) check("reviewerTeams", teamSlugProblems(team));
  const reviewerCount = list("reviewerUsers").length + list("reviewerTeams").length;
  if (profile?.requiresReviewers && reviewerCount === 0) {
    problems.push(
      `\`${qualifiedKey("reviewerUsers")}\` and \`${qualifiedKey("reviewerTeams")}\` are both empty, but the ${profile.name} ` +
        `environment requires at least one reviewer. Add one: pulumi config set --path '${qualifiedKey("reviewerUsers")}[0]' <login>.`,
    );
  }
  // GitHub's limit for an environment's required reviewers.
  if (reviewerCount > 6) {
    problems.push(
      `\`${qualifiedKey("reviewerUsers")}\` and \`${qualifiedKey("reviewerTeams")}\` name ${reviewerCount} reviewers; ` +
        `GitHub allows at most 6 per environment. Use a team for larger groups.`,
    );
  }

  const reviews = num("requiredApprovingReviews");
  if (reviews !== undefined) check("requiredApprovingReviews", integerRangeProblems(reviews, 1, 10));

  const manageRepositorySettings = bool("manageRepositorySettings") ?? false;
  const appId = num("platformAppId");
  if (appId !== undefined && appId < 0) {
    check("platformAppId", [`must be a GitHub App ID (a positive number), got ${appId}`]);
  } else if (manageRepositorySettings && appId === 0) {
    problems.push(
      `\`${qualifiedKey("platformAppId")}\` is not set, but \`${qualifiedKey("manageRepositorySettings")}\` is true: ` +
        `the ruleset on the default branch needs the platform's GitHub App as its only bypass actor. ` +
        `Set it: pulumi config set ${qualifiedKey("platformAppId")} <app-id>.`,
    );
  }
  for (const entry of list("codeowners")) check("codeowners", codeownerProblems(entry));
  if (manageRepositorySettings && list("codeowners").length === 0) {
    problems.push(
      `\`${qualifiedKey("codeowners")}\` is empty, but \`${qualifiedKey("manageRepositorySettings")}\` is true: ` +
        `the repository's CODEOWNERS needs at least one owner. Add one: pulumi config set --path '${qualifiedKey("codeowners")}[0]' @org/team.`,
    );
  }
  for (const dir of list("dependabotPipDirectories")) check("dependabotPipDirectories", repositoryPathProblems(dir));
  for (const dir of list("dependabotDockerDirectories")) check("dependabotDockerDirectories", repositoryPathProblems(dir));

  for (const key of ["appTestCommand", "appIntegrationTestCommand", "appTrainCommand", "appDriftCommand"]) {
    const command = str(key);
    if (command !== undefined) check(key, commandProblems(command));
  }
  for (const key of ["appRequirementsFile", "appWebServiceDirectory", "appBatchDirectory", "appMlflowServiceDirectory"]) {
    const value = str(key);
    if (value !== undefined) check(key, relativePathProblems(value));
  }
  for (const entry of list("appLintPaths")) check("appLintPaths", relativePathProblems(entry));
  const dataUrlTemplate = str("appDataUrlTemplate");
  if (dataUrlTemplate !== undefined) {
    check("appDataUrlTemplate", httpsUrlProblems(dataUrlTemplate.replace("{month}", "2021-01")));
    if (!dataUrlTemplate.includes("{month}")) check("appDataUrlTemplate", ['must contain "{month}", where the YYYY-MM month goes']);
  }
  const healthCheckPath = str("appHealthCheckPath");
  if (healthCheckPath !== undefined && !/^\/[A-Za-z0-9._~/-]*$/.test(healthCheckPath)) {
    check("appHealthCheckPath", [`must be a URL path starting with "/", got "${healthCheckPath}"`]);
  }
  const modelName = str("modelName");
  if (modelName !== undefined) check("modelName", mlflowModelNameProblems(modelName));
  const modelMaxRmse = str("modelMaxRmse");
  if (modelMaxRmse !== undefined) check("modelMaxRmse", positiveDecimalProblems(modelMaxRmse));

  const apiUrl = str("apiUrl");
  if (apiUrl !== undefined) check("apiUrl", httpsUrlProblems(apiUrl));

  const region = str("awsRegion");
  if (region !== undefined) check("awsRegion", awsRegionProblems(region));
  const vpcCidr = str("vpcCidr");
  if (vpcCidr !== undefined) check("vpcCidr", vpcCidrProblems(vpcCidr));
  const azCount = num("availabilityZoneCount");
  if (azCount !== undefined) check("availabilityZoneCount", integerRangeProblems(azCount, 2, 3));
  const dataProtection = bool("dataProtection") ?? false;
  if (profile?.requiresDataProtection && !dataProtection) {
    problems.push(
      `\`${qualifiedKey("dataProtection")}\` is false, but the ${profile.name} environment requires it (Multi-AZ, deletion protection, ` +
        `final snapshot). Set it: pulumi config set ${qualifiedKey("dataProtection")} true.`,
    );
  }
  const instanceClass = str("dbInstanceClass");
  if (instanceClass !== undefined) check("dbInstanceClass", dbInstanceClassProblems(instanceClass));
  const storage = num("dbAllocatedStorageGb");
  if (storage !== undefined) check("dbAllocatedStorageGb", integerRangeProblems(storage, 20, 65536));
  const retention = num("dbBackupRetentionDays");
  if (retention !== undefined) check("dbBackupRetentionDays", integerRangeProblems(retention, profile?.minBackupRetentionDays ?? 7, 35));
  const snapshot = nonEmpty(str("dbSnapshotIdentifier"));
  if (snapshot !== undefined) check("dbSnapshotIdentifier", snapshotIdentifierProblems(snapshot));
  const restoreSourceValue = nonEmpty(str("dbRestoreSource"));
  if (restoreSourceValue !== undefined) check("dbRestoreSource", restoreSourceProblems(restoreSourceValue));
  const restoreSource = restoreSourceValue === undefined ? undefined : classifyRestoreSource(restoreSourceValue);
  const restoreTime = nonEmpty(str("dbRestoreTime"));
  if (restoreTime !== undefined) check("dbRestoreTime", restoreTimeProblems(restoreTime));
  problems.push(...restoreProblems(snapshot, restoreSourceValue, restoreSource, restoreTime, region));
  const recoveryRegion = nonEmpty(str("recoveryRegion"));
  if (recoveryRegion !== undefined) {
    check("recoveryRegion", awsRegionProblems(recoveryRegion));
    if (recoveryRegion === region) {
      problems.push(
        `\`${qualifiedKey("recoveryRegion")}\` is "${recoveryRegion}", the same as \`${qualifiedKey("awsRegion")}\`: a copy in the stack's own region ` +
          `does not survive the loss of that region. Choose another region: pulumi config set ${qualifiedKey("recoveryRegion")} <region>.`,
      );
    }
  } else if (dataProtection) {
    problems.push(
      `\`${qualifiedKey("recoveryRegion")}\` is not set, but \`${qualifiedKey("dataProtection")}\` is true: production-grade protection keeps a replica ` +
        `of the MLflow artifacts and copies of the database backups in a second region. ` +
        `Set it: pulumi config set ${qualifiedKey("recoveryRegion")} <a region other than ${region ?? "awsRegion"}>.`,
    );
  }
  const certificateArn = str("certificateArn");
  if (certificateArn !== undefined) check("certificateArn", certificateArnProblems(certificateArn));
  const mlflowHostname = str("mlflowHostname");
  if (mlflowHostname !== undefined) check("mlflowHostname", hostNameProblems(mlflowHostname));
  const grafanaHostname = str("grafanaHostname");
  if (grafanaHostname !== undefined) check("grafanaHostname", hostNameProblems(grafanaHostname));
  const desiredCount = num("serviceDesiredCount");
  if (desiredCount !== undefined) check("serviceDesiredCount", integerRangeProblems(desiredCount, 1, 10));
  const logRetentionDays = num("logRetentionDays");
  if (logRetentionDays !== undefined) check("logRetentionDays", logRetentionProblems(logRetentionDays));
  const ghcrUsername = nonEmpty(str("ghcrUsername"));
  if (ghcrUsername !== undefined) check("ghcrUsername", githubLoginProblems(ghcrUsername, "user"));
  const oidcArn = nonEmpty(str("githubOidcProviderArn"));
  if (oidcArn !== undefined) check("githubOidcProviderArn", oidcProviderArnProblems(oidcArn));

  // Optional secrets that another key makes required: a placeholder offline, a problem otherwise.
  for (const spec of CONFIG_KEYS) {
    if (spec.requiredWhen === undefined || bool(spec.requiredWhen) !== true || nonEmpty(str(spec.key)) !== undefined) continue;
    if (options.placeholderForMissingSecret) {
      values.set(spec.key, options.placeholderForMissingSecret(spec));
    } else {
      problems.push(
        `\`${qualifiedKey(spec.key)}\` is not set, but \`${qualifiedKey(spec.requiredWhen)}\` is true. ` +
          `Set it: pulumi config set --secret ${qualifiedKey(spec.key)} <value>.`,
      );
    }
  }
  const slackWebhookUrl = nonEmpty(str("slackWebhookUrl"));
  if (slackWebhookUrl !== undefined) check("slackWebhookUrl", httpsUrlProblems(slackWebhookUrl, { secret: true }));

  const allowKeys = bool("allowLongLivedAwsKeys") ?? false;
  const accessKeyId = nonEmpty(str("awsAccessKeyId"));
  const secretAccessKey = nonEmpty(str("awsSecretAccessKey"));
  if (allowKeys) {
    for (const [key, value] of [["awsAccessKeyId", accessKeyId], ["awsSecretAccessKey", secretAccessKey]] as const) {
      if (value === undefined) {
        problems.push(
          `\`${qualifiedKey(key)}\` is not set, but \`${qualifiedKey("allowLongLivedAwsKeys")}\` is true. ` +
            `Set it (pulumi config set --secret ${qualifiedKey(key)} <value>) or turn the opt-in off to use GitHub OIDC.`,
        );
      }
    }
    if (accessKeyId !== undefined) check("awsAccessKeyId", awsAccessKeyIdProblems(accessKeyId));
    if (secretAccessKey !== undefined) check("awsSecretAccessKey", awsSecretAccessKeyProblems(secretAccessKey));
  } else {
    for (const [key, value] of [["awsAccessKeyId", accessKeyId], ["awsSecretAccessKey", secretAccessKey]] as const) {
      if (value !== undefined) {
        problems.push(
          `\`${qualifiedKey(key)}\` is set, but \`${qualifiedKey("allowLongLivedAwsKeys")}\` is false, so it would be ignored. ` +
            `Remove it (pulumi config rm ${qualifiedKey(key)}) or opt in with pulumi config set ${qualifiedKey("allowLongLivedAwsKeys")} true.`,
        );
      }
    }
  }

  const installationId = nonEmpty(options.environment?.GITHUB_APP_INSTALLATION_ID);
  const privateKey = nonEmpty(options.environment?.GITHUB_APP_PEM_FILE);
  if ((installationId === undefined) !== (privateKey === undefined)) {
    problems.push(
      "`GITHUB_APP_INSTALLATION_ID` and `GITHUB_APP_PEM_FILE` must be set together to sign in as the platform's GitHub App " +
        "(the installation's ID and the App's private key in PEM form); unset both to use GITHUB_TOKEN.",
    );
  } else if (installationId !== undefined && !/^\d+$/.test(installationId)) {
    problems.push(`\`GITHUB_APP_INSTALLATION_ID\` must be the installation's numeric ID, got "${installationId}".`);
  } else if (installationId !== undefined && (appId === undefined || appId <= 0)) {
    problems.push(
      `\`GITHUB_APP_INSTALLATION_ID\` is set, but \`${qualifiedKey("platformAppId")}\` is not: set the App's ID with pulumi config set ${qualifiedKey("platformAppId")} <app-id>.`,
    );
  }

  if (problems.length > 0) {
    throw new ConfigError(stack, problems);
  }

  // Every key passed its checks above, so the required ones are defined.
  const required = <T>(value: T | undefined): T => value as T;
  return deepFreeze({
    stack,
    environment: required(profile),
    github: {
      owner: required(owner),
      repository: required(repository),
      defaultBranch: required(defaultBranch),
      manageRepositorySettings,
      platformAppId: appId === 0 ? undefined : appId,
      reviewers: { users: list("reviewerUsers"), teams: list("reviewerTeams") },
      requiredApprovingReviews: required(reviews),
      codeowners: list("codeowners"),
      dependabot: {
        pipDirectories: list("dependabotPipDirectories"),
        dockerDirectories: list("dependabotDockerDirectories"),
      },
    },
    endpoints: { apiUrl: required(apiUrl) },
    runtime: {
      region: required(region),
      vpcCidr: required(vpcCidr),
      availabilityZoneCount: required(azCount),
      dataProtection,
      database: {
        instanceClass: required(instanceClass),
        allocatedStorageGb: required(storage),
        backupRetentionDays: required(retention),
        snapshotIdentifier: snapshot,
        pointInTimeRestore:
          restoreSource !== undefined && restoreTime !== undefined ? { source: restoreSource, restoreTime } : undefined,
      },
      githubOidcProviderArn: oidcArn,
      recoveryRegion,
      registry: {
        username: nonEmpty(str("ghcrUsername")) ?? required(owner),
        token: pulumi.secret(required(str("ghcrToken"))),
        pullToken: pulumi.secret(required(str("ghcrPullToken"))),
      },
      services: {
        certificateArn: required(certificateArn),
        mlflowHostname: required(mlflowHostname),
        grafanaHostname: required(grafanaHostname),
        desiredCount: required(desiredCount),
        logRetentionDays: required(logRetentionDays),
      },
    },
    secrets: {
      slackWebhookUrl: slackWebhookUrl === undefined ? undefined : pulumi.secret(slackWebhookUrl),
      awsKeys:
        allowKeys && accessKeyId !== undefined && secretAccessKey !== undefined
          ? { accessKeyId: pulumi.secret(accessKeyId), secretAccessKey: pulumi.secret(secretAccessKey) }
          : undefined,
    },
    application: {
      requirementsFile: required(str("appRequirementsFile")),
      lintPaths: list("appLintPaths"),
      testCommand: required(str("appTestCommand")),
      integrationTestCommand: required(str("appIntegrationTestCommand")),
      trainCommand: required(str("appTrainCommand")),
      driftCommand: required(str("appDriftCommand")),
      webServiceDirectory: required(str("appWebServiceDirectory")),
      batchDirectory: required(str("appBatchDirectory")),
      mlflowServiceDirectory: required(str("appMlflowServiceDirectory")),
      dataUrlTemplate: required(dataUrlTemplate),
      modelName: required(modelName),
      modelMaxRmse: required(modelMaxRmse),
      healthCheckPath: required(healthCheckPath),
    },
    githubCredentials:
      installationId !== undefined && privateKey !== undefined && appId !== undefined && appId > 0
        ? { kind: "app", appId, installationId, privateKey: pulumi.secret(privateKey) }
        : { kind: "ambient" },
  });
}

/**
 * The rules between the restore keys: one way to restore, a point in time needs both its keys,
 * and RDS restores only from backups and snapshots in the region it restores into.
 */
function restoreProblems(
  snapshot: string | undefined,
  restoreSourceValue: string | undefined,
  restoreSource: RestoreSource | undefined,
  restoreTime: string | undefined,
  region: string | undefined,
): string[] {
  const problems: string[] = [];
  const snapshotKey = qualifiedKey("dbSnapshotIdentifier");
  const sourceKey = qualifiedKey("dbRestoreSource");
  const timeKey = qualifiedKey("dbRestoreTime");
  if (snapshot !== undefined && restoreSourceValue !== undefined) {
    problems.push(
      `\`${snapshotKey}\` and \`${sourceKey}\` are both set, but the database is restored either from a snapshot or to a point in time, not both. ` +
        `Keep one: pulumi config rm ${sourceKey} (restore the snapshot), or pulumi config rm ${snapshotKey} (restore to the point in time).`,
    );
  }
  if (restoreSourceValue !== undefined && restoreTime === undefined) {
    problems.push(
      `\`${timeKey}\` is not set, but \`${sourceKey}\` is: a point-in-time restore needs the time to restore to. ` +
        `Set it: pulumi config set ${timeKey} latest (or a UTC time such as 2025-03-14T09:26:53Z).`,
    );
  }
  if (restoreTime !== undefined && restoreSourceValue === undefined) {
    problems.push(
      `\`${timeKey}\` is set, but \`${sourceKey}\` is not, so nothing would be restored. ` +
        `Name the backups (pulumi config set ${sourceKey} <instance, db-… resource ID or auto-backup ARN>) or remove it: pulumi config rm ${timeKey}.`,
    );
  }
  const elsewhere = (arn: string) => {
    const arnRegion = arn.startsWith("arn:") ? arn.split(":")[3] : undefined;
    return arnRegion !== undefined && region !== undefined && arnRegion !== region ? arnRegion : undefined;
  };
  const snapshotRegion = snapshot === undefined ? undefined : elsewhere(snapshot);
  if (snapshotRegion !== undefined) {
    problems.push(
      `\`${snapshotKey}\` names a snapshot in ${snapshotRegion}, but the stack runs in ${region}: RDS restores only from snapshots in its own region. ` +
        `Copy it first (aws rds copy-db-snapshot --region ${region} …) and name the copy.`,
    );
  }
  const backupsRegion = restoreSource?.kind === "automatedBackupsArn" ? elsewhere(restoreSource.value) : undefined;
  if (backupsRegion !== undefined) {
    problems.push(
      `\`${sourceKey}\` names automated backups in ${backupsRegion}, but the stack runs in ${region}: RDS restores only from backups in its own region. ` +
        `Name the copy replicated to ${region} (aws rds describe-db-instance-automated-backups --region ${region}).`,
    );
  }
  return problems;
}

/** Keys earlier releases read, and why they are gone: a stack file may still set one. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  monitoringRunnerLabels:
    "monitor-model runs on GitHub's hosted runners and stores its metrics through the metrics function inside the VPC (docs/monitoring.md), so it needs no runner there",
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Reads one key, applying its default and its type; records a problem and returns undefined when it cannot. */
function readValue(spec: ConfigKeySpec, source: RawConfigSource, options: ParseOptions, problems: string[]): Value | undefined {
  const key = qualifiedKey(spec.key);
  const raw = source.get(key);
  if (raw === undefined) {
    if (spec.default !== undefined) return spec.default;
    if (spec.secret !== undefined && options.placeholderForMissingSecret) return options.placeholderForMissingSecret(spec);
    const how = spec.secret !== undefined ? `pulumi config set --secret ${key} <value>` : `pulumi config set ${key} <value>`;
    problems.push(`\`${key}\` is not set. ${spec.description} Set it: ${how}.`);
    return undefined;
  }
  if (spec.secret !== undefined && raw !== "" && !source.isSecret(key)) {
    problems.push(`\`${key}\` is stored in plain text. Store it encrypted: pulumi config set --secret ${key} <value>.`);
    return undefined;
  }
  if (spec.secret === undefined && source.isSecret(key)) {
    // Encrypting it would hide nothing: the program publishes it in plain text (a committed
    // workflow, a variable, a resource name), so an operator who meant it as a secret must know.
    problems.push(
      `\`${key}\` is stored encrypted, but it is not a secret: the program writes it in plain text (committed files, variables, resource names). ` +
        `Store it plain (pulumi config set ${key} <value>), and keep secrets out of it.`,
    );
    return undefined;
  }
  // Never quote a secret's value back, even when its type is wrong.
  const shown = spec.secret !== undefined ? "" : `, got ${JSON.stringify(raw)}`;
  switch (spec.type) {
    case "string":
      return raw;
    case "integer":
      if (/^-?\d+$/.test(raw.trim())) return Number(raw.trim());
      problems.push(`\`${key}\` must be a whole number${shown}. Example: pulumi config set ${key} 1.`);
      return undefined;
    case "boolean":
      if (raw === "true" || raw === "false") return raw === "true";
      problems.push(`\`${key}\` must be true or false${shown}. Example: pulumi config set ${key} true.`);
      return undefined;
    case "array": {
      const parsed = parseJson(raw);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed as string[];
      problems.push(`\`${key}\` must be a list of strings${shown}. Example: pulumi config set --path '${key}[0]' value.`);
      return undefined;
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Reads the current stack's config from Pulumi. The program's only use of `pulumi.Config`. */
export function readStackConfig(): StackConfig {
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
  return parseStackConfig(source, pulumi.getStack(), { environment: process.env });
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(":");
  return [key.slice(0, at), key.slice(at + 1)];
}
