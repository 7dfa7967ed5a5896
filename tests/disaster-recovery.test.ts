/**
 * A rebuild from empty state needs only the documented inputs. The production rebuild template
 * (tests/fixtures/rebuild/Pulumi.production-dr.yaml) is synthesized in-process, as `npm run synth
 * -- --config-file` would, with every provider lookup and every read of an existing resource
 * recorded; docs/disaster-recovery.md's tables are parsed, so the document and the code cannot
 * drift apart. "No step by hand" is defined in the document's Inputs section and checked here
 * clause by clause.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildCreationGraph } from "../tools/rebuild-plan/graph";
import { parse } from "yaml";
import { CONFIG_KEYS, declaredDefault } from "../infra/config-schema";
import { qualifiedKey } from "../contracts/project";
import { DEFAULT_RULE, DURATION_RULES, OPERATOR_STEPS, RTO_TARGET_SECONDS, SOURCES } from "../tools/rebuild-plan/durations";
import { formatDuration, planRebuild } from "../tools/rebuild-plan/plan";
import type { RecordedResource } from "../tools/synth/recording-monitor";
import { ProgramRun, ROOT, runProgram } from "./harness";

const DOC = fs.readFileSync(path.join(ROOT, "docs", "disaster-recovery.md"), "utf8");
const TEMPLATE = path.join(ROOT, "tests", "fixtures", "rebuild", "Pulumi.production-dr.yaml");
const STACK = "production-dr";
const TEMPLATE_VALUES = (parse(fs.readFileSync(TEMPLATE, "utf8")) as { config: Record<string, unknown> }).config;

const T = {
  db: "aws:rds/instance:Instance",
  backupReplication: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
  kmsKey: "aws:kms/key:Key",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

type Kind = "config" | "secret" | "environment" | "lookup" | "external";

/** The Inputs table: the first column's code span, and its kind. */
function documentedInputs(): Map<string, Kind> {
  const section = DOC.split("\n## Inputs\n")[1]?.split("\n## ")[0] ?? "";
  const inputs = new Map<string, Kind>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const kind = cells[2] as Kind | undefined;
    if (kind === undefined || !["config", "secret", "environment", "lookup", "external"].includes(kind)) continue;
    inputs.set(/^`([^`]+)`$/.exec(cells[1] ?? "")?.[1] ?? cells[1] ?? "", kind);
  }
  return inputs;
}

const documented = (kind: Kind) => [...documentedInputs()].filter(([, entry]) => entry === kind).map(([input]) => input);

interface Rebuild extends ProgramRun {
  /** Every provider function the program called, with what it answered. */
  readonly lookups: readonly { token: string; result: Record<string, unknown> }[];
  /** Resources read from the cloud (`Resource.get`) instead of created. */
  readonly reads: readonly string[];
  find(type: string, name: string): RecordedResource;
}

/** Synthesizes the template, with `changes` applied (`null` removes a key), recording lookups and reads. */
async function synthesizeRebuild(changes: Record<string, string | null> = {}): Promise<Rebuild> {
  const lookups: { token: string; result: Record<string, unknown> }[] = [];
  const reads: string[] = [];
  const run = await runProgram(STACK, changes, [], undefined, {
    configFile: TEMPLATE,
    instrument: (mocks) => {
      const call = mocks.call.bind(mocks);
      mocks.call = (args) => {
        const answer = call(args) as Record<string, unknown>;
        lookups.push({ token: args.token, result: answer });
        return answer;
      };
      // Registrations bypass newResource (tools/synth/recording-monitor.ts); only reads reach it.
      const newResource = mocks.newResource.bind(mocks);
      mocks.newResource = (args) => {
        reads.push(`${args.type} ${args.name}`);
        return newResource(args);
      };
    },
  });
  return { ...run, lookups, reads, find: run.findResource };
}

let rebuild: Rebuild;
beforeAll(async () => {
  rebuild = await synthesizeRebuild();
});

/** The production stack, synthesized once for the tests that compare with it. */
let productionRun: Promise<ProgramRun> | undefined;
const production = () => (productionRun ??= runProgram("production"));

describe("the production rebuild template", () => {
  it("restores the database from the snapshot it names, Multi-AZ and protected, in the recovery region", () => {
    const db = rebuild.find(T.db, "database");
    expect(db.inputs).toMatchObject({ identifier: "mlops-cicd-production-dr", snapshotIdentifier: TEMPLATE_VALUES["mlops-cicd:dbSnapshotIdentifier"], multiAz: true });
    expect(db.inputs.restoreToPointInTime).toBeUndefined();
    expect(db.options).toMatchObject({ protect: true, ignoreChanges: ["restoreToPointInTime", "snapshotIdentifier"] });
    const provider = rebuild.resources.find((resource) => resource.type === "pulumi:providers:aws");
    expect(provider?.inputs.region).toBe("eu-central-1");
  });

  it.each([
    [
      "backups replicated into the recovery region, to the latest time",
      "arn:aws:rds:eu-central-1:210987654321:auto-backup:ab-faaa2mgdj1vmp4xflr7yhsrmtbtob7ltrzzz2my",
      "latest",
      { sourceDbInstanceAutomatedBackupsArn: "arn:aws:rds:eu-central-1:210987654321:auto-backup:ab-faaa2mgdj1vmp4xflr7yhsrmtbtob7ltrzzz2my", useLatestRestorableTime: true },
    ],
    [
      "a deleted instance's retained backups, to a time",
      "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      "2025-03-14T09:26:53Z",
      { sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", restoreTime: "2025-03-14T09:26:53Z" },
    ],
  ])("restores to a point in time instead, from %s", async (_name, source, time, expected) => {
    const pitr = await synthesizeRebuild({
      "mlops-cicd:dbSnapshotIdentifier": null,
      "mlops-cicd:dbRestoreSource": source,
      "mlops-cicd:dbRestoreTime": time,
    });
    const db = pitr.find(T.db, "database");
    expect(db.inputs.restoreToPointInTime).toEqual(expected);
    expect(db.inputs.snapshotIdentifier).toBeUndefined();
    // The restored server's roles and databases are adopted by the provisioner, run after the restore.
    const graph = buildCreationGraph(pitr.resources);
    const waitsFor = (urn: string): string[] => (graph.get(urn)?.waitsFor ?? []).flatMap((before) => [before, ...waitsFor(before)]);
    expect(waitsFor(pitr.find("aws:lambda/invocation:Invocation", "databases-provisioner").urn)).toContain(db.urn);
  });

  it("keeps its own recovery copies in the next region: an encrypted, versioned replica and replicated backups", () => {
    const replica = rebuild.find(T.bucket, "mlflow-artifacts-replica");
    expect(replica.inputs).toMatchObject({ region: "eu-north-1", forceDestroy: false });
    expect(replica.options.protect).toBe(true);
    expect(rebuild.find(T.versioning, "mlflow-artifacts-replica").inputs).toMatchObject({ region: "eu-north-1", versioningConfiguration: { status: "Enabled" } });
    const key = rebuild.find(T.kmsKey, "mlflow-artifacts-replica");
    expect(key.inputs).toMatchObject({ region: "eu-north-1", enableKeyRotation: true });
    const encryption = rebuild.find(T.encryption, "mlflow-artifacts-replica");
    expect(encryption.inputs).toMatchObject({ region: "eu-north-1", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] });
    expect(encryption.dependsOn).toContain(key.urn);

    const replication = rebuild.find(T.replication, "mlflow-artifacts");
    expect(replication.inputs.rules).toEqual([
      {
        id: "recovery-copy",
        status: "Enabled",
        filter: {},
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
          bucket: expect.stringContaining("mlops-cicd-production-dr-replica-"),
          storageClass: "STANDARD_IA",
          // Encrypted with the replica region's own key.
          encryptionConfiguration: { replicaKmsKeyId: expect.stringMatching(/^arn:aws:kms:eu-north-1:\d{12}:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) },
          replicationTime: { status: "Enabled", time: { minutes: 15 } },
          metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
        },
      },
    ]);
    // S3 refuses replication until both buckets are versioned: Pulumi must create both first.
    for (const name of ["mlflow-artifacts", "mlflow-artifacts-replica"]) expect(replication.dependsOn).toContain(rebuild.find(T.versioning, name).urn);
    expect(replication.dependsOn).toContain(key.urn);
    expect(replication.dependsOn).toContain(rebuild.find(T.rolePolicy, "mlflow-artifacts-replication").urn);
    const trust = JSON.parse(String(rebuild.find(T.role, "mlflow-artifacts-replication").inputs.assumeRolePolicy));
    expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }]);

    const backups = rebuild.find(T.backupReplication, "database");
    expect(backups.inputs).toMatchObject({ region: "eu-north-1", retentionPeriod: 14, sourceDbInstanceArn: expect.stringContaining(":db:mlops-cicd-production-dr") });
    expect(backups.dependsOn).toContain(rebuild.find(T.kmsKey, "database-backups").urn);
  });

  it("is the production stack's config, moved to its recovery region and restoring", () => {
    const productionValues = (parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
    const restoring = ["mlops-cicd:dbSnapshotIdentifier", "mlops-cicd:githubOidcProviderArn", "mlops-cicd:certificateArn"];
    const moved = { "mlops-cicd:awsRegion": productionValues["mlops-cicd:recoveryRegion"], "mlops-cicd:recoveryRegion": "eu-north-1" };
    const same = Object.fromEntries(Object.entries(TEMPLATE_VALUES).filter(([key]) => !restoring.includes(key) && !(key in moved)));
    expect(same).toEqual(Object.fromEntries(Object.keys(same).map((key) => [key, productionValues[key]])));
    expect(TEMPLATE_VALUES).toMatchObject(moved);
  });
});

describe("production's recovery copies", () => {
  it("replicate its artifacts and its database backups to eu-central-1; staging keeps none", async () => {
    const run = await production();
    expect(run.findResource(T.bucket, "mlflow-artifacts-replica").inputs.region).toBe("eu-central-1");
    expect(run.findResource(T.backupReplication, "database").inputs).toMatchObject({ region: "eu-central-1", retentionPeriod: 14 });
    const staging = await runProgram("staging");
    expect(staging.resourcesOfType(T.replication)).toHaveLength(0);
    expect(staging.resourcesOfType(T.backupReplication)).toHaveLength(0);
  });
});

describe("a rebuild from empty state needs no step by hand", () => {
  it("sets only documented inputs, and every input an operator must supply is documented", () => {
    const inputs = documentedInputs();
    for (const key of Object.keys(TEMPLATE_VALUES)) expect([key, inputs.get(key)]).toEqual([key, "config"]);
    for (const spec of CONFIG_KEYS.filter((entry) => declaredDefault(entry) === undefined && entry.secret === undefined)) {
      expect([spec.key, inputs.get(qualifiedKey(spec.key))]).toEqual([spec.key, "config"]);
    }
    // Required secrets, and the optional ones whose absence synth warns about for this stack.
    const wanted = CONFIG_KEYS.filter(
      (entry) => entry.secret === "required" || (entry.warnUnsetWhen !== undefined && TEMPLATE_VALUES[qualifiedKey(entry.warnUnsetWhen)] === true),
    );
    expect(wanted.map((spec) => spec.key)).toEqual(["slackWebhookUrl", "ghcrToken", "ghcrPullToken"]);
    for (const spec of wanted) expect([spec.key, inputs.get(qualifiedKey(spec.key))]).toEqual([spec.key, "secret"]);
    // Documented keys exist: a renamed key fails here instead of leaving the table stale.
    for (const key of documented("config")) expect(CONFIG_KEYS.map((spec) => qualifiedKey(spec.key))).toContain(key);
  });

  it("stands in only for documented operator secrets", () => {
    expect(rebuild.missingSecrets.length).toBeGreaterThan(0);
    for (const key of rebuild.missingSecrets) expect(documented("secret")).toContain(key);
    expect(rebuild.encryptedKeys).toEqual([]);
  });

  it("looks up only documented things that exist before the rebuild, and reads no existing resource", () => {
    const tokens = [...new Set(rebuild.lookups.map((lookup) => lookup.token))].sort();
    // Nothing on GHCR has to exist: the model services start from the bootstrap image the stack builds.
    expect(tokens).not.toContain("docker:index/getRegistryImage:getRegistryImage");
    for (const token of tokens) expect(documented("lookup")).toContain(token);
    expect(rebuild.reads).toEqual([]);
  });

  it("refers to no AWS object it does not create, except documented inputs", () => {
    // The stand-in account of offline synth's answers: ARNs in it are made by the stack itself.
    const identity = rebuild.lookups.find((lookup) => lookup.token === "aws:index/getCallerIdentity:getCallerIdentity");
    const own = String(identity?.result.accountId);
    expect(own).toMatch(/^\d{12}$/);
    const configValues = documented("config").map((key) => TEMPLATE_VALUES[key]).filter((value): value is string => typeof value === "string");
    const foreign = new Set<string>();
    for (const resource of rebuild.resources) {
      for (const arn of JSON.stringify(resource.inputs).match(/arn:aws[a-z-]*:[^"\\\s,]+/g) ?? []) {
        const account = arn.split(":")[4] ?? "";
        // No account (S3 bucket ARNs: named by the stack), AWS's own (managed policies), or the stack's.
        if (account === "" || account === "aws" || account === own) continue;
        foreign.add(arn);
      }
    }
    expect([...foreign].sort()).toEqual(
      [TEMPLATE_VALUES["mlops-cicd:certificateArn"], TEMPLATE_VALUES["mlops-cicd:githubOidcProviderArn"]].sort(),
    );
    for (const arn of foreign) expect(configValues).toContain(arn);
  });

  it("reads only documented environment variables", () => {
    const source = ["config.ts", "config-rules.ts"].map((file) => fs.readFileSync(path.join(ROOT, "infra", file), "utf8")).join("\n");
    const read = [...source.matchAll(/\bprocessEnv\??\.([A-Z_]+)/g)].map((match) => match[1] as string);
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(documented("environment")).toContain(name);
  });

  it("needs nothing by hand for the restored server: the provisioner adopts its roles and databases, and nothing connects from outside", () => {
    expect(rebuild.resources.filter((resource) => resource.type.startsWith("postgresql:") || resource.type === "pulumi:providers:postgresql")).toEqual([]);
    const input = JSON.parse(String(rebuild.find("aws:lambda/invocation:Invocation", "databases-provisioner").inputs.input)) as { roles: { name: string }[] };
    expect(input.roles.map((role) => role.name).sort()).toEqual(["grafana", "metrics_owner", "metrics_reader", "metrics_writer", "mlflow"]);
  });

  it("hands GitHub over by moving components the lost stack and the rebuild both have", async () => {
    const command = /pulumi state move --source production --dest production-dr --yes \\\n((?:\s+'urn:[^']+'(?: \\)?\n)+)/.exec(DOC);
    const moved = [...(command?.[1] ?? "").matchAll(/'(urn:[^']+)'/g)].map((match) => match[1] as string);
    expect(moved).toHaveLength(4);
    const lost = await production();
    for (const urn of moved) {
      expect(lost.resources.map((resource) => resource.urn)).toContain(urn);
      expect(rebuild.resources.map((resource) => resource.urn)).toContain(urn.replace("urn:pulumi:production::", `urn:pulumi:${STACK}::`));
    }
    const handedOver = new Set(moved.map((urn) => urn.replace("urn:pulumi:production::", `urn:pulumi:${STACK}::`)));
    const byUrn = new Map(rebuild.resources.map((resource) => [resource.urn, resource]));
    const under = (resource: RecordedResource): boolean =>
      resource.parent !== undefined && (handedOver.has(resource.parent) || under(byUrn.get(resource.parent) as RecordedResource));
    // Every GitHub object the rebuild would create is one the lost stack already had and hands over.
    const github = rebuild.resources.filter((resource) => resource.custom && resource.type.startsWith("github:"));
    expect(github.length).toBeGreaterThan(0);
    expect(github.filter((resource) => !under(resource)).map((resource) => resource.urn)).toEqual([]);
  });
});

describe("docs/disaster-recovery.md", () => {
  it("times the runbook steps the plan counts", () => {
    const headings = [...DOC.matchAll(/^### \d+\. (.+)$/gm)].map((match) => match[1]);
    for (const step of OPERATOR_STEPS) expect(headings).toContain(step.runbookStep);
  });

  it("lists every duration of the plan with its sources, and cites each source", () => {
    for (const rule of [...DURATION_RULES, DEFAULT_RULE]) {
      expect(DOC).toContain(`| ${rule.label} | ${formatDuration(rule.seconds)} | ${rule.sources.map((source) => `[${source}]`).join(", ")} |`);
    }
    for (const [key, source] of Object.entries(SOURCES)) expect(DOC).toContain(`[${key}]: ${source.url}\n`);
  });

  it("states the plan's figures for the production rebuild and its RTO target", () => {
    const plan = planRebuild(STACK, rebuild.resources);
    const operatorSteps = plan.operatorSteps.reduce((sum, step) => sum + step.seconds, 0);
    expect(DOC).toContain(`| Critical path: ${formatDuration(plan.criticalPath.seconds)} |`);
    expect(DOC).toContain(`| The last ECS service is healthy at ${formatDuration(plan.servicesReadySeconds)} |`);
    expect(DOC).toContain(`| Operator steps: ${formatDuration(operatorSteps)} |`);
    expect(DOC).toContain(`| RTO estimate: ${formatDuration(plan.rtoSeconds)} | against the target of ${formatDuration(RTO_TARGET_SECONDS)} |`);
    expect(DOC).toContain(`| Production, region lost | ${RTO_TARGET_SECONDS / 3600} hours |`);
    expect(plan.rtoSeconds).toBeLessThanOrEqual(RTO_TARGET_SECONDS);
  });
});
