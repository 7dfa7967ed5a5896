/**
 * Synth's evaluation of the pack (policy/evaluate.ts): recorded resources turned into the engine's
 * arguments, the engine's rules for levels and config, and the verdict on both real stacks.
 */
import { validateResourceOfType, validateStackResourcesOfType } from "@pulumi/policy";
import type { PolicyPackConfig, PolicyResource, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Bucket, Role } from "../infra/aws/sdk";
import { evaluatePolicies, RecordedResourceLike } from "../policy/evaluate";
import { noCredentialsInPlainValues, productionEnvironmentProtected } from "../policy/policies";
import { TYPES } from "../policy/policies/common";
import { STACKS, runProgram } from "./harness";

const STACK_URN = "urn:pulumi:staging::mlops-cicd::pulumi:pulumi:Stack::mlops-cicd-staging";
const PROVIDER_URN = "urn:pulumi:staging::mlops-cicd::pulumi:providers:aws::aws";

function recorded(type: string, name: string, inputs: Record<string, unknown>, more: Partial<RecordedResourceLike> = {}): RecordedResourceLike {
  return {
    urn: `urn:pulumi:staging::mlops-cicd::${type}::${name}`,
    type,
    name,
    parent: STACK_URN,
    provider: undefined,
    dependsOn: [],
    inputs,
    options: {},
    ...more,
  };
}

const stack = recorded(TYPES.stack, "mlops-cicd-staging", {}, { urn: STACK_URN, parent: undefined });
const environment = recorded(TYPES.environment, "production", { environment: "production", reviewers: [{ teams: [1] }], waitTimer: 1, preventSelfReview: true });
const WAIT = "Environment `production` waits 1 minutes after approval; at least 5 are required to leave time to cancel. Set `waitTimer` to 5 or more (infra/environments.ts, waitTimerMinutes).";

describe("evaluatePolicies", () => {
  it("reports a resource policy's violation against the resource, at the policy's level", async () => {
    expect(await evaluatePolicies({ resources: [stack, environment] })).toEqual([
      { policy: "production-environment-protected", level: "mandatory", urn: environment.urn, message: WAIT },
    ]);
  });

  it.each([
    ["a policy's own level", { "production-environment-protected": "advisory" }, "advisory"],
    ["a level in an object", { "production-environment-protected": { enforcementLevel: "advisory" } }, "advisory"],
    ["`all`", { all: "advisory" }, "advisory"],
    ["a policy's entry over `all`", { all: "advisory", "production-environment-protected": "mandatory" }, "mandatory"],
    ["remediate, reported as mandatory like the engine does", { "production-environment-protected": "remediate" }, "mandatory"],
  ] as const)("follows the policy config: %s", async (_label, policyConfig, level) => {
    const violations = await evaluatePolicies({ resources: [stack, environment], policyConfig });
    expect(violations.map((violation) => violation.level)).toEqual([level]);
  });

  it("skips a disabled policy", async () => {
    expect(await evaluatePolicies({ resources: [stack, environment], policyConfig: { "production-environment-protected": "disabled" } })).toEqual([]);
  });

  it("hands a policy its config over the schema's defaults", async () => {
    const key = recorded(TYPES.accessKey, "ci", { user: "ci" });
    expect((await evaluatePolicies({ resources: [stack, key] })).map((violation) => violation.policy)).toEqual(["no-long-lived-cloud-keys"]);
    expect(await evaluatePolicies({ resources: [stack, key], policyConfig: { "no-long-lived-cloud-keys": { allowLongLivedCloudKeys: true } } })).toEqual([]);
  });

  it("passes the AWS provider, so its default tags can make a resource production", async () => {
    const provider = recorded(TYPES.awsProvider, "aws", { defaultTags: '{"tags":{"Environment":"production"}}' }, { urn: PROVIDER_URN });
    const database = recorded(
      TYPES.dbInstance,
      "database",
      { storageEncrypted: true, backupRetentionPeriod: 7, multiAz: true, deletionProtection: true, skipFinalSnapshot: true },
      { provider: `${PROVIDER_URN}::aws-id` },
    );
    expect((await evaluatePolicies({ resources: [stack, provider, database] })).map((violation) => violation.message)).toEqual([
      "Production database `database` would be deleted without a final snapshot. Set `skipFinalSnapshot: false` and a `finalSnapshotIdentifier` (config `mlops-cicd:dataProtection: true` sets it).",
    ]);
  });

  it("gives stack policies the outputs as the stack's properties, and links resources by property", async () => {
    const bucket = recorded(TYPES.bucket, "artifacts", {});
    const other = recorded(TYPES.bucket, "other", {});
    const settings = (type: string, name: string, inputs: Record<string, unknown>) =>
      recorded(type, name, { bucket: "other-id", ...inputs }, { dependsOn: [bucket.urn, other.urn] });
    const resources = [
      stack,
      bucket,
      other,
      settings(TYPES.bucketPublicAccessBlock, "pab", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
      settings(TYPES.bucketVersioning, "versioning", { versioningConfiguration: { status: "Enabled" } }),
      settings(TYPES.bucketEncryption, "sse", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }),
    ];
    // Every setting depends on both buckets, but takes `bucket` from `other` only.
    const propertyDependencies = new Map(["pab", "versioning", "sse"].map((name) => [resources.find((r) => r.name === name)?.urn as string, { bucket: [other.urn] }]));

    const violations = await evaluatePolicies({ resources, propertyDependencies, outputs: { url: "postgresql://u:p@db/metrics" } });
    expect(violations.map(({ policy, urn }) => [policy, urn])).toEqual([
      ["no-credentials-in-outputs", STACK_URN],
      ["s3-buckets-protected", bucket.urn],
      ["s3-buckets-protected", bucket.urn],
      ["s3-buckets-protected", bucket.urn],
    ]);
  });

  it("checks plain config values, not encrypted ones, under no-credentials-in-plain-values", async () => {
    const token = "ghp_" + "x1Y2".repeat(9);
    const violations = await evaluatePolicies({
      resources: [stack],
      config: { values: { "mlops-cicd:ghcrUsername": token, "mlops-cicd:ghcrToken": token }, secretKeys: ["mlops-cicd:ghcrToken"] },
    });
    expect(violations).toEqual([
      {
        policy: "no-credentials-in-plain-values",
        level: "mandatory",
        urn: STACK_URN,
        message:
          "Config key `mlops-cicd:ghcrUsername` holds, in plain text, what looks like a GitHub token. Rotate it and store it encrypted: pulumi config set --secret mlops-cicd:ghcrUsername <value>.",
      },
    ]);
    expect(JSON.stringify(violations)).not.toContain(token);
  });

  describe("plain config under no-credentials-in-plain-values", () => {
    const config = { values: { "mlops-cicd:ghcrUsername": "ghp_" + "x1Y2".repeat(9) }, secretKeys: [] };
    const message =
      "Config key `mlops-cicd:ghcrUsername` holds, in plain text, what looks like a GitHub token. Rotate it and store it encrypted: pulumi config set --secret mlops-cicd:ghcrUsername <value>.";

    it("is reported against the stack resource wherever it was recorded, at the policy's configured level", async () => {
      const policies = [productionEnvironmentProtected, noCredentialsInPlainValues];
      const policyConfig = { "no-credentials-in-plain-values": "advisory" } as const;
      expect(await evaluatePolicies({ resources: [environment, stack], config, policies, policyConfig })).toEqual([
        { policy: "no-credentials-in-plain-values", level: "advisory", urn: STACK_URN, message },
        { policy: "production-environment-protected", level: "mandatory", urn: environment.urn, message: WAIT },
      ]);
    });

    it("is reported for the stack as a whole (no URN) when no stack resource was recorded", async () => {
      expect(await evaluatePolicies({ resources: [], config })).toEqual([{ policy: "no-credentials-in-plain-values", level: "mandatory", urn: null, message }]);
    });

    it("is not checked when the policy is disabled or left out of the policies run", async () => {
      expect(await evaluatePolicies({ resources: [stack], config, policyConfig: { "no-credentials-in-plain-values": "disabled" } })).toEqual([]);
      expect(await evaluatePolicies({ resources: [stack], config, policies: [productionEnvironmentProtected] })).toEqual([]);
    });
  });

  it("sorts by policy, resource and message", async () => {
    const keys = ["b", "a"].map((name) => recorded(TYPES.accessKey, name, {}));
    const violations = await evaluatePolicies({ resources: [stack, ...keys, environment] });
    expect(violations.map(({ policy, urn }) => `${policy} ${urn}`)).toEqual([
      `no-long-lived-cloud-keys ${keys[1]?.urn}`,
      `no-long-lived-cloud-keys ${keys[0]?.urn}`,
      `production-environment-protected ${environment.urn}`,
    ]);
  });
});

describe("evaluatePolicies with policies outside the pack", () => {
  const bucket = recorded(TYPES.bucket, "artifacts", {});

  it("runs policies built with validateResourceOfType and validateStackResourcesOfType on their type only", async () => {
    const perBucket: ResourceValidationPolicy = {
      name: "per-bucket",
      description: "One violation per bucket.",
      validateResource: validateResourceOfType(Bucket, (_props, args, reportViolation) => reportViolation(`bucket ${args.name}`)),
    };
    const perStackOfType = (name: string, resourceClass: Parameters<typeof validateStackResourcesOfType>[0]): StackValidationPolicy => ({
      name,
      description: "One violation per stack that has resources of the type.",
      validateStack: validateStackResourcesOfType(resourceClass, (resources, _args, reportViolation) => reportViolation(`${resources.length} of them`)),
    });
    const policies = [perBucket, perStackOfType("stack-buckets", Bucket), perStackOfType("stack-roles", Role)];
    // The other resources are not applicable to these policies (notApplicable()), which is no violation.
    expect(await evaluatePolicies({ resources: [stack, bucket, environment], policies })).toEqual([
      { policy: "per-bucket", level: "advisory", urn: bucket.urn, message: "bucket artifacts" },
      { policy: "stack-buckets", level: "advisory", urn: null, message: "1 of them" },
    ]);
  });

  it("hands getConfig() the schema's defaults under what the config sets, without the enforcement level", async () => {
    const seen: object[] = [];
    const retention: ResourceValidationPolicy = {
      name: "log-retention",
      description: "Keeps what getConfig() returns.",
      configSchema: { properties: { maxDays: { type: "number", default: 30 }, owner: { type: "string" } } },
      validateResource: (args) => void seen.push(args.getConfig()),
    };
    const configs: (PolicyPackConfig | undefined)[] = [
      undefined,
      { "log-retention": "mandatory" },
      { "log-retention": { enforcementLevel: "mandatory", owner: "data-team" } },
      { "log-retention": { maxDays: 7 } },
    ];
    for (const policyConfig of configs) await evaluatePolicies({ resources: [bucket], policies: [retention], policyConfig });
    // A property without a default is absent, not `undefined`, until the config sets it.
    expect(seen).toStrictEqual([{ maxDays: 30 }, { maxDays: 30 }, { maxDays: 30, owner: "data-team" }, { maxDays: 7 }]);
  });

  it("runs each validation of a policy, none of a remediation-only one, at the engine's default level (advisory)", async () => {
    const policies: ResourceValidationPolicy[] = [
      { name: "remediation-only", description: "Only remediates.", remediateResource: () => undefined },
      {
        name: "two-checks",
        description: "Two validations.",
        validateResource: [(args, reportViolation) => reportViolation(`first ${args.name}`), (args, reportViolation) => reportViolation(`second ${args.name}`)],
      },
    ];
    expect(await evaluatePolicies({ resources: [bucket], policies })).toEqual([
      { policy: "two-checks", level: "advisory", urn: bucket.urn, message: "first artifacts" },
      { policy: "two-checks", level: "advisory", urn: bucket.urn, message: "second artifacts" },
    ]);
  });

  it("orders a policy's violations stack-wide first, then by resource URN, whatever the order of recording", async () => {
    const [b, a] = [recorded(TYPES.bucket, "b", {}), recorded(TYPES.bucket, "a", {})];
    const untagged: StackValidationPolicy = {
      name: "owner-tagged",
      description: "Every resource has an owner.",
      validateStack: (args, reportViolation) => {
        for (const resource of args.resources) reportViolation("Tag it with `owner`.", resource.urn);
        reportViolation("Tag it with `owner`.");
      },
    };
    const violations = await evaluatePolicies({ resources: [b, a], policies: [untagged] });
    expect(violations.map((violation) => violation.urn)).toEqual([null, a.urn, b.urn]);
  });

  it("fails with a policy's own error, synchronous or not, so a broken policy never passes", async () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'tags')");
    const broken = (validateResource: ResourceValidation): ResourceValidationPolicy => ({ name: "broken", description: "Throws.", validateResource });
    const throwing = () => {
      throw error;
    };
    await expect(evaluatePolicies({ resources: [bucket], policies: [broken(throwing)] })).rejects.toThrow(error);
    await expect(evaluatePolicies({ resources: [bucket], policies: [broken(() => Promise.reject(error))] })).rejects.toThrow(error);
  });

  it("ends a policy's run on a resource at notApplicable(), without a violation, and waits for asynchronous policies", async () => {
    const bucketsOnly: ResourceValidation = (args, reportViolation) => {
      if (args.type !== TYPES.bucket) args.notApplicable(`not a bucket: ${args.type}`);
      reportViolation(`bucket ${args.name}`);
    };
    const later = () => new Promise((resolve) => setImmediate(resolve));
    const policies: ResourceValidationPolicy[] = [
      { name: "buckets-only", description: "Flags buckets.", validateResource: bucketsOnly },
      { name: "buckets-only-async", description: "Flags buckets, later.", validateResource: async (args, reportViolation) => (await later(), bucketsOnly(args, reportViolation)) },
    ];
    expect(await evaluatePolicies({ resources: [stack, bucket], policies })).toEqual([
      { policy: "buckets-only", level: "advisory", urn: bucket.urn, message: "bucket artifacts" },
      { policy: "buckets-only-async", level: "advisory", urn: bucket.urn, message: "bucket artifacts" },
    ]);
  });
});

describe("the resources a policy sees", () => {
  const provider = recorded(TYPES.awsProvider, "aws", { region: "eu-west-1" }, { urn: PROVIDER_URN });
  const providerSeen = { type: TYPES.awsProvider, props: { region: "eu-west-1" }, urn: PROVIDER_URN, name: "aws" };
  const bucket = recorded(TYPES.bucket, "artifacts", { forceDestroy: false }, { provider: `${PROVIDER_URN}::aws-id` });
  const NO_OPTIONS = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

  it("gives a resource policy the engine's arguments: every option, and parent, provider or deleteBeforeReplace only when set", async () => {
    const database = recorded(
      TYPES.dbInstance,
      "database",
      { engine: "postgres" },
      { provider: `${PROVIDER_URN}::aws-id`, options: { protect: true, ignoreChanges: ["password"], deleteBeforeReplace: true } },
    );
    const seen: ResourceValidationArgs[] = [];
    const probe: ResourceValidationPolicy = { name: "probe", description: "Keeps its arguments.", validateResource: (args) => void seen.push(args) };
    await evaluatePolicies({ resources: [stack, provider, database], policies: [probe] });

    const functions = { isType: expect.any(Function), asType: expect.any(Function), getConfig: expect.any(Function), notApplicable: expect.any(Function) };
    expect(seen).toStrictEqual([
      { type: TYPES.stack, props: {}, urn: STACK_URN, name: "mlops-cicd-staging", opts: NO_OPTIONS, stackTags: new Map(), ...functions },
      { ...providerSeen, opts: { ...NO_OPTIONS, parent: STACK_URN }, stackTags: new Map(), ...functions },
      {
        type: TYPES.dbInstance,
        props: { engine: "postgres" },
        urn: database.urn,
        name: "database",
        opts: { ...NO_OPTIONS, protect: true, ignoreChanges: ["password"], deleteBeforeReplace: true, parent: STACK_URN },
        provider: providerSeen,
        stackTags: new Map(),
        ...functions,
      },
    ]);
  });

  it("gives a stack policy the resources linked to their parent, provider and the recorded dependencies among them", async () => {
    const gone = "urn:pulumi:staging::mlops-cicd::aws:kms/key:Key::deleted";
    const versioning = recorded(TYPES.bucketVersioning, "versioning", { bucket: "artifacts-id" }, { parent: bucket.urn, dependsOn: [bucket.urn, gone] });
    const seen: PolicyResource[] = [];
    const probe: StackValidationPolicy = { name: "probe", description: "Keeps the resources.", validateStack: (args) => void seen.push(...args.resources) };
    await evaluatePolicies({ resources: [stack, provider, bucket, versioning], policies: [probe], propertyDependencies: new Map([[versioning.urn, { bucket: [bucket.urn, gone] }]]) });

    expect(seen.map((resource) => resource.name)).toEqual(["mlops-cicd-staging", "aws", "artifacts", "versioning"]);
    const [stackSeen, , bucketSeen, versioningSeen] = seen as [PolicyResource, PolicyResource, PolicyResource, PolicyResource];
    expect(stackSeen).not.toHaveProperty("parent");
    expect(bucketSeen.parent).toBe(stackSeen);
    expect(versioningSeen.parent).toBe(bucketSeen);
    expect(bucketSeen.provider).toStrictEqual(providerSeen);
    expect(versioningSeen).not.toHaveProperty("provider");
    // Links are to the very objects in `resources`; a URN the stack does not have (any more) links nothing.
    expect(versioningSeen.dependencies).toStrictEqual([bucketSeen]);
    expect(versioningSeen.dependencies[0]).toBe(bucketSeen);
    expect(versioningSeen.propertyDependencies).toStrictEqual({ bucket: [bucketSeen] });
    expect(versioningSeen.propertyDependencies.bucket?.[0]).toBe(bucketSeen);
    expect(seen.map((resource) => resource.isType(Bucket))).toEqual([false, false, true, false]);
    expect(seen.map((resource) => resource.opts)).toStrictEqual([NO_OPTIONS, ...[STACK_URN, STACK_URN, bucket.urn].map((parent) => ({ ...NO_OPTIONS, parent }))]);
  });
});

describe.each(STACKS)("the pack over the %s stack", (stack) => {
  it("finds no mandatory violation", async () => {
    const run = await runProgram(stack);
    // Listed in full on failure: the policy, the resource and how to fix it.
    expect(run.policy.filter((violation) => violation.level === "mandatory")).toEqual([]);
    // The policies did look at the stack's resources: each type below exists and was checked.
    for (const type of [TYPES.dbInstance, TYPES.bucket, TYPES.taskDefinition, TYPES.securityGroupIngressRule, TYPES.role, TYPES.environment]) {
      expect(run.resourcesOfType(type).length).toBeGreaterThan(0);
    }
  });
});

describe("the production stack with staging's settings", () => {
  it("breaks the production data protection the stack's name requires", async () => {
    const run = await runProgram("production", { "mlops-cicd:environment": "staging", "mlops-cicd:dataProtection": false, "mlops-cicd:reviewerTeams": [] });
    const database = run.findResource(TYPES.dbInstance, "database");
    expect(run.policy.filter((violation) => violation.level === "mandatory")).toEqual(
      ["can be deleted. Set `deletionProtection: true`", "runs in a single availability zone. Set `multiAz: true`", "would be deleted without a final snapshot. Set `skipFinalSnapshot: false` and a `finalSnapshotIdentifier`"].map(
        (problem) => ({
          policy: "rds-production-data-protection",
          level: "mandatory",
          urn: database.urn,
          message: `Production database \`database\` ${problem} (config \`mlops-cicd:dataProtection: true\` sets it).`,
        }),
      ),
    );
  });
});
