/**
 * A first `pulumi up` from empty state, simulated on synth's dependency graph against a model of
 * what each resource needs to exist when it is created (tools/convergence/converge.ts): both stacks
 * and the disaster-recovery template converge, and each kind of precondition fails, naming the
 * resource and what it misses, when one dependency is taken away.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { missingPreconditions, type MissingPrecondition } from "../tools/convergence/converge";
import type { GraphResource } from "../tools/rebuild-plan/graph";
import { ROOT, runProgram, STACKS } from "./harness";

describe.each(STACKS)("a first pulumi up of the %s stack", (stack) => {
  it("converges: every resource waits for what it needs", async () => {
    const run = await runProgram(stack);
    expect(missingPreconditions(run.resources).map((missing) => missing.message)).toEqual([]);
  });
});

it("the disaster-recovery rebuild template converges too", async () => {
  const run = await runProgram("production-dr", {}, [], undefined, { configFile: path.join(ROOT, "tests", "fixtures", "rebuild", "Pulumi.production-dr.yaml") });
  expect(missingPreconditions(run.resources).map((missing) => missing.message)).toEqual([]);
});

/**
 * A small world with one of everything the model knows, wired as the program wires it: a service
 * behind a listener rule, its task reading a database credential and a registry secret, a function
 * in the VPC that provisions the database. `without(a, b)` removes the edge from a to b.
 */
const urn = (type: string, name: string) => `urn:pulumi:test::mlops-cicd::${type}::${name}`;
const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  table: "aws:ec2/routeTable:RouteTable",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  route: "aws:ec2/route:Route",
  group: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  db: "aws:rds/instance:Instance",
  secret: "aws:secretsmanager/secret:Secret",
  version: "aws:secretsmanager/secretVersion:SecretVersion",
  role: "aws:iam/role:Role",
  policy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  fn: "aws:lambda/function:Function",
  invocation: "aws:lambda/invocation:Invocation",
  image: "docker:index/image:Image",
  task: "aws:ecs/taskDefinition:TaskDefinition",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  rule: "aws:lb/listenerRule:ListenerRule",
  service: "aws:ecs/service:Service",
  certificate: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  postgresRole: "postgresql:index/role:Role",
} as const;
const ARN = "arn:aws:secretsmanager:synth-region-1:123456789012:secret";

function world(): GraphResource[] {
  const resource = (type: string, name: string, inputs: Record<string, unknown>, dependsOn: [string, string][] = []): GraphResource => ({
    urn: urn(type, name),
    type,
    name,
    custom: true,
    parent: undefined,
    provider: undefined,
    dependsOn: dependsOn.map(([t, n]) => urn(t, n)),
    inputs,
  });
  return [
    resource(T.vpc, "vpc", {}),
    resource(T.subnet, "private", { vpcId: "vpc-id" }, [[T.vpc, "vpc"]]),
    resource(T.table, "private", { vpcId: "vpc-id" }, [[T.vpc, "vpc"]]),
    resource(T.association, "private", { subnetId: "private-id", routeTableId: "private-id" }, [[T.subnet, "private"], [T.table, "private"]]),
    resource(T.route, "private-internet", { routeTableId: "private-id", destinationCidrBlock: "0.0.0.0/0" }, [[T.table, "private"]]),
    resource(T.group, "database", { vpcId: "vpc-id" }, [[T.vpc, "vpc"]]),
    resource(T.group, "provisioner", { vpcId: "vpc-id" }, [[T.vpc, "vpc"]]),
    resource(T.ingress, "database-from-provisioner", { securityGroupId: "database-id", referencedSecurityGroupId: "provisioner-id" }, [[T.group, "database"], [T.group, "provisioner"]]),
    resource(T.egress, "provisioner-to-database", { securityGroupId: "provisioner-id", referencedSecurityGroupId: "database-id" }, [[T.group, "database"], [T.group, "provisioner"]]),
    resource(T.db, "database", { identifier: "db", vpcSecurityGroupIds: ["database-id"] }, [[T.group, "database"]]),
    resource(T.secret, "master", {}),
    resource(T.version, "master", { secretId: "master-id" }, [[T.secret, "master"], [T.db, "database"]]),
    resource(T.secret, "login", {}),
    resource(T.version, "login", { secretId: "login-id" }, [[T.secret, "login"]]),
    resource(T.secret, "registry", {}),
    resource(T.version, "registry", { secretId: "registry-id" }, [[T.secret, "registry"]]),
    resource(T.role, "provisioner", { name: "provisioner" }),
    resource(T.attachment, "provisioner-vpc", { role: "provisioner" }, [[T.role, "provisioner"]]),
    resource(T.fn, "provisioner", { name: "provisioner", role: "arn:aws:iam::123456789012:role/provisioner", vpcConfig: { subnetIds: ["private-id"], securityGroupIds: ["provisioner-id"] } }, [
      [T.role, "provisioner"],
      [T.attachment, "provisioner-vpc"],
      [T.subnet, "private"],
      [T.association, "private"],
      [T.route, "private-internet"],
      [T.group, "provisioner"],
    ]),
    resource(
      T.invocation,
      "provisioner",
      { functionName: "provisioner", input: JSON.stringify({ masterSecretArn: `${ARN}:master`, roles: [{ name: "app", secretArn: `${ARN}:login` }] }) },
      [[T.fn, "provisioner"], [T.version, "master"], [T.version, "login"], [T.ingress, "database-from-provisioner"], [T.egress, "provisioner-to-database"]],
    ),
    resource(T.image, "app", { imageName: "ghcr.io/o/app:1" }),
    resource(T.role, "execution", { name: "execution" }),
    resource(T.policy, "execution", { role: "execution" }, [[T.role, "execution"]]),
    resource(
      T.task,
      "app",
      {
        family: "app",
        executionRoleArn: "arn:aws:iam::123456789012:role/execution",
        containerDefinitions: JSON.stringify([
          {
            image: "ghcr.io/o/app@sha256:" + createHash("sha256").update("ghcr.io/o/app:1").digest("hex"),
            repositoryCredentials: { credentialsParameter: `${ARN}:registry` },
            secrets: [{ name: "PASSWORD", valueFrom: `${ARN}:login:password::` }],
          },
        ]),
      },
      [[T.role, "execution"], [T.image, "app"], [T.secret, "registry"], [T.invocation, "provisioner"]],
    ),
    resource(T.certificate, "site", {}),
    resource(T.validation, "site", { certificateArn: "arn:aws:acm:synth-region-1:123456789012:certificate/site" }, [[T.certificate, "site"]]),
    resource(T.listener, "https", { certificateArn: "arn:aws:acm:synth-region-1:123456789012:certificate/site" }, [[T.validation, "site"]]),
    resource(T.targetGroup, "app", {}),
    resource(T.rule, "app", { actions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:synth-region-1:123456789012:targetgroup/app/synth" }] }, [[T.listener, "https"], [T.targetGroup, "app"]]),
    resource(
      T.service,
      "app",
      {
        taskDefinition: "arn:aws:ecs:synth-region-1:123456789012:task-definition/app:1",
        loadBalancers: [{ targetGroupArn: "arn:aws:elasticloadbalancing:synth-region-1:123456789012:targetgroup/app/synth" }],
        networkConfiguration: { subnets: ["private-id"] },
      },
      [[T.task, "app"], [T.rule, "app"], [T.policy, "execution"], [T.version, "registry"], [T.subnet, "private"], [T.association, "private"], [T.route, "private-internet"]],
    ),
  ];
}

/** The world with the edge from `from` to `to` taken away. */
function without(from: [string, string], to: [string, string]): GraphResource[] {
  return world().map((resource) =>
    resource.urn === urn(...from) ? { ...resource, dependsOn: resource.dependsOn.filter((dependency) => dependency !== urn(...to)) } : resource,
  );
}

/** The certificate has no mock ARN of its own: give it the one the listener names. */
jest.mock("../tools/synth/mocks", () => {
  const actual = jest.requireActual("../tools/synth/mocks") as typeof import("../tools/synth/mocks");
  return {
    ...actual,
    computedOutputs: (type: string, name: string, inputs: Record<string, unknown>) =>
      type === "aws:acm/certificate:Certificate" ? { arn: `arn:aws:acm:synth-region-1:123456789012:certificate/${name}` } : actual.computedOutputs(type, name, inputs),
  };
});

const messages = (missing: readonly MissingPrecondition[]) => missing.map((entry) => `${entry.kind}: ${entry.message}`);

describe("the model of the world", () => {
  it("is satisfied by the world wired as the program wires it", () => {
    expect(messages(missingPreconditions(world()))).toEqual([]);
  });

  it.each<[string, [string, string], [string, string], string[]]>([
    [
      "network-path: the provisioner runs before the database lets it in",
      [T.invocation, "provisioner"],
      [T.ingress, "database-from-provisioner"],
      ["network-path: provisioner (aws:lambda/invocation:Invocation) starts before database database and the path to it: it does not wait for database-from-provisioner"],
    ],
    [
      "secret-value: the provisioner runs before a credential's value is written",
      [T.invocation, "provisioner"],
      [T.version, "login"],
      [
        "secret-value: app (aws:ecs/service:Service) starts before the value of secret login: it does not wait for login",
        "secret-value: provisioner (aws:lambda/invocation:Invocation) starts before the value of secret login: it does not wait for login",
      ],
    ],
    [
      "role-policy: the function is created before its role may reach the VPC",
      [T.fn, "provisioner"],
      [T.attachment, "provisioner-vpc"],
      [
        "role-policy: provisioner (aws:lambda/function:Function) starts before the policies of the function's role provisioner: it does not wait for provisioner-vpc",
        "role-policy: provisioner (aws:lambda/invocation:Invocation) starts before the policies of the function's role provisioner: it does not wait for provisioner-vpc",
      ],
    ],
    [
      "database-login: the service starts before its database role exists",
      [T.task, "app"],
      [T.invocation, "provisioner"],
      [
        "secret-value: app (aws:ecs/service:Service) starts before the value of secret login: it does not wait for login",
        "database-login: app (aws:ecs/service:Service) starts before the database role whose credentials login holds: it does not wait for provisioner",
      ],
    ],
    [
      "image: the task's image is not pushed yet",
      [T.task, "app"],
      [T.image, "app"],
      [expect.stringMatching(/^image: app \(aws:ecs\/service:Service\) starts before its image ghcr\.io\/o\/app@sha256:[0-9a-f]{64}: it does not wait for app$/) as unknown as string],
    ],
    [
      "listener: the service starts before anything forwards to its target group",
      [T.service, "app"],
      [T.rule, "app"],
      ["listener: app (aws:ecs/service:Service) starts before a listener that forwards to target group app: it does not wait for app"],
    ],
    [
      "egress-route: the provisioner starts before its subnet routes out to Secrets Manager",
      [T.fn, "provisioner"],
      [T.route, "private-internet"],
      ["egress-route: provisioner (aws:lambda/invocation:Invocation) starts before a route out of subnet private: it does not wait for private-internet"],
    ],
    [
      "certificate: the listener is created before its certificate is validated",
      [T.listener, "https"],
      [T.validation, "site"],
      ["certificate: https (aws:lb/listener:Listener) starts before a validated certificate site: it does not wait for site"],
    ],
  ])("%s", (_story, from, to, expected) => {
    expect(messages(missingPreconditions(without(from, to)))).toEqual(expected);
  });

  it("is content with one route to a target group: a second rule it does not wait for is no gap", () => {
    const rule = world().find((resource) => resource.urn === urn(T.rule, "app")) as GraphResource;
    const second = { ...rule, urn: urn(T.rule, "app-second"), name: "app-second" };
    expect(messages(missingPreconditions([second, ...world()]))).toEqual([]);
  });

  it("refuses an image that nothing in the stack pushes, as a registry lookup on a new repository would", () => {
    const resources = world().filter((resource) => resource.type !== T.image).map((resource) => ({ ...resource, dependsOn: resource.dependsOn.filter((dependency) => dependency !== urn(T.image, "app")) }));
    expect(messages(missingPreconditions(resources))).toEqual([
      expect.stringMatching(/^image: app \(aws:ecs\/service:Service\) needs its image ghcr\.io\/o\/app@sha256:[0-9a-f]{64}: no resource of this stack builds or pushes it, so on a new repository it does not exist$/),
    ]);
  });

  it("refuses a connection to the private database from wherever pulumi up runs", () => {
    const resources = [...world(), { ...world()[0], urn: urn(T.postgresRole, "app"), type: T.postgresRole, name: "app", dependsOn: [] } as GraphResource];
    expect(messages(missingPreconditions(resources))).toEqual([
      "network-path: app (postgresql:index/role:Role) needs a connection to the database: it connects from wherever `pulumi up` runs, and the database is private in a VPC this run creates",
    ]);
  });
});
