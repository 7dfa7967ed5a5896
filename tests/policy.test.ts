/**
 * Every policy of the guardrail pack, called directly with arguments shaped like the engine's:
 * for each, compliant resources that pass and non-compliant variants whose messages must match
 * exactly. Each variant is derived from a compliant resource by one change, so a failing
 * "compliant" case and a passing "violating" one point at the same rule.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { REQUIRED_STATUS_CHECKS } from "../contracts/github";
import {
  ALL_POLICIES,
  credentialKind,
  defaultBranchProtected,
  ecsContainersUnprivileged,
  ecsImagesPinnedByDigest,
  ecsLogGroupsDeclared,
  ecsLogsToCloudWatch,
  githubOidcTrustMatchesEnvironments,
  guardedTypesKnown,
  repositorySettingsProtectMain,
  githubOidcTrustPinned,
  logGroupsRetained,
  noCredentialsInOutputs,
  noCredentialsInPlainValues,
  noLongLivedCloudKeys,
  noOpenIngress,
  openIngressOnlyOnLoadBalancers,
  patternMatches,
  plainConfigCredentials,
  productionEnvironmentProtected,
  rdsEncryptedPrivateBackedUp,
  rdsProductionDataProtection,
  s3BucketsProtected,
} from "../policy/policies";
import { TYPES } from "../policy/policies/common";
import { FakeResource, stackViolationsOf, violationsOf, withProps } from "./fixtures/policy/engine-args";
import {
  DIGEST,
  container,
  database,
  deployRole,
  edge,
  httpsFromAnywhere,
  logGroup,
  mainBranchProtection,
  mainRuleset,
  productionEnvironment,
  protectedBucket,
  stagingDatabase,
  taskDefinition,
} from "./fixtures/policy/resources";

const tested = new Set<string>();

/** Compliant resources pass; each violating variant reports exactly its messages. */
function describeResourcePolicy(
  policy: ResourceValidationPolicy,
  spec: {
    readonly compliant: Readonly<Record<string, FakeResource>>;
    readonly violating: Readonly<Record<string, readonly [FakeResource, readonly string[]]>>;
    readonly config?: object;
  },
): void {
  tested.add(policy.name);
  describe(policy.name, () => {
    it.each(Object.entries(spec.compliant))("passes %s", async (_label, resource) => {
      expect(await violationsOf(policy, resource, spec.config)).toEqual([]);
    });
    it.each(Object.entries(spec.violating))("flags %s", async (_label, [resource, messages]) => {
      expect(await violationsOf(policy, resource, spec.config)).toEqual(messages);
    });
  });
}

/** The same for a stack policy; messages are `<resource name>: <message>`. */
function describeStackPolicy(
  policy: StackValidationPolicy,
  spec: {
    readonly compliant: Readonly<Record<string, readonly FakeResource[]>>;
    readonly violating: Readonly<Record<string, readonly [readonly FakeResource[], readonly string[]]>>;
  },
): void {
  tested.add(policy.name);
  describe(policy.name, () => {
    it.each(Object.entries(spec.compliant))("passes %s", async (_label, resources) => {
      expect(await stackViolationsOf(policy, resources)).toEqual([]);
    });
    it.each(Object.entries(spec.violating))("flags %s", async (_label, [resources, messages]) => {
      expect(await stackViolationsOf(policy, resources)).toEqual(messages);
    });
  });
}

/** `resources` with the one named `name` replaced by `change(it)`, or removed when `change` returns undefined. */
function replacing(resources: readonly FakeResource[], name: string, change: (resource: FakeResource) => FakeResource | undefined): FakeResource[] {
  if (!resources.some((resource) => resource.name === name)) throw new Error(`fixture: no resource named ${name}`);
  return resources.flatMap((resource) => (resource.name === name ? [change(resource)].filter((found): found is FakeResource => found !== undefined) : [resource]));
}

describe("the pack", () => {
  it("gives every policy a unique name, a description and a mandatory or advisory level", () => {
    const names = ALL_POLICIES.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    for (const policy of ALL_POLICIES) {
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(policy.description.length).toBeGreaterThan(20);
      expect(["mandatory", "advisory"]).toContain(policy.enforcementLevel);
    }
  });

  it("has compliant and violating pairs below for every policy", () => {
    // The describe calls below register their policy while jest collects the file, before any test runs.
    expect(ALL_POLICIES.map((policy) => policy.name).filter((name) => !tested.has(name))).toEqual([]);
  });
});

// GitHub

describeResourcePolicy(productionEnvironmentProtected, {
  compliant: {
    "the production environment as the program declares it": productionEnvironment,
    "a user as the only reviewer": withProps(productionEnvironment, { reviewers: [{ users: [7], teams: [] }] }),
    "a staging environment without protection": withProps(productionEnvironment, {
      environment: "staging",
      reviewers: [],
      waitTimer: 0,
      preventSelfReview: false,
    }),
  },
  violating: {
    "no reviewer": [
      withProps(productionEnvironment, { reviewers: [{ users: [], teams: [] }] }),
      [
        "Environment `production` has no required reviewer: anyone who can run a workflow can deploy. Add a user or team to `reviewers` (config `mlops-cicd:reviewerUsers` or `mlops-cicd:reviewerTeams`).",
      ],
    ],
    "a 3-minute wait": [
      withProps(productionEnvironment, { waitTimer: 3 }),
      [
        "Environment `production` waits 3 minutes after approval; at least 5 are required to leave time to cancel. Set `waitTimer` to 5 or more (infra/environments.ts, waitTimerMinutes).",
      ],
    ],
    "self-review allowed": [
      withProps(productionEnvironment, { preventSelfReview: false }),
      ["Environment `production` lets whoever started a deployment approve it. Set `preventSelfReview: true`."],
    ],
    // GitHub compares environment names without letter case.
    "the production environment spelt Production, unprotected": [
      withProps(productionEnvironment, { environment: "Production", reviewers: [], preventSelfReview: "false" }),
      [
        "Environment `production` has no required reviewer: anyone who can run a workflow can deploy. Add a user or team to `reviewers` (config `mlops-cicd:reviewerUsers` or `mlops-cicd:reviewerTeams`).",
        "Environment `production` lets whoever started a deployment approve it. Set `preventSelfReview: true`.",
      ],
    ],
    "nothing set at all": [
      withProps(productionEnvironment, { reviewers: undefined, waitTimer: undefined, preventSelfReview: undefined }),
      [
        "Environment `production` has no required reviewer: anyone who can run a workflow can deploy. Add a user or team to `reviewers` (config `mlops-cicd:reviewerUsers` or `mlops-cicd:reviewerTeams`).",
        "Environment `production` waits 0 minutes after approval; at least 5 are required to leave time to cancel. Set `waitTimer` to 5 or more (infra/environments.ts, waitTimerMinutes).",
        "Environment `production` lets whoever started a deployment approve it. Set `preventSelfReview: true`.",
      ],
    ],
  },
});

describe("patternMatches", () => {
  it.each([
    ["main", true],
    ["*", true],
    ["ma?n", true],
    ["**", true],
    ["release/*", false],
    ["main-*", false],
    ["mai", false],
  ])("%s covers main: %s", (pattern, expected) => {
    expect(patternMatches(pattern, "main")).toBe(expected);
  });
});

const rules = mainRuleset.props.rules as Record<string, Record<string, unknown>>;

describeResourcePolicy(defaultBranchProtected, {
  compliant: {
    "the ruleset as the program declares it": mainRuleset,
    "a ruleset on the default branch by alias": withProps(mainRuleset, { conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } } }),
    "a ruleset on another branch": withProps(mainRuleset, { conditions: { refName: { includes: ["refs/heads/dev"], excludes: [] } }, rules: {} }),
    "a tag ruleset": withProps(mainRuleset, { target: "tag", conditions: { refName: { includes: ["~ALL"], excludes: [] } }, rules: {} }),
    "branch protection of main": mainBranchProtection,
    "branch protection without a count (GitHub's default is one approval)": withProps(mainBranchProtection, { requiredPullRequestReviews: [{}] }),
    "branch protection of release/*": withProps(mainBranchProtection, { pattern: "release/*", enforceAdmins: false }),
  },
  violating: {
    "a ruleset in evaluate mode": [
      withProps(mainRuleset, { enforcement: "evaluate" }),
      ['Ruleset `protect-main` on `main` is `evaluate`, so GitHub does not enforce it. Set `enforcement: "active"`.'],
    ],
    "a ruleset without pull requests": [
      withProps(mainRuleset, { rules: { ...rules, pullRequest: undefined } }),
      ["Ruleset `protect-main` on `main` does not require an approving review. Set `rules.pullRequest.requiredApprovingReviewCount` to 1 or more."],
    ],
    "a ruleset with zero approvals": [
      withProps(mainRuleset, { rules: { ...rules, pullRequest: { ...rules.pullRequest, requiredApprovingReviewCount: 0 } } }),
      ["Ruleset `protect-main` on `main` does not require an approving review. Set `rules.pullRequest.requiredApprovingReviewCount` to 1 or more."],
    ],
    "a ruleset without up-to-date branches": [
      withProps(mainRuleset, { rules: { ...rules, requiredStatusChecks: { ...rules.requiredStatusChecks, strictRequiredStatusChecksPolicy: false } } }),
      [
        "Ruleset `protect-main` on `main` does not require branches to be up to date before merging. Set `rules.requiredStatusChecks.strictRequiredStatusChecksPolicy: true`.",
      ],
    ],
    "a ruleset missing two checks": [
      withProps(mainRuleset, {
        rules: {
          ...rules,
          requiredStatusChecks: {
            strictRequiredStatusChecksPolicy: true,
            requiredChecks: [{ context: "lint", integrationId: 15368 }, { context: "security-scan", integrationId: 15368 }],
          },
        },
      }),
      [
        "Ruleset `protect-main` on `main` does not require `test (3.11)` and `validate-notebooks`. Add them to `rules.requiredStatusChecks.requiredChecks` (REQUIRED_STATUS_CHECKS in contracts/github.ts).",
      ],
    ],
    "a ruleset that includes main and excludes it again": [
      withProps(mainRuleset, { conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: ["refs/heads/main"] } } }),
      [
        "Ruleset `protect-main` includes `main` and excludes it again, so it protects nothing there. Remove `main` (or ~DEFAULT_BRANCH) from `conditions.refName.excludes`.",
      ],
    ],
    "required checks any app may post": [
      withProps(mainRuleset, {
        rules: {
          ...rules,
          requiredStatusChecks: {
            strictRequiredStatusChecksPolicy: "true",
            requiredChecks: (rules.requiredStatusChecks.requiredChecks as Record<string, unknown>[]).map((check) => ({ context: check.context })),
          },
        },
      }),
      [
        "Ruleset `protect-main` on `main` accepts `lint`, `test (3.11)`, `validate-notebooks` and `security-scan` from any app or token that posts a status of that name. Set `integrationId: 15368` (GitHub Actions) on each required check.",
      ],
    ],
    "two apps that may bypass it": [
      withProps(mainRuleset, {
        bypassActors: [
          { actorId: 1048576, actorType: "Integration", bypassMode: "always" },
          { actorId: 42, actorType: "Integration", bypassMode: "always" },
        ],
      }),
      [
        "Ruleset `protect-main` on `main` lets 2 apps bypass it (1048576, 42): only the platform's own GitHub App may. Keep one `Integration` bypass actor, the App whose ID is `mlops-cicd:platformAppId`.",
      ],
    ],
    "a ruleset administrators may bypass": [
      withProps(mainRuleset, {
        bypassActors: [
          { actorId: 1048576, actorType: "Integration", bypassMode: "always" },
          { actorId: 5, actorType: "RepositoryRole", bypassMode: "always" },
          { actorType: "OrganizationAdmin", bypassMode: "pull_request" },
        ],
      }),
      [
        'Ruleset `protect-main` on `main` lets RepositoryRole 5 and OrganizationAdmin bypass it: administrators follow the rules too. Remove every bypass actor but the platform\'s GitHub App (`actorType: "Integration"`).',
      ],
    ],
    "branch protection administrators are exempt from": [
      withProps(mainBranchProtection, { enforceAdmins: false }),
      ["Branch protection `main` does not apply to administrators. Set `enforceAdmins: true`."],
    ],
    "branch protection without reviews": [
      withProps(mainBranchProtection, { requiredPullRequestReviews: undefined }),
      ["Branch protection `main` does not require an approving review. Set `requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }]` or more."],
    ],
    'branch protection requiring "0" approvals, a number written as a string': [
      withProps(mainBranchProtection, { requiredPullRequestReviews: [{ requiredApprovingReviewCount: "0" }] }),
      ["Branch protection `main` does not require an approving review. Set `requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }]` or more."],
    ],
    "branch protection with an approval count that is no number": [
      withProps(mainBranchProtection, { requiredPullRequestReviews: [{ requiredApprovingReviewCount: "one" }] }),
      ["Branch protection `main` does not require an approving review. Set `requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }]` or more."],
    ],
    "branch protection of * without strict checks or one of them": [
      withProps(mainBranchProtection, { pattern: "*", requiredStatusChecks: [{ strict: false, contexts: REQUIRED_STATUS_CHECKS.slice(1) }] }),
      [
        "Branch protection `*` does not require branches to be up to date before merging. Set `requiredStatusChecks: [{ strict: true, ... }]`.",
        "Branch protection `*` does not require `lint`. Add them to `requiredStatusChecks[0].contexts` (REQUIRED_STATUS_CHECKS in contracts/github.ts).",
      ],
    ],
  },
});

// Data

describeResourcePolicy(rdsEncryptedPrivateBackedUp, {
  compliant: {
    "the production database": database,
    "the staging database": stagingDatabase,
    "booleans given as strings, as config passes them": withProps(database, { publiclyAccessible: "false", storageEncrypted: "true" }),
  },
  violating: {
    "an unencrypted database": [
      withProps(database, { storageEncrypted: false }),
      ["Database `database` is not encrypted at rest. Set `storageEncrypted: true` (an existing instance is encrypted by restoring an encrypted copy of its snapshot)."],
    ],
    "a public database": [
      withProps(database, { publiclyAccessible: true }),
      ["Database `database` is publicly accessible. Set `publiclyAccessible: false` and reach it from inside the VPC or through an SSM port forward."],
    ],
    "an Aurora cluster unencrypted and without backups": [
      { type: TYPES.dbCluster, name: "aurora", props: { storageEncrypted: false } },
      [
        "Database `aurora` is not encrypted at rest. Set `storageEncrypted: true` (an existing instance is encrypted by restoring an encrypted copy of its snapshot).",
        "Database `aurora` keeps no automated backups of its own choosing (`backupRetentionPeriod` is unset). Set `backupRetentionPeriod` to 7 days or more (config `mlops-cicd:dbBackupRetentionDays`).",
      ],
    ],
    "a public instance of a cluster": [
      { type: TYPES.dbClusterInstance, name: "aurora-1", props: { publiclyAccessible: true } },
      ["Cluster instance `aurora-1` is publicly accessible. Set `publiclyAccessible: false` and reach it from inside the VPC."],
    ],
    "a public database, said with a string, and encryption said with something else": [
      withProps(database, { publiclyAccessible: "TRUE", storageEncrypted: "yes" }),
      [
        "Database `database` is not encrypted at rest. Set `storageEncrypted: true` (an existing instance is encrypted by restoring an encrypted copy of its snapshot).",
        "Database `database` is publicly accessible. Set `publiclyAccessible: false` and reach it from inside the VPC or through an SSM port forward.",
      ],
    ],
    "a database without backups": [
      withProps(database, { backupRetentionPeriod: 0 }),
      [
        "Database `database` keeps no automated backups of its own choosing (`backupRetentionPeriod` is 0). Set `backupRetentionPeriod` to 7 days or more (config `mlops-cicd:dbBackupRetentionDays`).",
      ],
    ],
    "a database that leaves backups to AWS's default": [
      withProps(database, { backupRetentionPeriod: undefined }),
      [
        "Database `database` keeps no automated backups of its own choosing (`backupRetentionPeriod` is unset). Set `backupRetentionPeriod` to 7 days or more (config `mlops-cicd:dbBackupRetentionDays`).",
      ],
    ],
  },
});

const UNPROTECTED = [
  "Production database `database` can be deleted. Set `deletionProtection: true` (config `mlops-cicd:dataProtection: true` sets it).",
  "Production database `database` runs in a single availability zone. Set `multiAz: true` (config `mlops-cicd:dataProtection: true` sets it).",
  "Production database `database` would be deleted without a final snapshot. Set `skipFinalSnapshot: false` and a `finalSnapshotIdentifier` (config `mlops-cicd:dataProtection: true` sets it).",
];

describeResourcePolicy(rdsProductionDataProtection, {
  compliant: {
    "the production database": database,
    "a staging database without production protection": stagingDatabase,
    "a staging database whose provider tags it staging": { ...stagingDatabase, provider: { type: TYPES.awsProvider, name: "aws", props: { defaultTags: '{"tags":{"Environment":"staging"}}' } } },
  },
  violating: {
    "an unprotected database in the stack named production": [{ ...stagingDatabase, stack: "production" }, UNPROTECTED],
    "an unprotected database tagged production in another stack": [withProps(stagingDatabase, { tags: { Environment: "production" } }), UNPROTECTED],
    "an unprotected database whose provider's default tags say production": [
      { ...stagingDatabase, provider: { type: TYPES.awsProvider, name: "aws", props: { defaultTags: '{"tags":{"Environment":"production","Project":"mlops-cicd"}}' } } },
      UNPROTECTED,
    ],
    "a final snapshot skipped": [withProps(database, { skipFinalSnapshot: true }), [UNPROTECTED[2] as string]],
    "a final snapshot without a name": [withProps(database, { finalSnapshotIdentifier: "" }), [UNPROTECTED[2] as string]],
  },
});

const bucket = protectedBucket();

describeStackPolicy(s3BucketsProtected, {
  compliant: {
    "the artifact bucket and its settings": bucket,
    "a bucket with inline versioning and encryption": [
      withProps(bucket[0] as FakeResource, {
        versioning: { enabled: true },
        serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } },
      }),
      bucket[1] as FakeResource,
    ],
    "settings linked by dependencies only": bucket.map((resource) =>
      resource.propertyDependencies ? { ...resource, propertyDependencies: undefined, dependsOn: ["mlflow-artifacts"] } : resource,
    ),
  },
  violating: {
    "a BucketV2 with nothing protecting it": [
      [{ type: TYPES.bucketV2, name: "loose", props: { bucket: "loose" } }],
      [
        "loose: Bucket `loose` has no public access block. Add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
        expect.stringMatching(/^loose: Bucket `loose` .*version/),
        expect.stringMatching(/^loose: Bucket `loose` .*encrypt/),
      ],
    ],
    "no public access block": [
      replacing(bucket, "mlflow-artifacts-pab", () => undefined),
      [
        "mlflow-artifacts: Bucket `mlflow-artifacts` has no public access block. Add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
      ],
    ],
    "a public access block with two flags off": [
      replacing(bucket, "mlflow-artifacts-pab", (block) => withProps(block, { blockPublicPolicy: false, restrictPublicBuckets: undefined })),
      [
        "mlflow-artifacts: The public access block `mlflow-artifacts-pab` of bucket `mlflow-artifacts` leaves blockPublicPolicy and restrictPublicBuckets off. Set all four to true.",
      ],
    ],
    "suspended versioning": [
      replacing(bucket, "mlflow-artifacts-versioning", (versioning) => withProps(versioning, { versioningConfiguration: { status: "Suspended" } })),
      [
        'mlflow-artifacts: Bucket `mlflow-artifacts` is not versioned: an overwrite or a delete loses the object. Add an aws.s3.BucketVersioning for it with `versioningConfiguration: { status: "Enabled" }`.',
      ],
    ],
    "no default encryption": [
      replacing(bucket, "mlflow-artifacts-sse", () => undefined),
      [
        'mlflow-artifacts: Bucket `mlflow-artifacts` declares no default encryption. Add an aws.s3.BucketServerSideEncryptionConfiguration for it (`applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }`).',
      ],
    ],
    "a second bucket protected by the first one's settings only": [
      [...bucket, { type: TYPES.bucket, name: "scratch", props: {} }],
      [
        "scratch: Bucket `scratch` has no public access block. Add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
        'scratch: Bucket `scratch` is not versioned: an overwrite or a delete loses the object. Add an aws.s3.BucketVersioning for it with `versioningConfiguration: { status: "Enabled" }`.',
        'scratch: Bucket `scratch` declares no default encryption. Add an aws.s3.BucketServerSideEncryptionConfiguration for it (`applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }`).',
      ],
    ],
  },
});

// Secrets

describe("credentialKind", () => {
  it.each([
    ["ghp_" + "a1B2".repeat(9), "a GitHub token"],
    ["github_pat_" + "11ABCDEFG0".repeat(3), "a GitHub fine-grained token"],
    ["AKIA" + "ABCDEFGHIJ012345", "an AWS access key ID"],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "a private key"],
    ["https://hooks.slack.com/services/T000/B000/XXXX", "a Slack webhook URL"],
    ["xoxb-" + "1234567890-abcdef", "a Slack token"],
    ["postgresql://writer:s3cret@db.internal:5432/metrics", "a URL with a password"],
  ])("recognises %s as %s", (value, kind) => {
    expect(credentialKind(value)).toBe(kind);
  });

  it.each([
    "https://api.example.com",
    "postgresql://writer@db.internal:5432/metrics",
    "arn:aws:iam::123456789012:role/github-deploy",
    "mlops-cicd-production-web-service-5xx-rate,mlops-cicd-production-web-service-p95-latency",
    `ghcr.io/nyc-taxi-mlops/web-service@sha256:${DIGEST}`,
    "[secret]",
  ])("leaves %s alone", (value) => {
    expect(credentialKind(value)).toBeUndefined();
  });
});

const variable: FakeResource = {
  type: TYPES.actionsEnvironmentVariable,
  name: "production-PROD_API_URL",
  props: { repository: "trip-duration", environment: "production", variableName: "PROD_API_URL", value: "https://api.example.com" },
};
const VARIABLE_FIX = "Rotate it, then publish it as a secret (github.ActionsSecret or ActionsEnvironmentSecret) from encrypted config.";

describeResourcePolicy(noCredentialsInPlainValues, {
  compliant: {
    "an environment variable holding a URL": variable,
    "a task definition whose credentials come from secrets": taskDefinition(),
    "container variables that point at a credential, or name one left empty": taskDefinition(
      container({ environment: [{ name: "DB_PASSWORD_FILE", value: "/run/secrets/db" }, { name: "WRITER_SECRET_ARN", value: "arn:aws:secretsmanager:eu-west-1:1:secret:w" }, { name: "API_TOKEN", value: "" }] }),
    ),
    "an Actions secret holding a credential (secrets are for that)": {
      type: TYPES.actionsSecret,
      name: "repository-METRICS_DATABASE_URL",
      props: { secretName: "METRICS_DATABASE_URL", value: "postgresql://writer:s3cret@db/metrics" },
    },
  },
  violating: {
    "a token in an environment variable": [
      withProps(variable, { value: "ghp_" + "a1B2".repeat(9) }),
      [`Actions variable \`PROD_API_URL\` (environment \`production\`) holds what looks like a GitHub token: variables are plain text to anyone who can read the repository. ${VARIABLE_FIX}`],
    ],
    "a database URL with its password in a repository variable": [
      { type: TYPES.actionsVariable, name: "DATABASE_URL", props: { repository: "trip-duration", variableName: "DATABASE_URL", value: "postgresql://u:p@db/metrics" } },
      [`Actions variable \`DATABASE_URL\` holds what looks like a URL with a password: variables are plain text to anyone who can read the repository. ${VARIABLE_FIX}`],
    ],
    "a variable named like a password": [
      withProps(variable, { variableName: "DB_PASSWORD", value: "correct-horse" }),
      [`Actions variable \`DB_PASSWORD\` (environment \`production\`) is named like a credential: variables are plain text to anyone who can read the repository. ${VARIABLE_FIX}`],
    ],
    "a password in a container's environment": [
      taskDefinition(container({ environment: [{ name: "MLFLOW_BACKEND_STORE_URI", value: "postgresql://mlflow:hunter2@db/mlflow" }] })),
      [
        "Container `web-service` of task definition `web-service` has environment variable `MLFLOW_BACKEND_STORE_URI` holding what looks like a URL with a password. Rotate it, keep it in Secrets Manager and pass it through the container's `secrets`.",
      ],
    ],
    "a container variable named like a password, whatever its value looks like": [
      taskDefinition(container({ environment: [{ name: "DB_PASSWORD", value: "correct-horse" }, { name: "MLFLOW_TRACKING_TOKEN", value: "t" }] })),
      [
        "Container `web-service` of task definition `web-service` has environment variable `DB_PASSWORD` named like a credential, in plain text in the task definition. Rotate it, keep it in Secrets Manager and pass it through the container's `secrets`.",
        "Container `web-service` of task definition `web-service` has environment variable `MLFLOW_TRACKING_TOKEN` named like a credential, in plain text in the task definition. Rotate it, keep it in Secrets Manager and pass it through the container's `secrets`.",
      ],
    ],
    "a JSON web token in a container variable named otherwise": [
      taskDefinition(container({ environment: [{ name: "UPSTREAM_AUTH", value: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl" }] })),
      [
        "Container `web-service` of task definition `web-service` has environment variable `UPSTREAM_AUTH` holding what looks like a JSON web token. Rotate it, keep it in Secrets Manager and pass it through the container's `secrets`.",
      ],
    ],
  },
});

describe("plainConfigCredentials (synth's half of no-credentials-in-plain-values)", () => {
  it("flags plain config values that look like credentials, skips encrypted ones, never repeats a value", () => {
    const token = "ghp_" + "a1B2".repeat(9);
    const messages = plainConfigCredentials(
      { "mlops-cicd:apiUrl": "https://api.example.com", "mlops-cicd:ghcrToken": token, "mlops-cicd:ghcrUsername": token },
      ["mlops-cicd:ghcrToken"],
    );
    expect(messages).toEqual([
      "Config key `mlops-cicd:ghcrUsername` holds, in plain text, what looks like a GitHub token. Rotate it and store it encrypted: pulumi config set --secret mlops-cicd:ghcrUsername <value>.",
    ]);
  });
});

const stackResource = (outputs: Record<string, unknown>): FakeResource => ({ type: TYPES.stack, name: "mlops-cicd-production", props: outputs });

describeStackPolicy(noCredentialsInOutputs, {
  compliant: {
    "outputs naming where credentials are kept": [
      stackResource({ databaseMasterSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:database-master", webServiceUrl: "https://api.example.com" }),
    ],
    "a redacted secret output": [stackResource({ databaseUrl: "[secret]" })],
  },
  violating: {
    "a database URL with its password, nested": [
      [stackResource({ databases: { metrics: "postgresql://writer:s3cret@db/metrics" } })],
      [
        "mlops-cicd-production: Stack output `databases.metrics` holds what looks like a URL with a password. Rotate it and export where it is kept (for example a Secrets Manager ARN) instead.",
      ],
    ],
    "an access key in a list": [
      [stackResource({ keys: ["AKIA" + "ABCDEFGHIJ012345"] })],
      [
        "mlops-cicd-production: Stack output `keys[0]` holds what looks like an AWS access key ID. Rotate it and export where it is kept (for example a Secrets Manager ARN) instead.",
      ],
    ],
  },
});

const OPT_IN = 'to accept the risk, set the policy config `{"no-long-lived-cloud-keys": {"allowLongLivedCloudKeys": true}}`';
const OIDC_FIX = `Let them assume a role through GitHub OIDC (AWS_ROLE_ARN with aws-actions/configure-aws-credentials) and remove it; ${OPT_IN}.`;
const awsKeySecret: FakeResource = {
  type: TYPES.actionsEnvironmentSecret,
  name: "production-AWS_ACCESS_KEY_ID",
  props: { repository: "trip-duration", environment: "production", secretName: "AWS_ACCESS_KEY_ID", value: "[secret]" },
};
const accessKey: FakeResource = { type: TYPES.accessKey, name: "ci-user", props: { user: "ci" } };

describeResourcePolicy(noLongLivedCloudKeys, {
  compliant: {
    "an environment secret of another name": withProps(awsKeySecret, { secretName: "PROD_DB_HOST" }),
    "the OIDC role's ARN as a variable": withProps(variable, { variableName: "AWS_ROLE_ARN", value: "arn:aws:iam::123456789012:role/github-deploy" }),
  },
  violating: {
    "AWS_ACCESS_KEY_ID as an environment secret": [awsKeySecret, [`Actions secret \`AWS_ACCESS_KEY_ID\` (environment \`production\`) hands workflows a long-lived AWS key. ${OIDC_FIX}`]],
    "AWS_SECRET_ACCESS_KEY as a repository secret": [
      { type: TYPES.actionsSecret, name: "repository-AWS_SECRET_ACCESS_KEY", props: { repository: "trip-duration", secretName: "AWS_SECRET_ACCESS_KEY", value: "[secret]" } },
      [`Actions secret \`AWS_SECRET_ACCESS_KEY\` hands workflows a long-lived AWS key. ${OIDC_FIX}`],
    ],
    "AWS_ACCESS_KEY_ID as a variable": [
      withProps(variable, { variableName: "AWS_ACCESS_KEY_ID", value: "AKIA" + "ABCDEFGHIJ012345" }),
      [`Actions variable \`AWS_ACCESS_KEY_ID\` (environment \`production\`) hands workflows a long-lived AWS key. ${OIDC_FIX}`],
    ],
    "an IAM access key": [
      accessKey,
      [
        `IAM access key \`ci-user\` is a long-lived credential. Give the workload a role instead (GitHub OIDC for workflows, task roles on ECS) and remove it; ${OPT_IN}.`,
      ],
    ],
  },
});

describe("no-long-lived-cloud-keys opted out by policy config", () => {
  it("accepts keys when allowLongLivedCloudKeys is true, and only then", async () => {
    for (const resource of [awsKeySecret, accessKey]) {
      expect(await violationsOf(noLongLivedCloudKeys, resource, { allowLongLivedCloudKeys: true })).toEqual([]);
      expect(await violationsOf(noLongLivedCloudKeys, resource, { allowLongLivedCloudKeys: false })).toHaveLength(1);
    }
  });
});

// Runtime

describeResourcePolicy(ecsImagesPinnedByDigest, {
  compliant: {
    "an image by digest": taskDefinition(),
    "container definitions passed as objects": withProps(taskDefinition(), { containerDefinitions: [container()] }),
  },
  violating: {
    "an image spelt twice, by digest and, in other letter case, by tag": [
      withProps(taskDefinition(), {
        containerDefinitions: JSON.stringify([container()]).replace('"image":', '"Image":"ghcr.io/x/y:latest","image":'),
      }),
      [
        "Task definition `web-service` spells `image` more than once in a container (letter case included): the provider takes one of them, the policies cannot tell which. Write each key once.",
      ],
    ],
    "an image by tag": [
      taskDefinition(container({ image: "ghcr.io/nyc-taxi-mlops/trip-duration/web-service:latest" })),
      [
        "Container `web-service` of task definition `web-service` runs `ghcr.io/nyc-taxi-mlops/trip-duration/web-service:latest`, a tag that can move. Reference the image by digest (`<repository>@sha256:<digest>`), as ContainerImage.imageRef does.",
      ],
    ],
    "a tag and a digest too short to be one": [
      taskDefinition(container({ image: "grafana/grafana@sha256:abc" })),
      [
        "Container `web-service` of task definition `web-service` runs `grafana/grafana@sha256:abc`, a tag that can move. Reference the image by digest (`<repository>@sha256:<digest>`), as ContainerImage.imageRef does.",
      ],
    ],
    "container definitions that are not JSON": [
      withProps(taskDefinition(), { containerDefinitions: "[{" }),
      ["Task definition `web-service` has `containerDefinitions` that are not a JSON list of containers. Pass the list ECS's API takes."],
    ],
  },
});

describeResourcePolicy(ecsContainersUnprivileged, {
  compliant: { "an unprivileged container": taskDefinition(), "privileged left unset": taskDefinition(container({ privileged: undefined })) },
  violating: {
    "a privileged container": [
      taskDefinition(container({ privileged: true })),
      ["Container `web-service` of task definition `web-service` runs privileged. Remove `privileged: true`."],
    ],
    // The provider decodes the JSON with Go, which matches keys without letter case.
    "a container privileged in other letter case, or with a string": [
      taskDefinition(container({ privileged: undefined, Privileged: "true" })),
      ["Container `web-service` of task definition `web-service` runs privileged. Remove `privileged: true`."],
    ],
  },
});

const AWSLOGS_FIX = '. Set `logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": <a log group this stack declares>, ... } }`.';

describeResourcePolicy(ecsLogsToCloudWatch, {
  compliant: { "awslogs to a group": taskDefinition() },
  violating: {
    "no log configuration": [
      taskDefinition(container({ logConfiguration: undefined })),
      [`Container \`web-service\` of task definition \`web-service\` logs nowhere${AWSLOGS_FIX}`],
    ],
    "another driver": [
      taskDefinition(container({ logConfiguration: { logDriver: "json-file" } })),
      [`Container \`web-service\` of task definition \`web-service\` logs with the \`json-file\` driver${AWSLOGS_FIX}`],
    ],
    "awslogs without a group": [
      taskDefinition(container({ logConfiguration: { logDriver: "awslogs", options: { "awslogs-region": "eu-west-1" } } })),
      [`Container \`web-service\` of task definition \`web-service\` names no \`awslogs-group\`${AWSLOGS_FIX}`],
    ],
  },
});

describeResourcePolicy(logGroupsRetained, {
  compliant: { "a group kept 90 days": logGroup },
  violating: {
    "a group without retention": [
      withProps(logGroup, { retentionInDays: undefined }),
      ["Log group `web-service-logs` keeps logs forever. Set `retentionInDays` (config `mlops-cicd:logRetentionDays`)."],
    ],
    "a group kept 0 days (CloudWatch's never-expire)": [
      withProps(logGroup, { retentionInDays: 0 }),
      ["Log group `web-service-logs` keeps logs forever. Set `retentionInDays` (config `mlops-cicd:logRetentionDays`)."],
    ],
  },
});

describeStackPolicy(ecsLogGroupsDeclared, {
  compliant: { "a task definition logging to a declared group": [taskDefinition(), logGroup] },
  violating: {
    "a group the stack does not declare": [
      [taskDefinition(container({ logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/elsewhere" } } })), logGroup],
      [
        "web-service: Container `web-service` of task definition `web-service` logs to `/ecs/elsewhere`, a log group this stack does not declare. Declare it (aws.cloudwatch.LogGroup with that name and `retentionInDays`).",
      ],
    ],
  },
});

// Network

const NARROW = "Only the load balancer's HTTPS (tcp 443) may face the internet: take traffic from a security group (`referencedSecurityGroupId`) or a known CIDR.";

describeResourcePolicy(noOpenIngress, {
  compliant: {
    "HTTPS from anywhere": httpsFromAnywhere,
    "a port from another security group": edge()[5] as FakeResource,
    "SSH from a known network": withProps(httpsFromAnywhere, { cidrIpv4: "203.0.113.0/24", fromPort: 22, toPort: 22 }),
    "an egress rule to anywhere": {
      type: TYPES.securityGroupRule,
      name: "egress",
      props: { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg" },
    },
  },
  violating: {
    "SSH from anywhere": [
      withProps(httpsFromAnywhere, { fromPort: 22, toPort: 22 }),
      [`Security group rule \`runtime-lb-https-v4\` opens tcp port 22 to 0.0.0.0/0. ${NARROW}`],
    ],
    "the VPC's default group adopted with SSH open": [
      { type: TYPES.defaultSecurityGroup, name: "default", props: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] } },
      [`An inline ingress rule of security group \`default\` opens tcp port 22 to 0.0.0.0/0. ${NARROW}`],
    ],
    "the internet as two halves": [
      {
        type: TYPES.securityGroupRule,
        name: "halves",
        props: { type: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"], securityGroupId: "sg" },
      },
      [`Security group rule \`halves\` opens tcp port 5432 to 0.0.0.0/1. ${NARROW}`],
    ],
    "the whole IPv6 internet written ::0/0": [
      withProps(httpsFromAnywhere, { cidrIpv4: undefined, cidrIpv6: "::0/0", fromPort: 22, toPort: 22 }),
      [`Security group rule \`runtime-lb-https-v4\` opens tcp port 22 to ::0/0. ${NARROW}`],
    ],
    "every protocol from anywhere over IPv6": [
      withProps(httpsFromAnywhere, { cidrIpv4: undefined, cidrIpv6: "::/0", ipProtocol: "-1", fromPort: undefined, toPort: undefined }),
      [`Security group rule \`runtime-lb-https-v4\` opens every protocol and port to ::/0. ${NARROW}`],
    ],
    "a port range through a security-group rule": [
      {
        type: TYPES.securityGroupRule,
        name: "web",
        props: { type: "ingress", protocol: "tcp", fromPort: 80, toPort: 8080, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"], securityGroupId: "sg" },
      },
      [`Security group rule \`web\` opens tcp ports 80-8080 to 0.0.0.0/0. ${NARROW}`],
    ],
    "an inline ingress rule": [
      {
        type: TYPES.securityGroup,
        name: "legacy",
        props: { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "udp", fromPort: 53, toPort: 53, ipv6CidrBlocks: ["::/0"] }] },
      },
      [`An inline ingress rule of security group \`legacy\` opens udp port 53 to ::/0. ${NARROW}`],
    ],
  },
});

const ON_A_GROUP_NO_LB_USES =
  "on a security group no load balancer uses. Only a load balancer faces the internet: attach the group to the load balancer (`securityGroups`), or take traffic from the load balancer's group instead.";

describeStackPolicy(openIngressOnlyOnLoadBalancers, {
  compliant: {
    "HTTPS from anywhere to the load balancer's group": edge(),
    "the same, linked by dependencies only": edge().map((resource) =>
      resource.propertyDependencies ? { ...resource, propertyDependencies: undefined, dependsOn: Object.values(resource.propertyDependencies).flat() } : resource,
    ),
  },
  violating: {
    "HTTPS from anywhere straight to the services": [
      [...edge(), { ...httpsFromAnywhere, name: "services-https", propertyDependencies: { securityGroupId: ["runtime-services"] } }],
      [`services-https: Security group rule \`services-https\` opens tcp port 443 to 0.0.0.0/0 ${ON_A_GROUP_NO_LB_USES}`],
    ],
    "an inline HTTPS rule on a group no load balancer uses": [
      [...edge(), { type: TYPES.securityGroup, name: "bastion", props: { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] } }],
      [`bastion: An inline ingress rule of security group \`bastion\` opens tcp port 443 to 0.0.0.0/0 ${ON_A_GROUP_NO_LB_USES}`],
    ],
    "a rule whose group cannot be told": [
      [...edge(), { ...httpsFromAnywhere, name: "orphan", propertyDependencies: undefined }],
      [`orphan: Security group rule \`orphan\` opens tcp port 443 to 0.0.0.0/0 ${ON_A_GROUP_NO_LB_USES}`],
    ],
  },
});

// Identity

const OIDC = "token.actions.githubusercontent.com";
const trust = (condition: Record<string, unknown>): FakeResource =>
  withProps(deployRole, {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${OIDC}` },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: condition,
        },
      ],
    }),
  });
const pinnedAudience = { [`${OIDC}:aud`]: "sts.amazonaws.com" };
const PIN_SUB = `Pin \`Condition.StringEquals["${OIDC}:sub"]\` to exactly one \`repo:OWNER/REPO:environment:NAME\`.`;

describeResourcePolicy(githubOidcTrustPinned, {
  compliant: {
    "the deploy role's trust policy (infra/identity trustPolicy)": deployRole,
    "the same as an object, values as one-element lists": withProps(deployRole, {
      assumeRolePolicy: {
        Version: "2012-10-17",
        Statement: {
          Effect: "Allow",
          Principal: { Federated: [`arn:aws:iam::123456789012:oidc-provider/${OIDC}`] },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${OIDC}:aud`]: ["sts.amazonaws.com"], [`${OIDC}:sub`]: ["repo:nyc-taxi-mlops/trip-duration:environment:staging"] } },
        },
      },
    }),
    "a task role trusting ECS": withProps(deployRole, {
      assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    }),
  },
  violating: {
    "no audience": [
      trust({ StringEquals: { [`${OIDC}:sub`]: "repo:nyc-taxi-mlops/trip-duration:environment:production" } }),
      [`Role \`github-deploy\` trusts GitHub's OIDC tokens without pinning their audience. Add \`Condition.StringEquals["${OIDC}:aud"]: "sts.amazonaws.com"\`.`],
    ],
    "no subject": [trust({ StringEquals: pinnedAudience }), [`Role \`github-deploy\` trusts GitHub's OIDC tokens for any subject. ${PIN_SUB}`]],
    "a branch instead of an environment": [
      trust({ StringEquals: { ...pinnedAudience, [`${OIDC}:sub`]: "repo:nyc-taxi-mlops/trip-duration:ref:refs/heads/main" } }),
      [`Role \`github-deploy\` trusts GitHub's OIDC tokens for the subjects "repo:nyc-taxi-mlops/trip-duration:ref:refs/heads/main". ${PIN_SUB}`],
    ],
    "two environments": [
      trust({
        StringEquals: {
          ...pinnedAudience,
          [`${OIDC}:sub`]: ["repo:nyc-taxi-mlops/trip-duration:environment:staging", "repo:nyc-taxi-mlops/trip-duration:environment:production"],
        },
      }),
      [
        `Role \`github-deploy\` trusts GitHub's OIDC tokens for the subjects "repo:nyc-taxi-mlops/trip-duration:environment:staging", "repo:nyc-taxi-mlops/trip-duration:environment:production". ${PIN_SUB}`,
      ],
    ],
    "a wildcard with StringLike": [
      trust({ StringEquals: pinnedAudience, StringLike: { [`${OIDC}:sub`]: "repo:nyc-taxi-mlops/*" } }),
      [
        `Role \`github-deploy\` trusts GitHub's OIDC tokens for any subject. ${PIN_SUB}`,
        `Role \`github-deploy\` trusts GitHub's OIDC tokens and matches \`${OIDC}:sub\` with StringLike and a wildcard: other branches, workflows or repositories could assume it. Remove it and pin the claim with StringEquals.`,
      ],
    ],
  },
});

const githubProvider: FakeResource = { type: "pulumi:providers:github", name: "github", props: { owner: "nyc-taxi-mlops" } };
const pinnedTo = (subject: string) => trust({ StringEquals: { ...pinnedAudience, [`${OIDC}:sub`]: subject } });

describeStackPolicy(githubOidcTrustMatchesEnvironments, {
  compliant: {
    "the deploy role of the environment the stack declares": [githubProvider, productionEnvironment, pinnedTo("repo:nyc-taxi-mlops/trip-duration:environment:production")],
    "the same in other letter case, as GitHub's names are": [githubProvider, productionEnvironment, pinnedTo("repo:NYC-Taxi-MLOps/Trip-Duration:environment:Production")],
    "a stack without GitHub environments, which has nothing to compare with": [pinnedTo("repo:someone/else:environment:x")],
  },
  violating: {
    "a role pinned to another repository": [
      [githubProvider, productionEnvironment, pinnedTo("repo:attacker/fork:environment:production")],
      [
        "github-deploy: Role `github-deploy` trusts `repo:attacker/fork:environment:production`, which is not a repository and environment this stack manages (`repo:nyc-taxi-mlops/trip-duration:environment:production`). Pin it to one of those, or declare the environment it names.",
      ],
    ],
    "a role pinned to an environment that does not exist": [
      [githubProvider, productionEnvironment, pinnedTo("repo:nyc-taxi-mlops/trip-duration:environment:prod")],
      [
        "github-deploy: Role `github-deploy` trusts `repo:nyc-taxi-mlops/trip-duration:environment:prod`, which is not a repository and environment this stack manages (`repo:nyc-taxi-mlops/trip-duration:environment:production`). Pin it to one of those, or declare the environment it names.",
      ],
    ],
  },
});

const committedFile: FakeResource = { type: "github:index/repositoryFile:RepositoryFile", name: "codeowners", props: { repository: "trip-duration", file: ".github/CODEOWNERS" } };

describeStackPolicy(repositorySettingsProtectMain, {
  compliant: {
    "files committed beside the ruleset that protects main": [committedFile, mainRuleset],
    "a stack that owns no repository settings": [productionEnvironment],
  },
  violating: {
    "files committed with no ruleset at all": [
      [committedFile],
      [
        "(stack): The stack manages repository `trip-duration`'s settings but declares no active ruleset or branch protection on `main`: anyone with write access can push to it. Declare the ruleset (RepositorySettings does, with `manageRepositorySettings`).",
      ],
    ],
    "files committed beside a disabled ruleset": [
      [committedFile, withProps(mainRuleset, { enforcement: "disabled" })],
      [
        "(stack): The stack manages repository `trip-duration`'s settings but declares no active ruleset or branch protection on `main`: anyone with write access can push to it. Declare the ruleset (RepositorySettings does, with `manageRepositorySettings`).",
      ],
    ],
  },
});

describeResourcePolicy(guardedTypesKnown, {
  compliant: {
    "a database the pack judges": database,
    "a type outside the guarded families": { type: "aws:ecs/cluster:Cluster", name: "services", props: {} },
    "a program's component named like a guarded family": { type: "mlops-cicd:network:SecurityGroups", name: "runtime", props: {} },
  },
  violating: {
    "an RDS global cluster, which no policy judges": [
      { type: "aws:rds/globalCluster:GlobalCluster", name: "global", props: { storageEncrypted: false } },
      [
        "`global` is a `aws:rds/globalCluster:GlobalCluster`, among the databases the guardrails judge, but no policy knows this type, so nothing examines it. Teach a policy (policy/policies/) to judge it, or add it to the known databases types in policy/policies/coverage.ts when it holds nothing to judge.",
      ],
    ],
    "an S3 access point": [
      { type: "aws:s3/accessPoint:AccessPoint", name: "open-door", props: {} },
      [
        "`open-door` is a `aws:s3/accessPoint:AccessPoint`, among the buckets the guardrails judge, but no policy knows this type, so nothing examines it. Teach a policy (policy/policies/) to judge it, or add it to the known buckets types in policy/policies/coverage.ts when it holds nothing to judge.",
      ],
    ],
  },
});
