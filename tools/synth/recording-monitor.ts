import * as pulumi from "@pulumi/pulumi";
// MockMonitor is public in the module but not re-exported by `pulumi.runtime`.
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

/** One registered resource as the engine would receive it, secrets already redacted. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** The parent's URN; absent for the root stack. */
  readonly parent: string | undefined;
  /** `<provider urn>::<provider id>` for custom resources with an explicit provider. */
  readonly provider: string | undefined;
  /** URNs this resource waits for: explicit `dependsOn` and those its inputs came from. */
  readonly dependsOn: readonly string[];
  readonly inputs: Record<string, unknown>;
  /** Resource options that change the engine's behaviour, when set. */
  readonly options: Readonly<Record<string, unknown>>;
}

export const REDACTED = "[secret]";

/**
 * Replaces every secret in a value serialized for the engine with "[secret]". Secrets travel as
 * objects tagged with Pulumi's special signature key; nothing else in the value is touched.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return REDACTED;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record)) out[key] = redactSecrets(record[key]);
    return out;
  }
  return value;
}

// The subset of the engine's RegisterResourceRequest (resource_pb) that is recorded.
interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): structproto.Struct | undefined;
  getAdditionalsecretoutputsList(): string[];
  getProtect(): boolean | undefined;
  getIgnorechangesList(): string[];
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
}

interface RegisterResourceOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

type Callback = (err: unknown, response: unknown) => void;

/**
 * Pulumi's own MockMonitor with engine-faithful URNs, plus a record of what each registration asked of the engine: parent,
 * provider, dependencies and options, which the public `Mocks` interface does not see.
 */
export class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];
  readonly outputsByUrn = new Map<string, unknown>();

  constructor(
    mocks: pulumi.runtime.Mocks,
    private readonly computedOutputs: (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>,
  ) {
    super(mocks);
  }

  override async registerResource(req: RegisterResourceRequest, callback: Callback): Promise<void> {
    try {
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent() || undefined;
      const urn = urnOf(parent, type, name);
      const rawInputs = req.getObject()?.toJavaScript() ?? {};
      this.record(req, urn, type, name, parent, rawInputs);

      // The response is the inputs as the SDK serialized them (secrets keep their markers) plus the
      // provider's computed outputs, which are plain values: no round trip through the SDK's
      // (de)serializers, which would cost more than the rest of a registration.
      const id = `${name}-id`;
      const state = { ...this.computedOutputs(type, name, rawInputs), ...rawInputs };
      this.resources.set(urn, { urn, id, state });
      callback(null, registerResponse(urn, id, state));
    } catch (err) {
      callback(err, undefined);
    }
  }

  private record(
    req: RegisterResourceRequest,
    urn: string,
    type: string,
    name: string,
    parent: string | undefined,
    rawInputs: Record<string, unknown>,
  ): void {
    const inputs = redactSecrets(rawInputs) as Record<string, unknown>;
    // Providers mark some plain inputs secret only on the way out (github's token read from the
    // environment): redact those too.
    for (const key of req.getAdditionalsecretoutputsList()) {
      if (key in inputs) inputs[key] = REDACTED;
    }
    const options: Record<string, unknown> = {};
    if (req.getProtect()) options.protect = true;
    if (req.getRetainondelete()) options.retainOnDelete = true;
    if (req.getDeletebeforereplace()) options.deleteBeforeReplace = true;
    if (req.getIgnorechangesList().length > 0) options.ignoreChanges = [...req.getIgnorechangesList()].sort();
    this.recorded.push({
      urn,
      type,
      name,
      custom: req.getCustom(),
      parent,
      provider: req.getProvider() || undefined,
      dependsOn: [...new Set(req.getDependenciesList())].sort(),
      inputs,
      options,
    });
  }

  override registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: Callback): void {
    this.outputsByUrn.set(req.getUrn(), redactSecrets(req.getOutputs()?.toJavaScript() ?? {}));
    super.registerResourceOutputs(req, callback);
  }
}

/**
 * What the SDK reads of a RegisterResourceResponse, as a plain object; the SDK builds the same shape
 * itself when a registration fails. Not a protobuf message: the SDK logs every response at debug
 * level through a template string, and a message's toString renders it whole even though no engine
 * is there to receive the line, a third of a registration's time. Nor a protobuf Struct: the SDK
 * only reads it back with toJavaScript(), and `state` already holds plain JSON values (the request's
 * own toJavaScript() and the computed outputs), each object fresh to this registration.
 */
function registerResponse(urn: string, id: string, state: Record<string, unknown>) {
  return {
    getUrn: () => urn,
    getId: () => id,
    getObject: () => ({ toJavaScript: () => state }),
    getPropertydependenciesMap: () => undefined,
    getResult: () => resproto.Result.SUCCESS,
  };
}

/**
 * The URN the engine gives a resource: its parent's qualified type (the root stack left out), `$`,
 * its own type, then its name. Pulumi's MockMonitor keeps only the parent's last type, which
 * differs from what `pulumi preview` shows for anything nested twice.
 */
export function urnOf(parent: string | undefined, type: string, name: string): string {
  const parentType = parent?.split("::")[2];
  const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

const STACK_TYPE = "pulumi:pulumi:Stack";
