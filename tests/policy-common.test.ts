/**
 * The readers every policy relies on (policy/policies/common.ts): how a loosely typed property
 * bag is normalised (booleans given as strings, letter case, whitespace, values of the wrong
 * type), checked directly and, where a policy's verdict hangs on it, through that policy.
 * Values a reader cannot trust must fail closed: a flag that is not plainly `false` is not off.
 */
import { noCredentialsInOutputs, productionEnvironmentProtected, rdsEncryptedPrivateBackedUp, s3BucketsProtected } from "../policy/policies";
import { TYPES, boolAt, isProductionName, isRecord, numberAt, recordAt, referencedBy, stackOfUrn, stringAt } from "../policy/policies/common";
import { FakeResource, stackArgs, stackViolationsOf, violationsOf, withProps } from "./fixtures/policy/engine-args";
import { database, productionEnvironment, protectedBucket } from "./fixtures/policy/resources";

const NOT_ENCRYPTED =
  "Database `database` is not encrypted at rest. Set `storageEncrypted: true` (an existing instance is encrypted by restoring an encrypted copy of its snapshot).";
const PUBLIC = "Database `database` is publicly accessible. Set `publiclyAccessible: false` and reach it from inside the VPC or through an SSM port forward.";
const SELF_REVIEW = "Environment `production` lets whoever started a deployment approve it. Set `preventSelfReview: true`.";

describe("boolAt: a boolean as the provider reads it", () => {
  it.each([
    [true, true],
    [false, false],
    ["true", true],
    ["TRUE", true],
    ["True", true],
    ["false", false],
    ["FALSE", false],
    // Config read from a file or an environment variable may keep a space or a newline.
    [" true", true],
    ["true\n", true],
    [" TRUE ", true],
    ["\tfalse ", false],
  ])("reads %j as %s", (value, expected) => {
    expect(boolAt(value)).toBe(expected);
  });

  it.each([["not false"], ["untrue"], ["falsey"], ["true-ish"], ["false, for now"], ["yes"], ["1"], ["0"], [""], [1], [0], [null], [undefined], [{}]])(
    "reads %j as no boolean at all",
    (value) => {
      expect(boolAt(value)).toBeUndefined();
    },
  );

  it("lets a database count as private only when publiclyAccessible is plainly false", async () => {
    for (const plainlyFalse of [false, "false", "FALSE", " false\n"]) {
      expect(await violationsOf(rdsEncryptedPrivateBackedUp, withProps(database, { publiclyAccessible: plainlyFalse }))).toEqual([]);
    }
    for (const notPlainlyFalse of ["not false", "untrue", "false, for now", "falsey"]) {
      expect(await violationsOf(rdsEncryptedPrivateBackedUp, withProps(database, { publiclyAccessible: notPlainlyFalse }))).toEqual([PUBLIC]);
    }
  });

  it("counts a flag that is true in any letter case, with spaces around it, as set", async () => {
    expect(await violationsOf(rdsEncryptedPrivateBackedUp, withProps(database, { storageEncrypted: " TRUE " }))).toEqual([]);
    expect(await violationsOf(productionEnvironmentProtected, withProps(productionEnvironment, { preventSelfReview: "true\n" }))).toEqual([]);
    expect(await violationsOf(rdsEncryptedPrivateBackedUp, withProps(database, { storageEncrypted: "true, probably" }))).toEqual([NOT_ENCRYPTED]);
  });
});

describe("isProductionName: GitHub's environment names, compared without letter case", () => {
  it.each(["production", "Production", "PRODUCTION", " production", "production\n"])("%j is production", (name) => {
    expect(isProductionName(name)).toBe(true);
  });

  it.each(["prod", "production-eu", "staging", "", undefined, null, 1, ["production"]])("%j is not", (name) => {
    expect(isProductionName(name)).toBe(false);
  });

  it("holds an environment named Production with stray spaces to the production rules", async () => {
    const unprotected = withProps(productionEnvironment, { environment: " Production ", preventSelfReview: false });
    expect(await violationsOf(productionEnvironmentProtected, unprotected)).toEqual([SELF_REVIEW]);
  });

  it("passes over an environment whose name is missing or not a string, without failing", async () => {
    for (const environment of [undefined, 42]) {
      expect(await violationsOf(productionEnvironmentProtected, withProps(productionEnvironment, { environment, reviewers: [] }))).toEqual([]);
    }
  });
});

describe("numberAt: finite numbers, and numbers written as strings", () => {
  it.each([0, 7, -1, 2.5])("reads %p as itself", (value) => {
    expect(numberAt(value)).toBe(value);
  });

  it.each([
    ["0", 0],
    [" 14 ", 14],
    ["-1", -1],
    ["2.5", 2.5],
    ["12.75", 12.75],
  ] as const)("reads the string %p as %p, as the provider would", (value, expected) => {
    expect(numberAt(value)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity, true, null, undefined, [5], { value: 5 }, "", "seven", "0x10", "1e3", "1 2", "Infinity"])("reads %p as no number", (value) => {
    expect(numberAt(value)).toBeUndefined();
  });

  it("does not take a retention computed from a bad config value (NaN, Infinity) for a retention", async () => {
    for (const backupRetentionPeriod of [NaN, Infinity]) {
      expect(await violationsOf(rdsEncryptedPrivateBackedUp, withProps(database, { backupRetentionPeriod }))).toEqual([
        "Database `database` keeps no automated backups of its own choosing (`backupRetentionPeriod` is unset). Set `backupRetentionPeriod` to 7 days or more (config `mlops-cicd:dbBackupRetentionDays`).",
      ]);
    }
  });

  it("does not take a wait timer of NaN minutes for a wait", async () => {
    expect(await violationsOf(productionEnvironmentProtected, withProps(productionEnvironment, { waitTimer: NaN }))).toEqual([
      "Environment `production` waits 0 minutes after approval; at least 5 are required to leave time to cancel. Set `waitTimer` to 5 or more (infra/environments.ts, waitTimerMinutes).",
    ]);
  });
});

describe("stringAt, isRecord and recordAt: values of another type read as absent", () => {
  it.each([42, true, null, undefined, ["aws:kms"], { name: "x" }])("stringAt reads %p as no string", (value) => {
    expect(stringAt(value)).toBeUndefined();
  });

  it("stringAt reads a string, the empty one included, as itself", () => {
    expect(stringAt("aws:kms")).toBe("aws:kms");
    expect(stringAt("")).toBe("");
  });

  it.each([null, undefined, [], ["a"], "text", 3])("isRecord(%p) is false and recordAt reads it as empty", (value) => {
    expect(isRecord(value)).toBe(false);
    expect(recordAt(value)).toEqual({});
  });

  it("isRecord accepts objects and recordAt hands them back", () => {
    const tags = { Environment: "production" };
    expect(isRecord(tags)).toBe(true);
    expect(recordAt(tags)).toBe(tags);
  });

  it("does not count a bucket as encrypted when its rule names no algorithm (null)", async () => {
    const [bucket, block, versioning] = protectedBucket() as [FakeResource, FakeResource, FakeResource, FakeResource];
    const noAlgorithm: FakeResource = {
      type: TYPES.bucketEncryption,
      name: "mlflow-artifacts-sse",
      props: { bucket: "mlflow-artifacts-id", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: null } }] },
      propertyDependencies: { bucket: ["mlflow-artifacts"] },
    };
    expect(await stackViolationsOf(s3BucketsProtected, [bucket, block, versioning, noAlgorithm])).toEqual([
      'mlflow-artifacts: Bucket `mlflow-artifacts` declares no default encryption. Add an aws.s3.BucketServerSideEncryptionConfiguration for it (`applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }`).',
    ]);
  });

  it("reads null where an object or list entry was expected as empty, without failing", async () => {
    // An optional stack output left unset, and a reviewers entry that is null.
    expect(await stackViolationsOf(noCredentialsInOutputs, [{ type: TYPES.stack, name: "mlops-cicd-production", props: { databaseUrl: null } }])).toEqual([]);
    expect(await violationsOf(productionEnvironmentProtected, withProps(productionEnvironment, { reviewers: [null] }))).toEqual([
      "Environment `production` has no required reviewer: anyone who can run a workflow can deploy. Add a user or team to `reviewers` (config `mlops-cicd:reviewerUsers` or `mlops-cicd:reviewerTeams`).",
    ]);
  });
});

describe("stackOfUrn", () => {
  it("reads the stack from a Pulumi URN", () => {
    expect(stackOfUrn("urn:pulumi:staging::mlops-cicd::aws:rds/instance:Instance::database")).toBe("staging");
    expect(stackOfUrn("urn:pulumi:production::mlops-cicd::pulumi:pulumi:Stack::mlops-cicd-production")).toBe("production");
  });

  it.each([
    "",
    "production",
    "arn:aws:rds:eu-west-1:123456789012:db:production",
    "urn:example:production::mlops-cicd::aws:rds/instance:Instance::database",
  ])("names no stack for %p, which is not a Pulumi URN", (urn) => {
    expect(stackOfUrn(urn)).toBe("");
  });
});

describe("referencedBy: which resources a property came from", () => {
  const [bucket, block, versioning, encryption] = protectedBucket() as [FakeResource, FakeResource, FakeResource, FakeResource];
  /** The settings with `bucket` recorded as coming from nothing, and the bucket among their dependencies. */
  const recordedEmpty = [block, versioning, encryption].map((setting): FakeResource => ({ ...setting, propertyDependencies: { bucket: [] }, dependsOn: [bucket.name] }));

  /** The stack as a stack policy sees it, by resource name. */
  const linked = (resources: readonly FakeResource[]) => {
    const byName = new Map(stackArgs(resources).resources.map((resource) => [resource.name, resource]));
    return (name: string) => {
      const found = byName.get(name);
      if (found === undefined) throw new Error(`fixture: no resource named ${name}`);
      return found;
    };
  };

  it("falls back to every dependency when the engine recorded no source for the property", () => {
    const named = linked([bucket, ...recordedEmpty]);
    expect(named(block.name).propertyDependencies.bucket).toEqual([]);
    expect(referencedBy(named(block.name), "bucket", [named(bucket.name)])).toEqual([named(bucket.name)]);
  });

  it("keeps to the recorded sources when there are some, not every dependency", () => {
    const named = linked([bucket, { type: TYPES.bucket, name: "scratch", props: {} }, { ...block, dependsOn: ["scratch"] }]);
    expect(referencedBy(named(block.name), "bucket", [named(bucket.name), named("scratch")])).toEqual([named(bucket.name)]);
  });

  it("lets a bucket's settings protect it when the bucket was named by a plain string (no recorded source)", async () => {
    expect(await stackViolationsOf(s3BucketsProtected, [bucket, ...recordedEmpty])).toEqual([]);
  });
});
