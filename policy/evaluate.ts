/**
 * Runs the pack's policies over resources recorded offline (synth's mock runtime), the way the
 * engine runs them during `pulumi preview --policy-pack policy`: each resource policy once per
 * resource, each stack policy once over all of them, with arguments shaped like the engine's.
 *
 * Differences from the engine, all on the side of seeing less: secret inputs arrive redacted
 * ("[secret]") where the engine would pass their plaintext, so no policy reads a secret value; and
 * stack policies see inputs (plus the stack's outputs) where the engine passes outputs after an update.
 */
import type {
  PolicyConfigSchema,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ALL_POLICIES } from "./policies";
import { NO_CREDENTIALS_IN_PLAIN_VALUES, plainConfigCredentials } from "./policies/secrets";

/** What synth records of a registration (tools/synth/recording-monitor.ts, RecordedResource). */
export interface RecordedResourceLike {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | undefined;
  /** `<provider urn>::<provider id>`. */
  readonly provider: string | undefined;
  readonly dependsOn: readonly string[];
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
}

export type ViolationLevel = "mandatory" | "advisory";

export interface PolicyViolation {
  readonly policy: string;
  readonly level: ViolationLevel;
  /** The resource in violation; `null` for the stack as a whole. */
  readonly urn: string | null;
  readonly message: string;
}

export interface EvaluationInput {
  readonly resources: readonly RecordedResourceLike[];
  /** The stack's outputs: the stack resource's properties in stack policies. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Per resource URN, the resources each input property came from. */
  readonly propertyDependencies?: ReadonlyMap<string, Readonly<Record<string, readonly string[]>>>;
  /** The stack's config, for the plain-config part of no-credentials-in-plain-values. */
  readonly config?: { readonly values: Readonly<Record<string, string>>; readonly secretKeys: readonly string[] };
  /** As `pulumi preview --policy-pack-config` takes it: per policy, a level or `{enforcementLevel?, ...properties}`. */
  readonly policyConfig?: PolicyPackConfig;
  /** @default every policy of the pack */
  readonly policies?: readonly (ResourceValidationPolicy | StackValidationPolicy)[];
}

class NotApplicable extends Error {}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** Every violation, sorted by policy, resource and message. */
export async function evaluatePolicies(input: EvaluationInput): Promise<PolicyViolation[]> {
  const policies = input.policies ?? ALL_POLICIES;
  const byUrn = new Map(input.resources.map((resource) => [resource.urn, resource]));
  const violations: PolicyViolation[] = [];

  for (const policy of policies) {
    const level = enforcementLevel(policy, input.policyConfig);
    if (level === undefined) continue;
    const getConfig = configGetter(policy, input.policyConfig);
    const report = (urn: string | null) => (message: string) => violations.push({ policy: policy.name, level, urn, message });

    if ("validateStack" in policy) {
      const args: StackValidationArgs = {
        resources: policyResources(input, byUrn),
        stackTags: new Map(),
        getConfig,
        notApplicable: throwNotApplicable,
      };
      await skipIfNotApplicable(() => policy.validateStack(args, (message, urn) => report(urn ?? null)(message)));
      continue;
    }
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const resource of input.resources) {
      const args = resourceArgs(resource, byUrn, getConfig);
      for (const validate of validations) await skipIfNotApplicable(() => validate(args, report(resource.urn)));
    }
  }

  if (input.config !== undefined) {
    const plainValues = policies.find((policy) => policy.name === NO_CREDENTIALS_IN_PLAIN_VALUES);
    const level = plainValues && enforcementLevel(plainValues, input.policyConfig);
    const stack = input.resources.find((resource) => resource.type === STACK_TYPE);
    if (level !== undefined) {
      for (const message of plainConfigCredentials(input.config.values, input.config.secretKeys)) {
        violations.push({ policy: NO_CREDENTIALS_IN_PLAIN_VALUES, level, urn: stack?.urn ?? null, message });
      }
    }
  }

  const key = (violation: PolicyViolation) => [violation.policy, violation.urn ?? "", violation.message];
  return violations.sort((a, b) => compareTuples(key(a), key(b)));
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < a.length; index++) {
    const [x, y] = [a[index] ?? "", b[index] ?? ""];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

async function skipIfNotApplicable(validation: () => Promise<void> | void): Promise<void> {
  try {
    await validation();
  } catch (error) {
    if (!(error instanceof NotApplicable)) throw error;
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

/** The level a policy runs at under `config` (the engine's rule: config, then the policy's own); `undefined` when disabled. */
export function enforcementLevel(policy: { readonly name: string; readonly enforcementLevel?: string }, config: PolicyPackConfig | undefined): ViolationLevel | undefined {
  const levelIn = (entry: PolicyPackConfig[string] | undefined) => (typeof entry === "string" ? entry : entry?.enforcementLevel);
  // `all` sets every policy's level, as in the Pulumi CLI; a policy's own entry wins over it.
  const level = levelIn(config?.[policy.name]) ?? levelIn(config?.all) ?? policy.enforcementLevel ?? "advisory";
  if (level === "disabled") return undefined;
  // A remediation that still leaves a violation is reported as mandatory by the engine.
  return level === "advisory" ? "advisory" : "mandatory";
}

/** The policy's config: its schema's defaults, overridden by what `config` sets. */
function configGetter(policy: { readonly name: string; readonly configSchema?: PolicyConfigSchema }, config: PolicyPackConfig | undefined) {
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, schema]) => schema.default !== undefined)
      .map(([key, schema]) => [key, schema.default]),
  );
  const configured = config?.[policy.name];
  const properties = typeof configured === "object" ? Object.fromEntries(Object.entries(configured).filter(([key]) => key !== "enforcementLevel")) : {};
  return <T extends object>(): T => ({ ...defaults, ...properties }) as T;
}

function resourceOptions(resource: RecordedResourceLike): PolicyResourceOptions {
  const { options } = resource;
  return {
    protect: options.protect === true,
    ignoreChanges: Array.isArray(options.ignoreChanges) ? (options.ignoreChanges as string[]) : [],
    ...(options.deleteBeforeReplace === true ? { deleteBeforeReplace: true } : {}),
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(resource.parent !== undefined ? { parent: resource.parent } : {}),
  };
}

function providerOf(resource: RecordedResourceLike, byUrn: ReadonlyMap<string, RecordedResourceLike>): PolicyProviderResource | undefined {
  const urn = resource.provider?.split("::").slice(0, -1).join("::");
  const provider = urn === undefined ? undefined : byUrn.get(urn);
  return provider && { type: provider.type, props: { ...provider.inputs }, urn: provider.urn, name: provider.name };
}

/** `resourceClass.__pulumiType`: how generated SDK classes carry their type token. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: unknown }).__pulumiType === type;
}

function resourceArgs(
  resource: RecordedResourceLike,
  byUrn: ReadonlyMap<string, RecordedResourceLike>,
  getConfig: ResourceValidationArgs["getConfig"],
): ResourceValidationArgs {
  const props = { ...resource.inputs };
  const provider = providerOf(resource, byUrn);
  return {
    type: resource.type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: resourceOptions(resource),
    ...(provider !== undefined ? { provider } : {}),
    stackTags: new Map(),
    isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
    asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig,
    notApplicable: throwNotApplicable,
  };
}

/** The stack as a stack policy sees it: resources linked to their parent and dependencies. */
function policyResources(input: EvaluationInput, byUrn: ReadonlyMap<string, RecordedResourceLike>): PolicyResource[] {
  const linked = new Map<string, PolicyResource>();
  for (const resource of input.resources) {
    const props = resource.type === STACK_TYPE ? { ...(input.outputs ?? {}) } : { ...resource.inputs };
    const provider = providerOf(resource, byUrn);
    linked.set(resource.urn, {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: resourceOptions(resource),
      ...(provider !== undefined ? { provider } : {}),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
    });
  }
  const resolve = (urns: readonly string[]) => urns.map((urn) => linked.get(urn)).filter((found): found is PolicyResource => found !== undefined);
  for (const resource of input.resources) {
    const target = linked.get(resource.urn) as PolicyResource;
    const parent = resource.parent === undefined ? undefined : linked.get(resource.parent);
    if (parent !== undefined) target.parent = parent;
    target.dependencies = resolve(resource.dependsOn);
    for (const [property, urns] of Object.entries(input.propertyDependencies?.get(resource.urn) ?? {})) {
      target.propertyDependencies[property] = resolve(urns);
    }
  }
  return [...linked.values()];
}
