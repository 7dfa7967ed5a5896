import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * Stand-ins for what providers answer, with the shapes the real providers return. Every ID is
 * derived from the resource's name, so two runs produce identical output. A function the program
 * calls without a stand-in here fails loudly instead of returning an empty object the program would
 * misread.
 */
export const offlineMocks: pulumi.runtime.Mocks = {
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    return { id: `${args.name}-id`, state: { ...computedOutputs(args.type, args.name, args.inputs as Record<string, unknown>), ...args.inputs } };
  },

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    const stand = CALLS[args.token];
    if (!stand) {
      throw new Error(
        `Offline synth has no stand-in for ${args.token}. Add one to tools/synth/mocks.ts with the shape the provider returns.`,
      );
    }
    return stand(args.inputs as Record<string, unknown>);
  },
};

/**
 * The outputs a provider computes for a resource (ARNs, addresses), in plain values: what the
 * program reads beyond its own inputs.
 */
export function computedOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  return COMPUTED[type]?.(name, inputs) ?? {};
}

/** A positive number that looks like a GitHub database ID, stable for a given login or slug. */
export function stableNumericId(kind: string, key: string): number {
  return 10_000_000 + (createHash("sha256").update(`${kind}:${key}`).digest().readUInt32BE(0) % 89_999_999);
}

const SYNTH_ACCOUNT = "123456789012";
const arn = (service: string, resource: string, region = "synth-region-1") => `arn:aws:${service}:${region}:${SYNTH_ACCOUNT}:${resource}`;

/** Outputs the provider computes, for the resources whose outputs the program uses. */
const COMPUTED: Readonly<Record<string, (name: string, inputs: Record<string, unknown>) => Record<string, unknown>>> = {
  "aws:rds/instance:Instance": (name, inputs) => ({
    address: `${String(inputs.identifier ?? name)}.synth.rds.amazonaws.com`,
    port: 5432,
    arn: arn("rds", `db:${String(inputs.identifier ?? name)}`),
  }),
  "aws:secretsmanager/secret:Secret": (name) => ({ arn: arn("secretsmanager", `secret:${name}`) }),
  "aws:iam/role:Role": (name) => ({ arn: `arn:aws:iam::${SYNTH_ACCOUNT}:role/${name}`, name }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": () => ({
    arn: `arn:aws:iam::${SYNTH_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
  }),
  "aws:rds/subnetGroup:SubnetGroup": (name) => ({ name }),
  "aws:lb/loadBalancer:LoadBalancer": (name) => ({
    arn: arn("elasticloadbalancing", `loadbalancer/app/${name}/synth`),
    arnSuffix: `app/${name}/synth`,
    dnsName: `${name}-synth.synth-region-1.elb.amazonaws.com`,
    zoneId: "ZSYNTH",
  }),
  "aws:lb/listener:Listener": (name) => ({ arn: arn("elasticloadbalancing", `listener/app/${name}/synth`) }),
  "aws:lb/targetGroup:TargetGroup": (name) => ({ arn: arn("elasticloadbalancing", `targetgroup/${name}/synth`), arnSuffix: `targetgroup/${name}/synth` }),
  "aws:lb/listenerRule:ListenerRule": (name) => ({ arn: arn("elasticloadbalancing", `listener-rule/app/${name}/synth`) }),
  "aws:ecs/cluster:Cluster": (name, inputs) => ({ arn: arn("ecs", `cluster/${String(inputs.name ?? name)}`) }),
  "aws:ecs/taskDefinition:TaskDefinition": (name, inputs) => ({
    arn: arn("ecs", `task-definition/${String(inputs.family ?? name)}:1`),
    arnWithoutRevision: arn("ecs", `task-definition/${String(inputs.family ?? name)}`),
    revision: 1,
  }),
  "aws:kms/key:Key": (name, inputs) => {
    // Multi-Region keys have `mrk-` IDs; the others a UUID.
    const hex = createHash("sha256").update(name).digest("hex");
    const id = inputs.multiRegion ? `mrk-${hex.slice(0, 32)}` : `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    return { arn: arn("kms", `key/${id}`, String(inputs.region ?? "synth-region-1")), keyId: id };
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, inputs) => ({ arn: arn("cloudwatch", `alarm:${String(inputs.name ?? name)}`) }),
  "aws:cloudwatch/eventRule:EventRule": (name, inputs) => ({ arn: arn("events", `rule/${String(inputs.name ?? name)}`), name: inputs.name ?? name }),
  "aws:cloudwatch/dashboard:Dashboard": (name, inputs) => ({ dashboardArn: `arn:aws:cloudwatch::${SYNTH_ACCOUNT}:dashboard/${String(inputs.dashboardName ?? name)}` }),
  "aws:scheduler/scheduleGroup:ScheduleGroup": (name, inputs) => ({ arn: arn("scheduler", `schedule-group/${String(inputs.name ?? name)}`), name: inputs.name ?? name }),
  "aws:scheduler/schedule:Schedule": (name, inputs) => ({ arn: arn("scheduler", `schedule/${String(inputs.groupName ?? "default")}/${String(inputs.name ?? name)}`) }),
  "aws:cloudwatch/logGroup:LogGroup": (name, inputs) => ({ arn: arn("logs", `log-group:${String(inputs.name ?? name)}`) }),
  "docker:index/image:Image": (_name, inputs) => {
    const imageName = String(inputs.imageName);
    const digest = createHash("sha256").update(imageName).digest("hex");
    return { repoDigest: `${imageName.replace(/:[^:/]+$/, "")}@sha256:${digest}`, registryServer: "ghcr.io" };
  },
  "aws:s3/bucket:Bucket": (name, inputs) => {
    const bucket = `${String(inputs.bucketPrefix ?? "")}${name}`;
    return { bucket, arn: `arn:aws:s3:::${bucket}` };
  },
  "aws:rds/parameterGroup:ParameterGroup": (name) => ({ name }),
  "aws:secretsmanager/secretVersion:SecretVersion": (name) => ({
    arn: arn("secretsmanager", `secret:${name}`),
    versionId: createHash("sha256").update(`version:${name}`).digest("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5"),
  }),
  "aws:lambda/function:Function": (name, inputs) => ({
    arn: arn("lambda", `function:${String(inputs.name ?? name)}`),
    invokeArn: `arn:aws:apigateway:synth-region-1:lambda:path/2015-03-31/functions/${arn("lambda", `function:${String(inputs.name ?? name)}`)}/invocations`,
    version: "$LATEST",
  }),
  // A generated value the program checks (the test-traffic header's): letters and digits of the
  // asked length, derived from the name, never a real secret.
  "random:index/randomPassword:RandomPassword": (name, inputs) => {
    const length = Number(inputs.length ?? 16);
    let hex = "";
    for (let block = 0; hex.length < length; block++) hex += createHash("sha256").update(`password:${name}:${block}`).digest("hex");
    return { result: hex.slice(0, length) };
  },
  // The provisioner's answer has names and counts only (provisioner/provision.ts).
  "aws:lambda/invocation:Invocation": () => ({ result: JSON.stringify({ synth: "not invoked offline" }) }),
};

const CALLS: Readonly<Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>> = {
  "github:index/getUser:getUser": (inputs) => {
    const login = String(inputs.username);
    const id = stableNumericId("user", login);
    return { id: String(id), login, name: login, nodeId: `U_synth${id}` };
  },
  "aws:index/getRegion:getRegion": () => ({ region: "synth-region-1", name: "synth-region-1", id: "synth-region-1", endpoint: "ec2.synth-region-1.amazonaws.com", description: "Offline synth" }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: SYNTH_ACCOUNT,
    arn: `arn:aws:sts::${SYNTH_ACCOUNT}:assumed-role/synth/offline`,
    userId: "SYNTH:offline",
    id: SYNTH_ACCOUNT,
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["synth-region-1a", "synth-region-1b", "synth-region-1c"],
    zoneIds: ["synth1-az1", "synth1-az2", "synth1-az3"],
    id: "synth-region-1",
  }),
  "github:index/getTeam:getTeam": (inputs) => {
    const slug = String(inputs.slug);
    const id = stableNumericId("team", slug);
    return { id: String(id), slug, name: slug, nodeId: `T_synth${id}`, members: [], repositories: [] };
  },
};
