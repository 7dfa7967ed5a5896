/**
 * The rules between stack config keys: each a small named function over the values as read, run
 * by `parseStackConfig` after every key's own rule (the `check` of its entry in the table).
 */
import type { ConfigKey, ConfigValue } from "./config-schema";
import { qualifiedKey } from "../contracts/project";
import type { EnvironmentProfile } from "./environments";
import { classifyRestoreSource } from "./validation";

/** The process environment, or a stand-in in tests. */
export type ProcessEnv = Readonly<Record<string, string | undefined>>;

/**
 * Reads a key's value as its type; undefined when the key is unset (an optional key) or its value
 * was refused (see `RuleContext.refused`). A value that fails its key's own `check` is still read.
 */
export type Read = <K extends ConfigKey>(key: K) => ConfigValue<K> | undefined;

/** What a rule between keys may consult besides the values. */
export interface RuleContext {
  readonly profile: EnvironmentProfile | undefined;
  readonly processEnv: ProcessEnv;
  /** Keys whose value was refused (wrong type, stored wrongly): unset to `read`, but not missing. */
  readonly refused: ReadonlySet<ConfigKey>;
}

/** A rule between keys: the problems it finds, each a whole sentence naming the keys and the fix. */
export type CrossKeyRule = (read: Read, context: RuleContext) => readonly string[];

/** The environment's approvers: some where the profile requires them, never more than GitHub allows. */
const reviewerProblems: CrossKeyRule = (read, { profile }) => {
  const users = qualifiedKey("reviewerUsers");
  const teams = qualifiedKey("reviewerTeams");
  const count = (read("reviewerUsers")?.length ?? 0) + (read("reviewerTeams")?.length ?? 0);
  const problems: string[] = [];
  if (profile?.requiresReviewers && count === 0) {
    problems.push(
      `\`${users}\` and \`${teams}\` are both empty, but the ${profile.name} environment requires at least one reviewer. ` +
        `Add one: pulumi config set --path '${users}[0]' <login>.`,
    );
  }
  // GitHub's limit for an environment's required reviewers.
  if (count > 6) {
    problems.push(`\`${users}\` and \`${teams}\` name ${count} reviewers; GitHub allows at most 6 per environment. Use a team for larger groups.`);
  }
  return problems;
};

/** What the stack that owns the repository-wide settings cannot do without. */
const repositorySettingsProblems: CrossKeyRule = (read, { refused }) => {
  if (read("manageRepositorySettings") !== true) return [];
  const manage = qualifiedKey("manageRepositorySettings");
  const problems: string[] = [];
  if (read("platformAppId") === undefined && !refused.has("platformAppId")) {
    problems.push(
      `\`${qualifiedKey("platformAppId")}\` is not set, but \`${manage}\` is true: ` +
        `the ruleset on the default branch needs the platform's GitHub App as its only bypass actor. ` +
        `Set it: pulumi config set ${qualifiedKey("platformAppId")} <app-id>.`,
    );
  }
  if (read("codeowners")?.length === 0) {
    problems.push(
      `\`${qualifiedKey("codeowners")}\` is empty, but \`${manage}\` is true: ` +
        `the repository's CODEOWNERS needs at least one owner. Add one: pulumi config set --path '${qualifiedKey("codeowners")}[0]' @org/team.`,
    );
  }
  return problems;
};

/** Production-grade protection where the profile requires it, and a second region for its copies. */
const dataProtectionProblems: CrossKeyRule = (read, { profile, refused }) => {
  const problems: string[] = [];
  const dataProtection = qualifiedKey("dataProtection");
  const recovery = qualifiedKey("recoveryRegion");
  const region = read("awsRegion");
  const recoveryRegion = read("recoveryRegion");
  if (profile?.requiresDataProtection && read("dataProtection") === false) {
    problems.push(
      `\`${dataProtection}\` is false, but the ${profile.name} environment requires it (Multi-AZ, deletion protection, ` +
        `final snapshot). Set it: pulumi config set ${dataProtection} true.`,
    );
  }
  if (recoveryRegion !== undefined && recoveryRegion === region) {
    problems.push(
      `\`${recovery}\` is "${recoveryRegion}", the same as \`${qualifiedKey("awsRegion")}\`: a copy in the stack's own region ` +
        `does not survive the loss of that region. Choose another region: pulumi config set ${recovery} <region>.`,
    );
  }
  if (recoveryRegion === undefined && read("dataProtection") === true && !refused.has("recoveryRegion")) {
    problems.push(
      `\`${recovery}\` is not set, but \`${dataProtection}\` is true: production-grade protection keeps a replica ` +
        `of the MLflow artifacts and copies of the database backups in a second region. ` +
        `Set it: pulumi config set ${recovery} <a region other than ${region ?? "awsRegion"}>.`,
    );
  }
  return problems;
};

/**
 * The rules between the restore keys: one way to restore, a point in time needs both its keys,
 * and RDS restores only from backups and snapshots in the region it restores into.
 */
const restoreProblems: CrossKeyRule = (read) => {
  const problems: string[] = [];
  const snapshot = read("dbSnapshotIdentifier");
  const sourceValue = read("dbRestoreSource");
  const restoreTime = read("dbRestoreTime");
  const region = read("awsRegion");
  const snapshotKey = qualifiedKey("dbSnapshotIdentifier");
  const sourceKey = qualifiedKey("dbRestoreSource");
  const timeKey = qualifiedKey("dbRestoreTime");
  if (snapshot !== undefined && sourceValue !== undefined) {
    problems.push(
      `\`${snapshotKey}\` and \`${sourceKey}\` are both set, but the database is restored either from a snapshot or to a point in time, not both. ` +
        `Keep one: pulumi config rm ${sourceKey} (restore the snapshot), or pulumi config rm ${snapshotKey} (restore to the point in time).`,
    );
  }
  if (sourceValue !== undefined && restoreTime === undefined) {
    problems.push(
      `\`${timeKey}\` is not set, but \`${sourceKey}\` is: a point-in-time restore needs the time to restore to. ` +
        `Set it: pulumi config set ${timeKey} latest (or a UTC time such as 2025-03-14T09:26:53Z).`,
    );
  }
  if (restoreTime !== undefined && sourceValue === undefined) {
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
  const source = sourceValue === undefined ? undefined : classifyRestoreSource(sourceValue);
  const backupsRegion = source?.kind === "automatedBackupsArn" ? elsewhere(source.value) : undefined;
  if (backupsRegion !== undefined) {
    problems.push(
      `\`${sourceKey}\` names automated backups in ${backupsRegion}, but the stack runs in ${region}: RDS restores only from backups in its own region. ` +
        `Name the copy replicated to ${region} (aws rds describe-db-instance-automated-backups --region ${region}).`,
    );
  }
  return problems;
};

/** A rotation names both its generation and its date, or neither (docs/decisions/0004-credential-rotation.md). */
const credentialRotationProblems: CrossKeyRule = (read, { refused }) => {
  const generationKey = qualifiedKey("credentialGeneration");
  const dateKey = qualifiedKey("credentialRotatedOn");
  const generation = read("credentialGeneration");
  const date = read("credentialRotatedOn");
  if (generation !== undefined && date === undefined && !refused.has("credentialRotatedOn")) {
    return [
      `\`${generationKey}\` is set, but \`${dateKey}\` is not: a rotation records the date it was made, so the next one knows when it is due. ` +
        `Pass both for the one run (pulumi up --config ${generationKey}=<n> --config ${dateKey}=$(date -u +%F)), or let the rotation workflow do it.`,
    ];
  }
  if (date !== undefined && generation === undefined && !refused.has("credentialGeneration")) {
    return [
      `\`${dateKey}\` is set, but \`${generationKey}\` is not, so nothing would be rotated. ` +
        `Pass the generation too (one more than the stack output credentialRotation.generation) or remove it: pulumi config rm ${dateKey}.`,
    ];
  }
  return [];
};

/** Long-lived AWS keys: both with the opt-in, none without it (they would be silently ignored). */
const longLivedAwsKeyProblems: CrossKeyRule = (read, { refused }) => {
  const optIn = qualifiedKey("allowLongLivedAwsKeys");
  const keys = ["awsAccessKeyId", "awsSecretAccessKey"] as const;
  if (read("allowLongLivedAwsKeys") === true) {
    return keys
      .filter((key) => read(key) === undefined && !refused.has(key))
      .map(
        (key) =>
          `\`${qualifiedKey(key)}\` is not set, but \`${optIn}\` is true. ` +
          `Set it (pulumi config set --secret ${qualifiedKey(key)} <value>) or turn the opt-in off to use GitHub OIDC.`,
      );
  }
  return keys
    .filter((key) => read(key) !== undefined)
    .map(
      (key) =>
        `\`${qualifiedKey(key)}\` is set, but \`${optIn}\` is false, so it would be ignored. ` +
        `Remove it (pulumi config rm ${qualifiedKey(key)}) or opt in with pulumi config set ${optIn} true.`,
    );
};

/** The platform's GitHub App credentials in the environment of `pulumi up`, each when set. */
export function appSignIn(processEnv: ProcessEnv): { readonly installationId: string | undefined; readonly privateKey: string | undefined } {
  return { installationId: nonEmpty(processEnv.GITHUB_APP_INSTALLATION_ID), privateKey: nonEmpty(processEnv.GITHUB_APP_PEM_FILE) };
}

/** The platform's GitHub App sign-in, from the environment of `pulumi up`: all of it or none. */
const githubAppProblems: CrossKeyRule = (read, { processEnv, refused }) => {
  const { installationId, privateKey } = appSignIn(processEnv);
  const appId = read("platformAppId");
  if ((installationId === undefined) !== (privateKey === undefined)) {
    return [
      "`GITHUB_APP_INSTALLATION_ID` and `GITHUB_APP_PEM_FILE` must be set together to sign in as the platform's GitHub App " +
        "(the installation's ID and the App's private key in PEM form); unset both to use GITHUB_TOKEN.",
    ];
  }
  if (installationId !== undefined && !/^\d+$/.test(installationId)) {
    return [`\`GITHUB_APP_INSTALLATION_ID\` must be the installation's numeric ID, got "${installationId}".`];
  }
  // A refused or non-positive App ID has its own problem already.
  if (installationId !== undefined && appId === undefined && !refused.has("platformAppId")) {
    return [
      `\`GITHUB_APP_INSTALLATION_ID\` is set, but \`${qualifiedKey("platformAppId")}\` is not: set the App's ID with pulumi config set ${qualifiedKey("platformAppId")} <app-id>.`,
    ];
  }
  return [];
};

/** deploy-service offers the services that have an image; with none, it would offer nothing. */
const buildContextRule: CrossKeyRule = (read) => {
  const keys = ["appWebServiceDirectory", "appBatchDirectory", "appMlflowServiceDirectory"] as const;
  if (keys.some((key) => read(key) !== "")) return [];
  return [
    `${keys.map((key) => `\`${qualifiedKey(key)}\``).join(", ")} are all empty, but deploy-service deploys a service from its image: ` +
      `name the build context (the directory with its Dockerfile) of at least one, such as pulumi config set ${qualifiedKey("appWebServiceDirectory")} 04-deployment/web-service.`,
  ];
};

/** Every rule between keys, run after each key's own rule. */
/** A p99 limit below the p95 one could never be the one that fails first: one of them is a typo. */
const loadTestLatencyProblems: CrossKeyRule = (read) => {
  const p95 = read("loadTestMaxP95Ms");
  const p99 = read("loadTestMaxP99Ms");
  if (p95 === undefined || p99 === undefined || p99 >= p95) return [];
  return [
    `\`${qualifiedKey("loadTestMaxP99Ms")}\` (${p99}) is below \`${qualifiedKey("loadTestMaxP95Ms")}\` (${p95}), but the p99 latency is never below the p95. ` +
      `Raise the first or lower the second: pulumi config set ${qualifiedKey("loadTestMaxP99Ms")} ${p95 * 2}.`,
  ];
};

export const CROSS_KEY_RULES: readonly CrossKeyRule[] = [
  reviewerProblems,
  repositorySettingsProblems,
  dataProtectionProblems,
  restoreProblems,
  credentialRotationProblems,
  longLivedAwsKeyProblems,
  githubAppProblems,
  buildContextRule,
  loadTestLatencyProblems,
];

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
