/**
 * Does a first `pulumi up` from empty state converge? The engine starts a resource once everything
 * it waits for is done (tools/rebuild-plan/graph.ts), and nothing else is promised: with enough
 * parallelism, anything it does not wait for may still be in flight. So for each resource this
 * checks that what the cloud needs to exist when that resource is created is among what it waits
 * for, directly or through others — the model of the world below, one rule per precondition kind.
 *
 * Values are matched the way synth's mock providers make them (tools/synth/mocks.ts): an ID is
 * `<name>-id`, ARNs and names are the computed outputs. A value nothing in the stack produced is
 * external (config, an existing account resource) and is taken to exist.
 */
import { computedOutputs } from "../synth/mocks";
import { buildCreationGraph, type GraphResource } from "../rebuild-plan/graph";

export type PreconditionKind =
  | "network-path"
  | "secret-value"
  | "role-policy"
  | "database-login"
  | "image"
  | "listener"
  | "egress-route"
  | "certificate";

export interface MissingPrecondition {
  readonly kind: PreconditionKind;
  /** The resource that would start too early. */
  readonly urn: string;
  readonly message: string;
}

interface Need {
  readonly kind: PreconditionKind;
  readonly what: string;
  /** URNs that must be done before the resource starts; an empty list with `impossible` set fails outright. */
  readonly urns: readonly string[];
  /** One of `urns` is enough (any listener rule forwarding to a target group), not all. */
  readonly anyOf?: boolean;
  readonly impossible?: string;
}

const SECRET_ARN = /^(arn:aws[a-z-]*:secretsmanager:[^:]+:\d+:secret:[^:]+)/;
const short = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Every precondition a stack's resources miss on a first `pulumi up`, sorted; `[]` when it converges. */
export function missingPreconditions(resources: readonly GraphResource[]): MissingPrecondition[] {
  const graph = buildCreationGraph(resources);
  const world = new World(resources);
  const ancestors = new Map<string, ReadonlySet<string>>();
  const before = (urn: string): ReadonlySet<string> => {
    const known = ancestors.get(urn);
    if (known) return known;
    const result = new Set<string>();
    for (const dependency of graph.get(urn)?.waitsFor ?? []) {
      result.add(dependency);
      for (const transitive of before(dependency)) result.add(transitive);
    }
    ancestors.set(urn, result);
    return result;
  };

  const missing: MissingPrecondition[] = [];
  for (const [urn, node] of [...graph].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const done = before(urn);
    for (const need of world.needsOf(node.resource)) {
      const label = `${short(urn)} (${node.resource.type})`;
      if (need.impossible !== undefined) {
        missing.push({ kind: need.kind, urn, message: `${label} needs ${need.what}: ${need.impossible}` });
        continue;
      }
      const absent = need.urns.filter((required) => !done.has(required));
      if (need.anyOf && absent.length < need.urns.length) continue;
      if (absent.length > 0) {
        missing.push({ kind: need.kind, urn, message: `${label} starts before ${need.what}: it does not wait for ${absent.map(short).join(", ")}` });
      }
    }
  }
  return missing;
}

/** What the stack's resources produce, found by the values other resources use. */
class World {
  private readonly byValue = new Map<string, GraphResource>();
  private readonly all: readonly GraphResource[];

  constructor(resources: readonly GraphResource[]) {
    this.all = resources.filter((resource) => resource.custom);
    for (const resource of this.all) {
      const outputs = { ...computedOutputs(resource.type, resource.name, resource.inputs), ...resource.inputs };
      this.byValue.set(`${resource.type}|id|${resource.name}-id`, resource);
      for (const key of ["arn", "name", "repoDigest"]) {
        const value = outputs[key];
        if (typeof value === "string") this.byValue.set(`${resource.type}|${key}|${value}`, resource);
      }
    }
  }

  private find(type: string, key: string, value: unknown): GraphResource | undefined {
    return typeof value === "string" ? this.byValue.get(`${type}|${key}|${value}`) : undefined;
  }

  private ofType(type: string, where: (inputs: Record<string, unknown>) => boolean): GraphResource[] {
    return this.all.filter((resource) => resource.type === type && where(resource.inputs));
  }

  needsOf(resource: GraphResource): Need[] {
    const inputs = resource.inputs;
    switch (resource.type) {
      case "aws:ecs/service:Service":
        return this.serviceNeeds(inputs);
      case "aws:scheduler/schedule:Schedule": {
        const target = (inputs.target ?? {}) as Record<string, unknown>;
        const ecs = (target.ecsParameters ?? {}) as Record<string, unknown>;
        const network = ((ecs.networkConfiguration ?? {}) as Record<string, unknown>).subnets;
        return [...this.rolePolicies(target.roleArn, "the scheduler's role"), ...this.taskNeeds(ecs.taskDefinitionArn), ...this.routes(network)];
      }
      case "aws:lambda/function:Function":
        return this.rolePolicies(inputs.role, "the function's role");
      case "aws:lambda/invocation:Invocation":
        return this.invocationNeeds(inputs);
      case "aws:lb/listener:Listener":
        return this.certificate(inputs.certificateArn);
      default:
        if (resource.type.startsWith("postgresql:") || resource.type === "pulumi:providers:postgresql") {
          return [
            {
              kind: "network-path",
              what: "a connection to the database",
              urns: [],
              impossible: "it connects from wherever `pulumi up` runs, and the database is private in a VPC this run creates",
            },
          ];
        }
        return [];
    }
  }

  private serviceNeeds(inputs: Record<string, unknown>): Need[] {
    const needs: Need[] = [...this.taskNeeds(inputs.taskDefinition)];
    for (const balancer of (inputs.loadBalancers ?? []) as Record<string, unknown>[]) {
      const advanced = (balancer.advancedConfiguration ?? {}) as Record<string, unknown>;
      for (const arn of [balancer.targetGroupArn, advanced.alternateTargetGroupArn]) needs.push(...this.listenerFor(arn));
      needs.push(...this.rolePolicies(advanced.roleArn, "the load balancer role of its deployments"));
    }
    needs.push(...this.routes(((inputs.networkConfiguration ?? {}) as Record<string, unknown>).subnets));
    return needs;
  }

  /** A task starting: its secrets' values, its roles' policies, its image, the logins it uses. */
  private taskNeeds(taskDefinitionArn: unknown): Need[] {
    const task = this.find("aws:ecs/taskDefinition:TaskDefinition", "arn", taskDefinitionArn);
    if (!task) return [];
    const needs: Need[] = [
      ...this.rolePolicies(task.inputs.executionRoleArn, "its task execution role"),
      ...this.rolePolicies(task.inputs.taskRoleArn, "its task role"),
    ];
    const containers = JSON.parse(String(task.inputs.containerDefinitions ?? "[]")) as Record<string, unknown>[];
    for (const container of containers) {
      const credentials = ((container.repositoryCredentials ?? {}) as Record<string, unknown>).credentialsParameter;
      const secretArns = [credentials, ...((container.secrets ?? []) as { valueFrom: string }[]).map((secret) => secret.valueFrom)];
      for (const value of secretArns) {
        const arn = typeof value === "string" ? SECRET_ARN.exec(value)?.[1] : undefined;
        if (arn === undefined) continue;
        needs.push(...this.secretValue(arn));
        needs.push(...this.login(arn));
      }
      needs.push(this.image(String(container.image)));
    }
    return needs;
  }

  private secretValue(arn: string): Need[] {
    const secret = this.find("aws:secretsmanager/secret:Secret", "arn", arn);
    if (!secret) return [];
    const versions = this.ofType("aws:secretsmanager/secretVersion:SecretVersion", (inputs) => inputs.secretId === `${secret.name}-id`);
    return [{ kind: "secret-value", what: `the value of secret ${secret.name}`, urns: versions.map((version) => version.urn), ...(versions.length === 0 ? { impossible: `secret ${secret.name} has no version in this stack` } : {}) }];
  }

  /** A database credential is good once the provisioner that makes its role has run. */
  private login(arn: string): Need[] {
    const provisioners = this.ofType("aws:lambda/invocation:Invocation", (inputs) => {
      const request = JSON.parse(String(inputs.input ?? "{}")) as { roles?: { secretArn: string }[] };
      return (request.roles ?? []).some((role) => role.secretArn === arn);
    });
    const secret = this.find("aws:secretsmanager/secret:Secret", "arn", arn);
    return provisioners.map((invocation) => ({ kind: "database-login" as const, what: `the database role whose credentials ${secret?.name ?? arn} holds`, urns: [invocation.urn] }));
  }

  private rolePolicies(roleArn: unknown, which: string): Need[] {
    const role = this.find("aws:iam/role:Role", "arn", roleArn);
    if (!role) return [];
    const roleName = String(role.inputs.name ?? role.name);
    const policies = [
      ...this.ofType("aws:iam/rolePolicy:RolePolicy", (inputs) => inputs.role === roleName),
      ...this.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment", (inputs) => inputs.role === roleName),
    ];
    return policies.length === 0 ? [] : [{ kind: "role-policy", what: `the policies of ${which} ${roleName}`, urns: policies.map((policy) => policy.urn) }];
  }

  private image(reference: string): Need {
    const built = this.find("docker:index/image:Image", "repoDigest", reference);
    if (built) return { kind: "image", what: `its image ${reference}`, urns: [built.urn] };
    return {
      kind: "image",
      what: `its image ${reference}`,
      urns: [],
      impossible: "no resource of this stack builds or pushes it, so on a new repository it does not exist",
    };
  }

  private listenerFor(targetGroupArn: unknown): Need[] {
    const group = this.find("aws:lb/targetGroup:TargetGroup", "arn", targetGroupArn);
    if (!group) return [];
    const forwards = (actions: unknown) =>
      ((actions ?? []) as Record<string, unknown>[]).some(
        (action) =>
          action.targetGroupArn === targetGroupArn ||
          (((action.forward ?? {}) as Record<string, unknown>).targetGroups as { arn: string }[] | undefined)?.some((entry) => entry.arn === targetGroupArn),
      );
    const routes = [
      ...this.ofType("aws:lb/listenerRule:ListenerRule", (inputs) => forwards(inputs.actions)),
      ...this.ofType("aws:lb/listener:Listener", (inputs) => forwards(inputs.defaultActions)),
    ];
    // ECS refuses a target group that no listener forwards to.
    return [{ kind: "listener", what: `a listener that forwards to target group ${group.name}`, urns: routes.map((route) => route.urn), anyOf: true, ...(routes.length === 0 ? { impossible: `nothing forwards to target group ${group.name}` } : {}) }];
  }

  /** Tasks and functions call out (images, AWS APIs) as they start: their subnets must route out. */
  private routes(subnetIds: unknown): Need[] {
    const needs: Need[] = [];
    for (const subnetId of (subnetIds ?? []) as string[]) {
      const subnet = this.find("aws:ec2/subnet:Subnet", "id", subnetId);
      if (!subnet) continue;
      const associations = this.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation", (inputs) => inputs.subnetId === subnetId);
      const tables = new Set(associations.map((association) => association.inputs.routeTableId));
      const defaults = this.ofType("aws:ec2/route:Route", (inputs) => tables.has(inputs.routeTableId) && inputs.destinationCidrBlock === "0.0.0.0/0");
      needs.push({ kind: "egress-route", what: `a route out of subnet ${subnet.name}`, urns: [...associations, ...defaults].map((entry) => entry.urn) });
    }
    return needs;
  }

  private invocationNeeds(inputs: Record<string, unknown>): Need[] {
    const fn = this.find("aws:lambda/function:Function", "name", inputs.functionName);
    if (!fn) return [];
    const request = JSON.parse(String(inputs.input ?? "{}")) as { masterSecretArn?: string; roles?: { secretArn: string }[] };
    const needs: Need[] = [...this.rolePolicies(fn.inputs.role, "the function's role")];
    for (const arn of [request.masterSecretArn, ...(request.roles ?? []).map((role) => role.secretArn)]) if (arn) needs.push(...this.secretValue(arn));
    const vpc = (fn.inputs.vpcConfig ?? {}) as { subnetIds?: string[]; securityGroupIds?: string[] };
    needs.push(...this.routes(vpc.subnetIds));
    if (request.masterSecretArn === undefined) return needs;
    // A function that talks to the database: the server must exist and the path be open both ways.
    for (const database of this.ofType("aws:rds/instance:Instance", () => true)) {
      const path: string[] = [database.urn];
      for (const databaseGroup of (database.inputs.vpcSecurityGroupIds ?? []) as string[]) {
        for (const functionGroup of vpc.securityGroupIds ?? []) {
          const inbound = this.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (rule) => rule.securityGroupId === databaseGroup && rule.referencedSecurityGroupId === functionGroup);
          const outbound = this.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", (rule) => rule.securityGroupId === functionGroup && rule.referencedSecurityGroupId === databaseGroup);
          if (inbound.length === 0 || outbound.length === 0) {
            needs.push({ kind: "network-path", what: `a path to database ${database.name}`, urns: [], impossible: `no security-group rules let ${functionGroup} reach ${databaseGroup}` });
          }
          path.push(...inbound.map((rule) => rule.urn), ...outbound.map((rule) => rule.urn));
        }
      }
      needs.push({ kind: "network-path", what: `database ${database.name} and the path to it`, urns: path });
    }
    return needs;
  }

  private certificate(arn: unknown): Need[] {
    const certificate = this.find("aws:acm/certificate:Certificate", "arn", arn);
    if (!certificate) return [];
    const validations = this.ofType("aws:acm/certificateValidation:CertificateValidation", (inputs) => inputs.certificateArn === arn);
    return [{ kind: "certificate", what: `a validated certificate ${certificate.name}`, urns: validations.map((validation) => validation.urn), ...(validations.length === 0 ? { impossible: `certificate ${certificate.name} is never validated` } : {}) }];
  }
}
