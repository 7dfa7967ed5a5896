import * as pulumi from "@pulumi/pulumi";
import { ConfigError, RawConfigSource, StackConfig, parseStackConfig } from "../infra/config";
import { CONFIG_KEYS, declaredDefault } from "../infra/config-schema";
import { qualifiedKey } from "../contracts/project";
import * as path from "node:path";
import { resolveStackConfig } from "../tools/synth/stack-config";
import { valueOf } from "./harness";

/** A complete, valid config for each environment: the compliant half of every pair below. */
const VALID: Record<"staging" | "production", Record<string, string>> = {
  staging: {
    "github:owner": "nyc-taxi-mlops",
    "mlops-cicd:environment": "staging",
    "mlops-cicd:repository": "trip-duration",
    "mlops-cicd:apiUrl": "https://staging-api.example.com",
    "mlops-cicd:awsRegion": "eu-west-1",
    "mlops-cicd:ghcrToken": "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    "mlops-cicd:ghcrPullToken": "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab",
    "mlops-cicd:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    "mlops-cicd:mlflowHostname": "mlflow.example.com",
    "mlops-cicd:grafanaHostname": "grafana.example.com",
  },
  production: {
    "github:owner": "nyc-taxi-mlops",
    "mlops-cicd:environment": "production",
    "mlops-cicd:repository": "trip-duration",
    "mlops-cicd:manageRepositorySettings": "true",
    "mlops-cicd:platformAppId": "1048576",
    "mlops-cicd:reviewerTeams": '["mlops-leads"]',
    "mlops-cicd:codeowners": '["@nyc-taxi-mlops/mlops-team"]',
    "mlops-cicd:apiUrl": "https://api.example.com",
    "mlops-cicd:awsRegion": "eu-west-1",
    "mlops-cicd:ghcrToken": "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    "mlops-cicd:ghcrPullToken": "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab",
    "mlops-cicd:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    "mlops-cicd:mlflowHostname": "mlflow.example.com",
    "mlops-cicd:grafanaHostname": "grafana.example.com",
    "mlops-cicd:dataProtection": "true",
    "mlops-cicd:dbBackupRetentionDays": "14",
    "mlops-cicd:recoveryRegion": "eu-central-1",
  },
};

const SECRET_KEYS = CONFIG_KEYS.filter((spec) => spec.secret !== undefined).map((spec) => qualifiedKey(spec.key));

/** A source over `values`, with secret keys stored encrypted unless `plain` lists them, and `encrypted` too. */
function source(values: Record<string, string>, plain: readonly string[] = [], encrypted: readonly string[] = []): RawConfigSource {
  return {
    get: (key) => values[key],
    isSecret: (key) => (SECRET_KEYS.includes(key) && !plain.includes(key)) || encrypted.includes(key),
    keys: () => Object.keys(values),
  };
}

/** The valid config of `env` changed by `changes` (`null` removes a key). */
function withChanges(env: keyof typeof VALID, changes: Record<string, string | null>): Record<string, string> {
  const values = { ...VALID[env] };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete values[key];
    else values[key] = value;
  }
  return values;
}

function problems(env: keyof typeof VALID, changes: Record<string, string | null>, plain: readonly string[] = []): readonly string[] {
  try {
    parseStackConfig(source(withChanges(env, changes), plain), env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError, but the config was accepted");
}

describe("parseStackConfig on valid config", () => {
  it.each(["staging", "production"] as const)("returns a frozen, typed config for %s", (env) => {
    const config: StackConfig = parseStackConfig(source(VALID[env]), env);
    expect(config.profile.name).toBe(env);
    expect(config.github.owner).toBe("nyc-taxi-mlops");
    expect(config.github.defaultBranch).toBe("main");
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.github.reviewers.teams)).toBe(true);
  });

  it("applies the schema defaults", () => {
    const config = parseStackConfig(source(VALID.staging), "staging");
    expect(config.github.defaultBranch).toBe("main");
    expect(config.runtime).toMatchObject({ vpcCidr: "10.20.0.0/16", availabilityZoneCount: 2, dataProtection: false, recoveryRegion: undefined });
    expect(config.runtime.database).toEqual({
      instanceClass: "db.t4g.micro",
      allocatedStorageGb: 20,
      backupRetentionDays: 7,
      snapshotIdentifier: undefined,
      pointInTimeRestore: undefined,
      // Every 90 days, and no rotation in a run that is not the rotation workflow's.
      rotation: { periodDays: 90, step: undefined },
    });
    expect(config.runtime.services).toMatchObject({ desiredCount: 1, logRetentionDays: 30 });
    expect(config.application).toMatchObject({ lintPaths: ["."], healthCheckPath: "/health", modelMaxRmse: "10.0" });
    expect(config.application.loadTest).toEqual({ concurrency: 10, durationSeconds: 60, maxP95Ms: 1000, maxP99Ms: 2000, maxErrorRate: "0.01", minThroughput: "5" });
    expect(config.github.repositorySettings).toBeUndefined();
    expect(config.secrets.slackWebhookUrl).toBeUndefined();
    expect(config.secrets.awsKeys).toBeUndefined();
  });

  it("gives the repository-wide settings, defaults applied, exactly to the stack that manages them", () => {
    const config = parseStackConfig(source(VALID.production), "production");
    expect(config.github.repositorySettings).toEqual({
      platformAppId: 1048576,
      requiredApprovingReviews: 1,
      additionalRequiredChecks: [],
      codeowners: expect.any(Array),
      dependabot: { pipDirectories: ["/"], dockerDirectories: ["/04-deployment/web-services"] },
    });
  });

  it("keeps an empty list as a value, not as 'unset'", () => {
    const config = parseStackConfig(source(withChanges("production", { "mlops-cicd:dependabotDockerDirectories": "[]" })), "production");
    expect(config.github.repositorySettings?.dependabot.dockerDirectories).toEqual([]);
  });

  it("reads an optional key's declared default (0, \"\") as unset", () => {
    const config = parseStackConfig(
      source(withChanges("staging", { "mlops-cicd:platformAppId": "0", "mlops-cicd:recoveryRegion": "", "mlops-cicd:ghcrUsername": "" })),
      "staging",
    );
    expect(config.githubCredentials).toEqual({ kind: "ambient" });
    expect(config.runtime.recoveryRegion).toBeUndefined();
    expect(config.runtime.registry.username).toBe("nyc-taxi-mlops");
  });

  it("hands secrets on as secret Outputs", async () => {
    const config = parseStackConfig(source(VALID.production), "production");
    expect(await pulumi.isSecret(config.runtime.registry.token)).toBe(true);
    // Frozen around them: the SDK's Outputs are left as they are.
    expect(Object.isFrozen(config.runtime.registry)).toBe(true);
    expect(Object.isFrozen(config.runtime.registry.token)).toBe(false);
  });

  it("holds secrets as an offline reader asks, wrapping none", () => {
    const config = parseStackConfig(source(VALID.production), "production", { secret: (value: string) => ({ held: value.length }) });
    expect(config.runtime.registry.token).toEqual({ held: VALID.production["mlops-cicd:ghcrToken"]?.length });
    expect(pulumi.Output.isInstance(config.runtime.registry.pullToken)).toBe(false);
    expect(Object.isFrozen(config.runtime.registry.token)).toBe(true);
  });
});

describe("ConfigError", () => {
  it("is a RunError to Pulumi, so `pulumi up` prints its message without a stack trace", () => {
    let error: unknown;
    try {
      parseStackConfig(source(withChanges("staging", { "mlops-cicd:repository": null })), "staging");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).name).toBe("ConfigError");
  });
});

describe("parseStackConfig rejects, naming the key, the rule and the fix", () => {
  it("a missing required key", () => {
    expect(problems("staging", { "mlops-cicd:repository": null })).toEqual([
      "`mlops-cicd:repository` is not set. Name of the application repository (without the owner) that receives the settings and workflow files. Set it: pulumi config set mlops-cicd:repository <value>.",
    ]);
  });

  it("a missing github:owner, which would otherwise target the token's own account", () => {
    expect(problems("staging", { "github:owner": null })).toEqual([
      "`github:owner` is not set. The GitHub organization or user that owns the application repository. Required: without it the GitHub provider silently targets the token's personal account. Set it: pulumi config set github:owner <value>.",
    ]);
  });

  it("a malformed owner", () => {
    expect(problems("staging", { "github:owner": "-nyc_taxi" })).toEqual([
      '`github:owner` must be a GitHub user or organization name: 1-39 letters, digits or single inner hyphens, got "-nyc_taxi".',
    ]);
  });

  it("a malformed repository name", () => {
    expect(problems("staging", { "mlops-cicd:repository": "owner/repo" })).toEqual([
      '`mlops-cicd:repository` must be a repository name of 1-100 letters, digits, ".", "-" or "_" (without the owner), got "owner/repo".',
    ]);
    expect(problems("staging", { "mlops-cicd:repository": "repo.git" })).toEqual([
      '`mlops-cicd:repository` must not end in ".git": GitHub strips the suffix, so the program would target another name, got "repo.git".',
    ]);
  });

  it("an environment the program does not know", () => {
    expect(problems("staging", { "mlops-cicd:environment": "qa" })).toEqual([
      '`mlops-cicd:environment` is "qa", which this program does not know. Choose one of: staging, production.',
    ]);
  });

  it("a wrong type", () => {
    expect(problems("production", { "mlops-cicd:platformAppId": "my-app" })).toEqual([
      '`mlops-cicd:platformAppId` must be a whole number, got "my-app". Example: pulumi config set mlops-cicd:platformAppId 1.',
    ]);
    expect(problems("staging", { "mlops-cicd:manageRepositorySettings": "yes" })).toEqual([
      '`mlops-cicd:manageRepositorySettings` must be true or false, got "yes". Example: pulumi config set mlops-cicd:manageRepositorySettings true.',
    ]);
    expect(problems("staging", { "mlops-cicd:reviewerUsers": '"alice"' })).toEqual([
      "`mlops-cicd:reviewerUsers` must be a list of strings, got \"\\\"alice\\\"\". Example: pulumi config set --path 'mlops-cicd:reviewerUsers[0]' value.",
    ]);
  });

  it("a bad URL", () => {
    expect(problems("staging", { "mlops-cicd:apiUrl": "staging-api.example.com" })).toEqual([
      '`mlops-cicd:apiUrl` must be an absolute https:// URL, got "staging-api.example.com".',
    ]);
    expect(problems("staging", { "mlops-cicd:apiUrl": "http://staging-api.example.com" })).toEqual([
      '`mlops-cicd:apiUrl` must use https:// (plain http sends data in the clear), got "http://staging-api.example.com".',
    ]);
    expect(problems("staging", { "mlops-cicd:apiUrl": "https://user:pw@staging-api.example.com" })).toEqual([
      "`mlops-cicd:apiUrl` must not embed credentials (user:password@); keep credentials in their own secret.",
    ]);
  });

  it("a bad secret URL without repeating the secret", () => {
    expect(problems("staging", { "mlops-cicd:slackWebhookUrl": "http://hooks.internal/x" })).toEqual([
      "`mlops-cicd:slackWebhookUrl` must use https:// (plain http sends data in the clear).",
    ]);
  });

  it("runtime settings out of range", () => {
    expect(
      problems("staging", {
        "mlops-cicd:awsRegion": "Europe",
        "mlops-cicd:vpcCidr": "8.8.0.0/16",
        "mlops-cicd:availabilityZoneCount": "1",
        "mlops-cicd:dbInstanceClass": "t3.micro",
        "mlops-cicd:dbAllocatedStorageGb": "5",
        "mlops-cicd:dbSnapshotIdentifier": "my snapshot",
        "mlops-cicd:githubOidcProviderArn": "arn:aws:iam::123:oidc-provider/example.com",
      }),
    ).toEqual([
      '`mlops-cicd:awsRegion` must be an AWS region such as eu-west-1, got "Europe".',
      '`mlops-cicd:vpcCidr` must be in a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), got "8.8.0.0/16".',
      "`mlops-cicd:availabilityZoneCount` must be between 2 and 3, got 1.",
      '`mlops-cicd:dbInstanceClass` must be an RDS instance class such as db.t4g.micro, got "t3.micro".',
      "`mlops-cicd:dbAllocatedStorageGb` must be between 20 and 65536, got 5.",
      '`mlops-cicd:dbSnapshotIdentifier` must be an RDS snapshot identifier or ARN, got "my snapshot".',
      '`mlops-cicd:githubOidcProviderArn` must be the ARN of the IAM OIDC provider for token.actions.githubusercontent.com, got "arn:aws:iam::123:oidc-provider/example.com".',
    ]);
    expect(problems("staging", { "mlops-cicd:vpcCidr": "10.20.0.0/12" })).toEqual(["`mlops-cicd:vpcCidr` must have a prefix between /16 and /20, got /12."]);
    expect(problems("staging", { "mlops-cicd:vpcCidr": "10.20.1.0/16" })).toEqual(['`mlops-cicd:vpcCidr` must start on a /16 boundary, got "10.20.1.0/16".']);
  });

  it("production without data protection or with short backups", () => {
    expect(problems("production", { "mlops-cicd:dataProtection": "false", "mlops-cicd:dbBackupRetentionDays": "7" })).toEqual([
      "`mlops-cicd:dbBackupRetentionDays` must be between 14 and 35, got 7.",
      "`mlops-cicd:dataProtection` is false, but the production environment requires it (Multi-AZ, deletion protection, final snapshot). Set it: pulumi config set mlops-cicd:dataProtection true.",
    ]);
  });

  it("two mistakes at once, in one message", () => {
    const found = problems("staging", { "github:owner": "bad owner", "mlops-cicd:apiUrl": "ftp://x" });
    expect(found).toEqual([
      '`github:owner` must be a GitHub user or organization name: 1-39 letters, digits or single inner hyphens, got "bad owner".',
      '`mlops-cicd:apiUrl` must use https:// (plain ftp sends data in the clear), got "ftp://x".',
    ]);
    const error = (() => {
      try {
        parseStackConfig(source(withChanges("staging", { "github:owner": "bad owner", "mlops-cicd:apiUrl": "ftp://x" })), "staging");
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(error?.message).toBe(
      [
        'Stack "staging" has 2 configuration problems; nothing was changed:',
        '  • `github:owner` must be a GitHub user or organization name: 1-39 letters, digits or single inner hyphens, got "bad owner".',
        '  • `mlops-cicd:apiUrl` must use https:// (plain ftp sends data in the clear), got "ftp://x".',
      ].join("\n"),
    );
  });

  it("production without a reviewer", () => {
    expect(problems("production", { "mlops-cicd:reviewerTeams": "[]" })).toEqual([
      "`mlops-cicd:reviewerUsers` and `mlops-cicd:reviewerTeams` are both empty, but the production environment requires at least one reviewer. Add one: pulumi config set --path 'mlops-cicd:reviewerUsers[0]' <login>.",
    ]);
  });

  it("more reviewers than GitHub allows", () => {
    expect(problems("production", { "mlops-cicd:reviewerUsers": '["a","b","c","d","e","f"]' })).toEqual([
      "`mlops-cicd:reviewerUsers` and `mlops-cicd:reviewerTeams` name 7 reviewers; GitHub allows at most 6 per environment. Use a team for larger groups.",
    ]);
  });

  it("malformed reviewers", () => {
    expect(problems("production", { "mlops-cicd:reviewerUsers": '["al ice"]', "mlops-cicd:reviewerTeams": '["MLOps Leads"]' })).toEqual([
      '`mlops-cicd:reviewerUsers` must be a GitHub user name: 1-39 letters, digits or single inner hyphens, got "al ice".',
      '`mlops-cicd:reviewerTeams` must hold team slugs (lower-case letters, digits, "-" or "_", as in github.com/orgs/<owner>/teams/<slug>), got "MLOps Leads".',
    ]);
  });

  it("repository settings without the App that may bypass the ruleset", () => {
    expect(problems("production", { "mlops-cicd:platformAppId": null })).toEqual([
      "`mlops-cicd:platformAppId` is not set, but `mlops-cicd:manageRepositorySettings` is true: the ruleset on the default branch needs the platform's GitHub App as its only bypass actor. Set it: pulumi config set mlops-cicd:platformAppId <app-id>.",
    ]);
    expect(problems("production", { "mlops-cicd:platformAppId": "-4" })).toEqual([
      "`mlops-cicd:platformAppId` must be a GitHub App ID (a positive number), got -4.",
    ]);
  });

  it("repository settings without code owners, or with malformed ones", () => {
    expect(problems("production", { "mlops-cicd:codeowners": null })).toEqual([
      "`mlops-cicd:codeowners` is empty, but `mlops-cicd:manageRepositorySettings` is true: the repository's CODEOWNERS needs at least one owner. Add one: pulumi config set --path 'mlops-cicd:codeowners[0]' @org/team.",
    ]);
    expect(problems("production", { "mlops-cicd:codeowners": '["mlops-team"]' })).toEqual([
      '`mlops-cicd:codeowners` must hold @user, @org/team or e-mail entries, got "mlops-team".',
    ]);
  });

  it("team checks that are empty, not one line, already the platform's, or named twice", () => {
    expect(problems("production", { "mlops-cicd:additionalRequiredChecks": '["e2e", "", "lint", "e2e", "a\\nb"]' })).toEqual([
      "`mlops-cicd:additionalRequiredChecks` must name a check run, got an empty name.",
      '`mlops-cicd:additionalRequiredChecks` must be a check run\'s name as GitHub shows it (one line, no spaces at either end, at most 255 characters), got "a\\nb".',
      '`mlops-cicd:additionalRequiredChecks` names "lint", which the platform always requires: remove it.',
      '`mlops-cicd:additionalRequiredChecks` names "e2e" twice.',
    ]);
  });

  it("a review count out of range", () => {
    expect(problems("production", { "mlops-cicd:requiredApprovingReviews": "0" })).toEqual([
      "`mlops-cicd:requiredApprovingReviews` must be between 1 and 10, got 0.",
    ]);
  });

  it("a bad default branch and bad Dependabot directories", () => {
    expect(problems("staging", { "mlops-cicd:defaultBranch": "main..x", "mlops-cicd:dependabotPipDirectories": '["app"]' })).toEqual([
      '`mlops-cicd:defaultBranch` must be a valid git branch name, got "main..x".',
      '`mlops-cicd:dependabotPipDirectories` must hold directories of the repository starting with "/" and without "..", got "app".',
    ]);
  });

  it("an operator secret stored in plain text", () => {
    expect(problems("staging", { "mlops-cicd:slackWebhookUrl": "https://hooks.slack.com/services/T/B/X" }, ["mlops-cicd:slackWebhookUrl"])).toEqual([
      "`mlops-cicd:slackWebhookUrl` is stored in plain text. Store it encrypted: pulumi config set --secret mlops-cicd:slackWebhookUrl <value>.",
    ]);
  });

  it("a missing required secret, outside offline synth", () => {
    expect(problems("staging", { "mlops-cicd:ghcrToken": null })).toEqual([
      "`mlops-cicd:ghcrToken` is not set. A GitHub token of `ghcrUsername` with `write:packages`: `pulumi up` pushes the platform's images with it. Set it with `pulumi config set --secret`. Set it: pulumi config set --secret mlops-cicd:ghcrToken <value>.",
    ]);
  });

  it("a bad certificate, host names, task count or log retention", () => {
    expect(
      problems("staging", {
        "mlops-cicd:certificateArn": "arn:aws:iam::123456789012:server-certificate/x",
        "mlops-cicd:mlflowHostname": "https://mlflow.example.com",
        "mlops-cicd:serviceDesiredCount": "0",
        "mlops-cicd:logRetentionDays": "10",
      }),
    ).toEqual([
      '`mlops-cicd:certificateArn` must be the ARN of an ACM certificate (arn:aws:acm:<region>:<account>:certificate/<id>), got "arn:aws:iam::123456789012:server-certificate/x".',
      '`mlops-cicd:mlflowHostname` must be a host name such as db.example.com (no scheme, port or path), got "https://mlflow.example.com".',
      "`mlops-cicd:serviceDesiredCount` must be between 1 and 10, got 0.",
      "`mlops-cicd:logRetentionDays` must be a retention CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 10.",
    ]);
  });

  it("AWS keys without the opt-in, and the opt-in without keys", () => {
    expect(problems("staging", { "mlops-cicd:awsAccessKeyId": "AKIAABCDEFGHIJKLMNOP" })).toEqual([
      "`mlops-cicd:awsAccessKeyId` is set, but `mlops-cicd:allowLongLivedAwsKeys` is false, so it would be ignored. Remove it (pulumi config rm mlops-cicd:awsAccessKeyId) or opt in with pulumi config set mlops-cicd:allowLongLivedAwsKeys true.",
    ]);
    expect(problems("staging", { "mlops-cicd:allowLongLivedAwsKeys": "true" })).toEqual([
      "`mlops-cicd:awsAccessKeyId` is not set, but `mlops-cicd:allowLongLivedAwsKeys` is true. Set it (pulumi config set --secret mlops-cicd:awsAccessKeyId <value>) or turn the opt-in off to use GitHub OIDC.",
      "`mlops-cicd:awsSecretAccessKey` is not set, but `mlops-cicd:allowLongLivedAwsKeys` is true. Set it (pulumi config set --secret mlops-cicd:awsSecretAccessKey <value>) or turn the opt-in off to use GitHub OIDC.",
    ]);
  });

  it("malformed AWS keys without echoing them", () => {
    expect(
      problems("staging", {
        "mlops-cicd:allowLongLivedAwsKeys": "true",
        "mlops-cicd:awsAccessKeyId": "ASIAABCDEFGHIJKLMNOP",
        "mlops-cicd:awsSecretAccessKey": "short",
      }),
    ).toEqual([
      "`mlops-cicd:awsAccessKeyId` must be a long-lived access key ID: AKIA followed by 16 upper-case letters or digits.",
      "`mlops-cicd:awsSecretAccessKey` must be a 40-character AWS secret access key.",
    ]);
  });

  it("application commands and paths the workflows could not run", () => {
    expect(
      problems("staging", {
        "mlops-cicd:appTestCommand": "pytest\nrm -rf /",
        "mlops-cicd:appTrainCommand": " ",
        "mlops-cicd:appWebServiceDirectory": "../elsewhere",
        "mlops-cicd:appLintPaths": '["/abs"]',
        "mlops-cicd:appDashboardsDirectory": "/srv/dashboards",
      }),
    ).toEqual([
      '`mlops-cicd:appLintPaths` must be a path relative to the repository root, without ".." (such as 04-deployment/web-services), got "/abs".',
      '`mlops-cicd:appTestCommand` must be a single line (chain commands with &&), got "pytest\\nrm -rf /".',
      "`mlops-cicd:appTrainCommand` must be a command, got an empty string.",
      '`mlops-cicd:appWebServiceDirectory` must be a path relative to the repository root, without ".." (such as 04-deployment/web-services), got "../elsewhere".',
      '`mlops-cicd:appDashboardsDirectory` must be a path relative to the repository root, without ".." (such as 04-deployment/web-services), got "/srv/dashboards".',
    ]);
  });

  it("dependency files that are not relative paths, a Pipfile without its lock, or one file twice", () => {
    expect(
      problems("staging", {
        "mlops-cicd:appRequirementsFiles": '["/requirements.txt", "04-deployment/web-service/Pipfile"]',
        "mlops-cicd:appTrainRequirementsFiles": '["03-orchestration/requirements.txt", "03-orchestration/requirements.txt"]',
        "mlops-cicd:appDriftRequirementsFiles": '["../05-monitoring/requirements.txt"]',
      }),
    ).toEqual([
      '`mlops-cicd:appRequirementsFiles` must be a path relative to the repository root, without ".." (such as 04-deployment/web-services), got "/requirements.txt".',
      '`mlops-cicd:appRequirementsFiles` names a Pipfile, "04-deployment/web-service/Pipfile": name its lock, "04-deployment/web-service/Pipfile.lock", which pins the versions and hashes installed (pipenv lock writes it).',
      '`mlops-cicd:appTrainRequirementsFiles` names "03-orchestration/requirements.txt" twice.',
      '`mlops-cicd:appDriftRequirementsFiles` must be a path relative to the repository root, without ".." (such as 04-deployment/web-services), got "../05-monitoring/requirements.txt".',
    ]);
  });

  it("requirements files given as one string, the shape the retired key had", () => {
    expect(problems("staging", { "mlops-cicd:appRequirementsFiles": "requirements.txt" })).toEqual([
      "`mlops-cicd:appRequirementsFiles` must be a list of strings, got \"requirements.txt\". Example: pulumi config set --path 'mlops-cicd:appRequirementsFiles[0]' value.",
    ]);
  });

  it("the retired single requirements file, saying where its value goes", () => {
    expect(problems("staging", { "mlops-cicd:appRequirementsFile": "requirements.txt" })).toEqual([
      "`mlops-cicd:appRequirementsFile` is no longer read: it became the list `mlops-cicd:appRequirementsFiles` (beside `appTrainRequirementsFiles` and `appDriftRequirementsFiles` " +
        "for the training and drift commands), so a repository with a requirements file per module, or a Pipfile.lock, can name each. Move the value there: " +
        "pulumi config set --path 'mlops-cicd:appRequirementsFiles[0]' <file>. Remove it: pulumi config rm mlops-cicd:appRequirementsFile.",
    ]);
  });

  it("working directories outside the repository", () => {
    expect(
      problems("staging", {
        "mlops-cicd:appTestWorkingDirectory": "",
        "mlops-cicd:appTrainWorkingDirectory": "/03-orchestration",
        "mlops-cicd:appDriftWorkingDirectory": "05-monitoring/../..",
      }),
    ).toEqual([
      '`mlops-cicd:appTestWorkingDirectory` must be "." (the repository root) or a directory relative to it, without ".." (such as 03-orchestration), got "".',
      '`mlops-cicd:appTrainWorkingDirectory` must be "." (the repository root) or a directory relative to it, without ".." (such as 03-orchestration), got "/03-orchestration".',
      '`mlops-cicd:appDriftWorkingDirectory` must be "." (the repository root) or a directory relative to it, without ".." (such as 03-orchestration), got "05-monitoring/../..".',
    ]);
  });

  it("no service with an image, which would leave deploy-service nothing to deploy", () => {
    expect(
      problems("staging", { "mlops-cicd:appWebServiceDirectory": "", "mlops-cicd:appBatchDirectory": "", "mlops-cicd:appMlflowServiceDirectory": "" }),
    ).toEqual([
      "`mlops-cicd:appWebServiceDirectory`, `mlops-cicd:appBatchDirectory`, `mlops-cicd:appMlflowServiceDirectory` are all empty, but deploy-service deploys a service from its image: " +
        "name the build context (the directory with its Dockerfile) of at least one, such as pulumi config set mlops-cicd:appWebServiceDirectory 04-deployment/web-service.",
    ]);
  });

  it("reads an empty build context as a service without an image, and the layout's defaults as the spec's", () => {
    const config = parseStackConfig(source(withChanges("staging", { "mlops-cicd:appBatchDirectory": "", "mlops-cicd:appTrainWorkingDirectory": "03-orchestration" })), "staging");
    expect(config.application).toMatchObject({
      requirementsFiles: ["requirements.txt"],
      trainRequirementsFiles: ["requirements.txt"],
      driftRequirementsFiles: ["requirements.txt"],
      testWorkingDirectory: ".",
      trainWorkingDirectory: "03-orchestration",
      driftWorkingDirectory: ".",
      webServiceDirectory: "04-deployment/web-services",
      batchDirectory: undefined,
      mlflowServiceDirectory: "04-deployment/web-service-mlflow",
    });
    const empty = parseStackConfig(source(withChanges("staging", { "mlops-cicd:appRequirementsFiles": "[]" })), "staging");
    expect(empty.application.requirementsFiles).toEqual([]);
  });

  it("a data URL template without the month, a bad model name or RMSE limit", () => {
    expect(
      problems("staging", {
        "mlops-cicd:appDataUrlTemplate": "https://data.example.com/green.parquet",
        "mlops-cicd:modelName": "my model",
        "mlops-cicd:modelMaxRmse": "-1",
      }),
    ).toEqual([
      '`mlops-cicd:appDataUrlTemplate` must contain "{month}", where the YYYY-MM month goes.',
      '`mlops-cicd:modelName` must be a model name of letters, digits, ".", "-" or "_", got "my model".',
      '`mlops-cicd:modelMaxRmse` must be a positive decimal number such as 10.0, got "-1".',
    ]);
  });

  it("a load test too long for the canary, with impossible limits", () => {
    expect(
      problems("production", {
        "mlops-cicd:loadTestConcurrency": "0",
        "mlops-cicd:loadTestDurationSeconds": "600",
        "mlops-cicd:loadTestMaxP95Ms": "0",
        "mlops-cicd:loadTestMaxErrorRate": "5%",
        "mlops-cicd:loadTestMinThroughput": "-1",
      }),
    ).toEqual([
      "`mlops-cicd:loadTestConcurrency` must be between 1 and 200, got 0.",
      "`mlops-cicd:loadTestDurationSeconds` must be between 10 and 300, got 600.",
      "`mlops-cicd:loadTestMaxP95Ms` must be between 1 and 60000, got 0.",
      '`mlops-cicd:loadTestMaxErrorRate` must be a share from 0 to 1 such as 0.01 (1%), got "5%".',
      '`mlops-cicd:loadTestMinThroughput` must be a decimal number, 0 or more, such as 5 or 2.5, got "-1".',
    ]);
    expect(problems("production", { "mlops-cicd:loadTestMaxErrorRate": "1.5" })).toEqual([
      '`mlops-cicd:loadTestMaxErrorRate` must be a share from 0 to 1 such as 0.01 (1%), got "1.5".',
    ]);
  });

  it("a p99 latency limit below the p95 one", () => {
    expect(problems("production", { "mlops-cicd:loadTestMaxP95Ms": "800", "mlops-cicd:loadTestMaxP99Ms": "500" })).toEqual([
      "`mlops-cicd:loadTestMaxP99Ms` (500) is below `mlops-cicd:loadTestMaxP95Ms` (800), but the p99 latency is never below the p95. " +
        "Raise the first or lower the second: pulumi config set mlops-cicd:loadTestMaxP99Ms 1600.",
    ]);
  });

  it("the retired monitoring runner labels, saying what replaced them", () => {
    expect(problems("staging", { "mlops-cicd:monitoringRunnerLabels": '["self-hosted", "mlops-vpc"]' })).toEqual([
      "`mlops-cicd:monitoringRunnerLabels` is no longer read: monitor-model runs on GitHub's hosted runners and stores its metrics through the metrics function " +
        "inside the VPC (docs/monitoring.md), so it needs no runner there. Remove it: pulumi config rm mlops-cicd:monitoringRunnerLabels.",
    ]);
  });

  it("a plain key stored encrypted, which the program would publish in plain text anyway", () => {
    const values = { ...VALID.production, "mlops-cicd:appTrainCommand": "python train.py --token abc" };
    expect(() => parseStackConfig(source(values, [], ["mlops-cicd:appTrainCommand"]), "production")).toThrow(
      "`mlops-cicd:appTrainCommand` is stored encrypted, but it is not a secret: the program writes it in plain text (committed files, variables, resource names). " +
        "Store it plain (pulumi config set mlops-cicd:appTrainCommand <value>), and keep secrets out of it.",
    );
  });

  it("a misspelt key, suggesting the one meant", () => {
    expect(problems("staging", { "mlops-cicd:reposiotry": "x", "mlops-cicd:somethingElse": "y" })).toEqual([
      "`mlops-cicd:reposiotry` is not a key this program reads. Did you mean `mlops-cicd:repository`? Remove it: pulumi config rm mlops-cicd:reposiotry.",
      "`mlops-cicd:somethingElse` is not a key this program reads. Remove it: pulumi config rm mlops-cicd:somethingElse.",
    ]);
  });

  it("a misspelt or ignored github: key, which the program's explicit provider would never read", () => {
    expect(problems("staging", { "github:ownr": "x", "github:token": "ghp_x" })).toEqual([
      "`github:ownr` is not a key this program reads. Did you mean `github:owner`? Remove it: pulumi config rm github:ownr.",
      '`github:token` is not read: the program\'s GitHub provider takes its token from GITHUB_TOKEN, or signs in as the platform\'s App (README, "GitHub credentials"). Remove it: pulumi config rm github:token.',
    ]);
  });

  it("a key an earlier release read, saying why it went", () => {
    expect(problems("staging", { "mlops-cicd:databaseAdminEndpoint": "localhost:5433" })).toEqual([
      "`mlops-cicd:databaseAdminEndpoint` is no longer read: the database's roles, databases and schema are now made from inside the VPC by the provisioner function, " +
        "so `pulumi up` never connects to the database (docs/decisions/0003-database-provisioning.md). Remove it: pulumi config rm mlops-cicd:databaseAdminEndpoint.",
    ]);
  });

  it("half of the GitHub App credentials, or an installation without an App ID", () => {
    const onlyKey = () => parseStackConfig(source(VALID.production), "production", { processEnv: { GITHUB_APP_PEM_FILE: "pem" } });
    expect(onlyKey).toThrow(
      "`GITHUB_APP_INSTALLATION_ID` and `GITHUB_APP_PEM_FILE` must be set together to sign in as the platform's GitHub App (the installation's ID and the App's private key in PEM form); unset both to use GITHUB_TOKEN.",
    );
    const noApp = () =>
      parseStackConfig(source(VALID.staging), "staging", { processEnv: { GITHUB_APP_PEM_FILE: "pem", GITHUB_APP_INSTALLATION_ID: "42" } });
    expect(noApp).toThrow(
      "`GITHUB_APP_INSTALLATION_ID` is set, but `mlops-cicd:platformAppId` is not: set the App's ID with pulumi config set mlops-cicd:platformAppId <app-id>.",
    );
    const badId = () =>
      parseStackConfig(source(VALID.production), "production", { processEnv: { GITHUB_APP_PEM_FILE: "pem", GITHUB_APP_INSTALLATION_ID: "abc" } });
    expect(badId).toThrow('`GITHUB_APP_INSTALLATION_ID` must be the installation\'s numeric ID, got "abc".');
  });

  it("an App ID of the wrong type once, not again as missing when the App signs in", () => {
    const appSignIn = { processEnv: { GITHUB_APP_PEM_FILE: "pem", GITHUB_APP_INSTALLATION_ID: "42" } };
    const found = (changes: Record<string, string>) => {
      try {
        parseStackConfig(source(withChanges("production", changes)), "production", appSignIn);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(found({ "mlops-cicd:platformAppId": "abc" })).toEqual([
      '`mlops-cicd:platformAppId` must be a whole number, got "abc". Example: pulumi config set mlops-cicd:platformAppId 1.',
    ]);
    expect(found({ "mlops-cicd:platformAppId": "-4" })).toEqual(["`mlops-cicd:platformAppId` must be a GitHub App ID (a positive number), got -4."]);
  });

  it("signs in as the App when both credentials are in the environment, and keeps the key secret", async () => {
    const config = parseStackConfig(source(VALID.production), "production", {
      processEnv: { GITHUB_APP_PEM_FILE: "-----BEGIN RSA PRIVATE KEY-----", GITHUB_APP_INSTALLATION_ID: "42" },
    });
    expect(config.githubCredentials).toMatchObject({ kind: "app", appId: 1048576, installationId: "42" });
    if (config.githubCredentials.kind !== "app") throw new Error("expected App credentials");
    expect(await pulumi.isSecret(config.githubCredentials.privateKey)).toBe(true);
    expect(parseStackConfig(source(VALID.production), "production").githubCredentials).toEqual({ kind: "ambient" });
  });

  it("uses the offline placeholder for a missing secret only when synth asks for it", async () => {
    const config = parseStackConfig(source(withChanges("production", { "mlops-cicd:ghcrToken": null })), "production", {
      placeholderForMissingSecret: (spec) => spec.placeholder ?? "",
    });
    expect(await valueOf(config.runtime.registry.token)).toBe("ghp_synthPlaceholderNotARealToken000000000");
  });

  it("names an opt-in without its keys even offline: a mistake in the stack file, not a secret synth lacks", () => {
    const optedIn = () =>
      parseStackConfig(source(withChanges("staging", { "mlops-cicd:allowLongLivedAwsKeys": "true" })), "staging", {
        placeholderForMissingSecret: (spec) => spec.placeholder ?? "",
      });
    expect(optedIn).toThrow("`mlops-cicd:awsAccessKeyId` is not set, but `mlops-cicd:allowLongLivedAwsKeys` is true.");
  });
});

describe("the key table", () => {
  it("names only boolean keys of its own as the switches that warn about a key left unset", () => {
    const booleans = CONFIG_KEYS.filter((spec) => spec.type === "boolean").map((spec) => spec.key as string);
    for (const spec of CONFIG_KEYS) {
      for (const when of [spec.warnUnsetWhen]) if (when !== undefined) expect([spec.key, booleans.includes(when)]).toEqual([spec.key, true]);
    }
  });

  it("makes only strings and numbers optional, whose empty value Pulumi.yaml declares and the program reads as unset", () => {
    for (const spec of CONFIG_KEYS.filter((entry) => entry.optional)) {
      expect([spec.key, spec.default]).toEqual([spec.key, undefined]);
      expect([spec.key, declaredDefault(spec)]).toEqual([spec.key, spec.type === "integer" ? 0 : ""]);
    }
    expect(() => declaredDefault({ key: "x", type: "array", description: "", optional: true })).toThrow(
      "config key x: an optional array key needs a default instead",
    );
  });
});

describe("the disaster-recovery keys", () => {
  const ACCOUNT = "210987654321";
  const backupsIn = (region: string) => `arn:aws:rds:${region}:${ACCOUNT}:auto-backup:ab-faaa2mgdj1vmp4xflr7yhsrmtbtob7ltrzzz2my`;

  it.each([
    ["the source instance, to a time", "mlops-cicd-production", "2025-03-14T09:26:53Z", "instanceIdentifier"],
    ["a deleted instance's retained backups, to the latest time", "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "latest", "resourceId"],
    ["backups replicated into this region", backupsIn("eu-west-1"), "latest", "automatedBackupsArn"],
  ] as const)("restores to a point in time from %s", (_name, sourceValue, restoreTime, kind) => {
    const config = parseStackConfig(
      source(withChanges("production", { "mlops-cicd:dbRestoreSource": sourceValue, "mlops-cicd:dbRestoreTime": restoreTime })),
      "production",
    );
    expect(config.runtime.database.pointInTimeRestore).toEqual({ source: { kind, value: sourceValue }, restoreTime });
    expect(config.runtime.database.snapshotIdentifier).toBeUndefined();
  });

  it("restores from a snapshot, and keeps the recovery region", () => {
    const config = parseStackConfig(source(withChanges("production", { "mlops-cicd:dbSnapshotIdentifier": "mlops-cicd-production-final" })), "production");
    expect(config.runtime.database).toMatchObject({ snapshotIdentifier: "mlops-cicd-production-final", pointInTimeRestore: undefined });
    expect(config.runtime.recoveryRegion).toBe("eu-central-1");
    expect(parseStackConfig(source(VALID.staging), "staging").runtime.recoveryRegion).toBeUndefined();
  });

  // GIVEN a valid production config, WHEN one rule between the restore keys is broken, THEN the
  // one problem names the keys, the rule and the fix.
  const cases: [string, Record<string, string | null>, string[]][] = [
    [
      "a snapshot and a point in time at once",
      {
        "mlops-cicd:dbSnapshotIdentifier": "mlops-cicd-production-final",
        "mlops-cicd:dbRestoreSource": "mlops-cicd-production",
        "mlops-cicd:dbRestoreTime": "latest",
      },
      [
        "`mlops-cicd:dbSnapshotIdentifier` and `mlops-cicd:dbRestoreSource` are both set, but the database is restored either from a snapshot or to a point in time, not both. " +
          "Keep one: pulumi config rm mlops-cicd:dbRestoreSource (restore the snapshot), or pulumi config rm mlops-cicd:dbSnapshotIdentifier (restore to the point in time).",
      ],
    ],
    [
      "a restore source without a time",
      { "mlops-cicd:dbRestoreSource": "mlops-cicd-production" },
      [
        "`mlops-cicd:dbRestoreTime` is not set, but `mlops-cicd:dbRestoreSource` is: a point-in-time restore needs the time to restore to. " +
          "Set it: pulumi config set mlops-cicd:dbRestoreTime latest (or a UTC time such as 2025-03-14T09:26:53Z).",
      ],
    ],
    [
      "a time without a restore source",
      { "mlops-cicd:dbRestoreTime": "latest" },
      [
        "`mlops-cicd:dbRestoreTime` is set, but `mlops-cicd:dbRestoreSource` is not, so nothing would be restored. " +
          "Name the backups (pulumi config set mlops-cicd:dbRestoreSource <instance, db-… resource ID or auto-backup ARN>) or remove it: pulumi config rm mlops-cicd:dbRestoreTime.",
      ],
    ],
    [
      "a restore source of no known shape, and a time that does not exist",
      { "mlops-cicd:dbRestoreSource": "Production DB", "mlops-cicd:dbRestoreTime": "2025-02-30T10:00:00Z" },
      [
        "`mlops-cicd:dbRestoreSource` must name the backups to restore from: a DB instance identifier (mlops-cicd-production), its resource ID " +
          '(db- and 26 upper-case letters or digits) or the ARN of replicated automated backups (arn:aws:rds:<region>:<account>:auto-backup:ab-…), got "Production DB".',
        '`mlops-cicd:dbRestoreTime` must be `latest` or a UTC time such as 2025-03-14T09:26:53Z, got "2025-02-30T10:00:00Z".',
      ],
    ],
    [
      "a local time instead of UTC",
      { "mlops-cicd:dbRestoreSource": "mlops-cicd-production", "mlops-cicd:dbRestoreTime": "2025-03-14T09:26:53+01:00" },
      ['`mlops-cicd:dbRestoreTime` must be `latest` or a UTC time such as 2025-03-14T09:26:53Z, got "2025-03-14T09:26:53+01:00".'],
    ],
    [
      "backups in another region",
      { "mlops-cicd:dbRestoreSource": backupsIn("eu-central-1"), "mlops-cicd:dbRestoreTime": "latest" },
      [
        "`mlops-cicd:dbRestoreSource` names automated backups in eu-central-1, but the stack runs in eu-west-1: RDS restores only from backups in its own region. " +
          "Name the copy replicated to eu-west-1 (aws rds describe-db-instance-automated-backups --region eu-west-1).",
      ],
    ],
    [
      "a snapshot in another region",
      { "mlops-cicd:dbSnapshotIdentifier": `arn:aws:rds:eu-central-1:${ACCOUNT}:snapshot:mlops-cicd-production-final` },
      [
        "`mlops-cicd:dbSnapshotIdentifier` names a snapshot in eu-central-1, but the stack runs in eu-west-1: RDS restores only from snapshots in its own region. " +
          "Copy it first (aws rds copy-db-snapshot --region eu-west-1 …) and name the copy.",
      ],
    ],
    [
      "data protection without a recovery region",
      { "mlops-cicd:recoveryRegion": null },
      [
        "`mlops-cicd:recoveryRegion` is not set, but `mlops-cicd:dataProtection` is true: production-grade protection keeps a replica of the MLflow artifacts " +
          "and copies of the database backups in a second region. Set it: pulumi config set mlops-cicd:recoveryRegion <a region other than eu-west-1>.",
      ],
    ],
    [
      "a recovery region that is the stack's own",
      { "mlops-cicd:recoveryRegion": "eu-west-1" },
      [
        '`mlops-cicd:recoveryRegion` is "eu-west-1", the same as `mlops-cicd:awsRegion`: a copy in the stack\'s own region does not survive the loss of that region. ' +
          "Choose another region: pulumi config set mlops-cicd:recoveryRegion <region>.",
      ],
    ],
    ["a recovery region that is no region", { "mlops-cicd:recoveryRegion": "Frankfurt" }, ['`mlops-cicd:recoveryRegion` must be an AWS region such as eu-west-1, got "Frankfurt".']],
  ];

  it.each(cases)("rejects %s", (_name, changes, expected) => {
    expect(problems("production", changes)).toEqual(expected);
  });
});

describe("the credential rotation keys", () => {
  it("reads the period, and the one rotation a run makes when both its keys are passed", () => {
    const config = parseStackConfig(
      source(withChanges("staging", { "mlops-cicd:credentialRotationDays": "30", "mlops-cicd:credentialGeneration": "7", "mlops-cicd:credentialRotatedOn": "2026-12-02" })),
      "staging",
    );
    expect(config.runtime.database.rotation).toEqual({ periodDays: 30, step: { generation: 7, rotatedOn: "2026-12-02" } });
  });

  // GIVEN a valid staging config, WHEN a rotation key is out of bounds or passed alone, THEN the
  // one problem names the key, the rule and the fix.
  const cases: [string, Record<string, string | null>, string[]][] = [
    ["a period shorter than a week", { "mlops-cicd:credentialRotationDays": "3" }, ["`mlops-cicd:credentialRotationDays` must be between 7 and 365, got 3."]],
    ["a period longer than a year", { "mlops-cicd:credentialRotationDays": "400" }, ["`mlops-cicd:credentialRotationDays` must be between 7 and 365, got 400."]],
    [
      "a negative generation",
      { "mlops-cicd:credentialGeneration": "-2", "mlops-cicd:credentialRotatedOn": "2026-12-02" },
      ["`mlops-cicd:credentialGeneration` must be between 1 and 1000000, got -2."],
    ],
    [
      "a date that does not exist",
      { "mlops-cicd:credentialGeneration": "3", "mlops-cicd:credentialRotatedOn": "2026-02-30" },
      ['`mlops-cicd:credentialRotatedOn` must be a UTC calendar date such as 2026-03-14, got "2026-02-30".'],
    ],
    [
      "a time instead of a date",
      { "mlops-cicd:credentialGeneration": "3", "mlops-cicd:credentialRotatedOn": "2026-12-02T04:00:00Z" },
      ['`mlops-cicd:credentialRotatedOn` must be a UTC calendar date such as 2026-03-14, got "2026-12-02T04:00:00Z".'],
    ],
    [
      "a generation without its date",
      { "mlops-cicd:credentialGeneration": "3" },
      [
        "`mlops-cicd:credentialGeneration` is set, but `mlops-cicd:credentialRotatedOn` is not: a rotation records the date it was made, so the next one knows when it is due. " +
          "Pass both for the one run (pulumi up --config mlops-cicd:credentialGeneration=<n> --config mlops-cicd:credentialRotatedOn=$(date -u +%F)), or let the rotation workflow do it.",
      ],
    ],
    [
      "a date without its generation",
      { "mlops-cicd:credentialRotatedOn": "2026-12-02" },
      [
        "`mlops-cicd:credentialRotatedOn` is set, but `mlops-cicd:credentialGeneration` is not, so nothing would be rotated. " +
          "Pass the generation too (one more than the stack output credentialRotation.generation) or remove it: pulumi config rm mlops-cicd:credentialRotatedOn.",
      ],
    ],
  ];

  it.each(cases)("rejects %s", (_name, changes, expected) => {
    expect(problems("staging", changes)).toEqual(expected);
  });
});

describe("offline placeholders", () => {
  it("pass the rules of the keys they stand in for, so an encrypted secret never fails synth", () => {
    // GIVEN staging's stack file opting in to long-lived keys, the keys encrypted in it
    // WHEN synth stands its placeholders in for the encrypted values, as it does for every `secure:`
    // THEN the config parses: each placeholder has the shape its key's validator asks for.
    const stackFile = resolveStackConfig(path.join(__dirname, ".."), "staging");
    const withPlaceholders = CONFIG_KEYS.filter((spec) => spec.placeholder !== undefined);
    expect(withPlaceholders.map((spec) => spec.key)).toEqual(expect.arrayContaining(["awsAccessKeyId", "awsSecretAccessKey", "ghcrToken"]));
    const values: Record<string, string> = { ...stackFile.values, [qualifiedKey("allowLongLivedAwsKeys")]: "true" };
    for (const spec of withPlaceholders) values[qualifiedKey(spec.key)] = spec.placeholder as string;
    const secret = new Set(withPlaceholders.map((spec) => qualifiedKey(spec.key)));
    const source: RawConfigSource = { get: (key) => values[key], isSecret: (key) => secret.has(key), keys: () => Object.keys(values) };
    expect(() => parseStackConfig(source, "staging")).not.toThrow();
  });
});
