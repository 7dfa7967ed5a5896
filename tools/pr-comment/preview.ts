/**
 * What `pulumi preview --json` prints, and a parser that says precisely what is wrong with a file
 * that is not that.
 *
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/go/common/display/json.go (PreviewDigest,
 *   PreviewStep, PropertyDiff, PreviewDiagnostic)
 * @see https://github.com/pulumi/pulumi/blob/master/pkg/backend/display/json.go (ShowPreviewDigest:
 *   secrets are replaced with "[secret]"; `same` steps are left out unless `--show-sames`; the
 *   replacement's create/delete halves only with `--show-replacement-steps`)
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/core.go (ResourceV3)
 */
import { isObject } from "./values";

/** `detailedDiff[path].kind`: the engine's `DiffKind.String()`. */
export type DiffKind = "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

export const DIFF_KINDS: readonly DiffKind[] = ["add", "add-replace", "delete", "delete-replace", "update", "update-replace"];

export interface PropertyDiff {
  readonly kind: DiffKind;
  /** True when old and new inputs were compared; false when old state (outputs) and new inputs. */
  readonly inputDiff: boolean;
}

/** A resource's state as the engine serializes it (`apitype.ResourceV3`), the fields read here. */
export interface ResourceState {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly parent?: string;
  /** URNs the resource waits for: its `dependsOn` and every resource an input came from. */
  readonly dependencies?: readonly string[];
  /** Input property to the URNs its value came from; null for a property that came from none. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[] | null>>;
  readonly protect?: boolean;
  readonly provider?: string;
  readonly additionalSecretOutputs?: readonly string[];
}

export interface PreviewStep {
  /** One of `STEP_OPS`; kept as a string so a newer engine's op is shown rather than refused. */
  readonly op: string;
  readonly urn: string;
  readonly provider?: string;
  readonly oldState?: ResourceState;
  readonly newState?: ResourceState;
  /** Top-level keys that differ (update steps). */
  readonly diffReasons?: readonly string[];
  /** Top-level keys that force the replacement (replace steps). */
  readonly replaceReasons?: readonly string[];
  /** Property path (`a.b[0]["c.d"]`) to its difference; `null` when the provider gave none. */
  readonly detailedDiff?: Readonly<Record<string, PropertyDiff>> | null;
}

/** `diag.Severity`: "debug" | "info" | "info#err" | "warning" | "error". */
export interface PreviewDiagnostic {
  readonly urn?: string;
  readonly prefix?: string;
  readonly message?: string;
  readonly severity?: string;
}

export interface PreviewDigest {
  readonly config?: Readonly<Record<string, string>>;
  readonly steps: readonly PreviewStep[];
  readonly diagnostics: readonly PreviewDiagnostic[];
  /** Go's `time.Duration`: nanoseconds. */
  readonly duration?: number;
  /** Op to count, logical steps only (one `replace` per replacement). Absent when the preview failed early. */
  readonly changeSummary?: Readonly<Record<string, number>>;
  readonly maybeCorrupt?: boolean;
}

/** The file is JSON but not a preview; the message says which part and why. */
export class PreviewFormatError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("; "));
    this.name = "PreviewFormatError";
  }
}

/** The file is not JSON at all. */
export class PreviewJsonError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "PreviewJsonError";
  }
}


const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/** Problems with one resource state; empty when it is usable. */
function stateProblems(state: unknown, where: string): string[] {
  if (!isObject(state)) return [`${where} must be an object`];
  const problems: string[] = [];
  if (typeof state.type !== "string") problems.push(`${where}.type must be a string`);
  for (const key of ["inputs", "outputs"] as const) {
    if (state[key] !== undefined && state[key] !== null && !isObject(state[key])) problems.push(`${where}.${key} must be an object`);
  }
  for (const key of ["additionalSecretOutputs", "dependencies"] as const) {
    if (state[key] !== undefined && state[key] !== null && !isStringArray(state[key])) problems.push(`${where}.${key} must be a list of strings`);
  }
  if (state.parent !== undefined && state.parent !== null && typeof state.parent !== "string") problems.push(`${where}.parent must be a URN`);
  const propertyDependencies = state.propertyDependencies;
  if (propertyDependencies !== undefined && propertyDependencies !== null && (!isObject(propertyDependencies) || !Object.values(propertyDependencies).every((urns) => urns === null || isStringArray(urns)))) {
    problems.push(`${where}.propertyDependencies must map each property to a list of URNs`);
  }
  return problems;
}

/**
 * What the engine names its ops with (`create-replacement`, `discard`): a newer engine's op is
 * shown as it is, but only one of this shape, so an op cannot carry Markdown into the comment.
 */
const OP_NAME = /^[a-z]+(?:-[a-z]+)*$/;

function stepProblems(step: unknown, where: string): string[] {
  if (!isObject(step)) return [`${where} must be an object`];
  const problems: string[] = [];
  if (typeof step.op !== "string" || !OP_NAME.test(step.op)) {
    const got = typeof step.op === "string" ? JSON.stringify(step.op.slice(0, 40)) : step.op === undefined ? "none" : `a ${typeof step.op}`;
    problems.push(`${where}.op must be an op name (lowercase letters and "-", e.g. "update"), got ${got}`);
  }
  if (typeof step.urn !== "string" || !step.urn.startsWith("urn:pulumi:")) problems.push(`${where}.urn must be a Pulumi URN ("urn:pulumi:...")`);
  for (const key of ["oldState", "newState"] as const) {
    if (step[key] !== undefined && step[key] !== null) problems.push(...stateProblems(step[key], `${where}.${key}`));
  }
  for (const key of ["diffReasons", "replaceReasons"] as const) {
    if (step[key] !== undefined && step[key] !== null && !isStringArray(step[key])) problems.push(`${where}.${key} must be a list of strings`);
  }
  const detailed = step.detailedDiff;
  if (detailed !== undefined && detailed !== null) {
    if (!isObject(detailed)) {
      problems.push(`${where}.detailedDiff must be an object`);
    } else {
      for (const [path, diff] of Object.entries(detailed)) {
        if (!isObject(diff) || !DIFF_KINDS.includes(diff.kind as DiffKind)) {
          problems.push(`${where}.detailedDiff[${JSON.stringify(path)}].kind must be one of ${DIFF_KINDS.join(", ")}`);
        }
      }
    }
  }
  return problems;
}

/** At most this many problems are listed: a wrong file would otherwise list one per step. */
const MAX_PROBLEMS = 5;

/**
 * Parses the stdout of `pulumi preview --json`. A failed preview (diagnostics, perhaps no steps and
 * no change summary) is a preview; JSON without any of `steps`, `changeSummary` or `diagnostics`
 * is not.
 */
/**
 * How deep a value in a preview may nest. Pulumi's own (task definitions, policies) stay far below;
 * a deeper one is hostile or broken, and the comment's walkers recurse.
 */
export const MAX_VALUE_DEPTH = 64;

/** The path of the first value nested deeper than MAX_VALUE_DEPTH, walking without recursion. */
function tooDeep(document: unknown): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: document, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as (typeof stack)[number];
    if (value === null || typeof value !== "object") continue;
    if (depth > MAX_VALUE_DEPTH) return path || "(top level)";
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: Array.isArray(value) ? `${path}[${key}]` : `${path}${path ? "." : ""}${key}`, depth: depth + 1 });
  }
  return undefined;
}

export function parsePreview(text: string): PreviewDigest {
  let document: unknown;
  try {
    // A byte-order mark is what a Windows editor leaves; JSON.parse refuses it.
    document = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    // RangeError too: nesting deep enough overflows the parser's own stack.
    throw new PreviewJsonError((err as Error).message);
  }
  const deep = tooDeep(document);
  if (deep !== undefined) {
    throw new PreviewFormatError([`a value is nested more than ${MAX_VALUE_DEPTH} levels deep (at ${deep.length > 120 ? `${deep.slice(0, 117)}...` : deep})`]);
  }
  if (!isObject(document)) {
    throw new PreviewFormatError([`the top level is ${Array.isArray(document) ? "a list" : typeof document === "object" ? "null" : `a ${typeof document}`}, not an object`]);
  }
  if (!("steps" in document) && !("changeSummary" in document) && !("diagnostics" in document)) {
    const keys = Object.keys(document);
    throw new PreviewFormatError([
      `it has none of "steps", "changeSummary", "diagnostics"${keys.length ? ` (its keys: ${keys.slice(0, 5).map((key) => JSON.stringify(key)).join(", ")}${keys.length > 5 ? ", ..." : ""})` : " (it is an empty object)"}`,
    ]);
  }
  const problems: string[] = [];
  const steps = document.steps ?? [];
  if (!Array.isArray(steps)) problems.push('"steps" must be a list');
  else steps.forEach((step, index) => problems.push(...stepProblems(step, `steps[${index}]`)));
  const diagnostics = document.diagnostics ?? [];
  if (!Array.isArray(diagnostics)) problems.push('"diagnostics" must be a list');
  else
    diagnostics.forEach((diagnostic, index) => {
      if (!isObject(diagnostic)) problems.push(`diagnostics[${index}] must be an object`);
      else if (diagnostic.message !== undefined && typeof diagnostic.message !== "string") problems.push(`diagnostics[${index}].message must be a string`);
    });
  const summary = document.changeSummary;
  if (summary !== undefined && summary !== null) {
    if (!isObject(summary)) problems.push('"changeSummary" must be an object');
    else
      for (const [op, count] of Object.entries(summary)) {
        if (!OP_NAME.test(op)) problems.push(`changeSummary key ${JSON.stringify(op)} must be an op name (lowercase letters and "-", e.g. "update")`);
        else if (!Number.isInteger(count) || (count as number) < 0) problems.push(`changeSummary[${JSON.stringify(op)}] must be a count (a whole number >= 0)`);
      }
  }
  if (document.config !== undefined && document.config !== null && !isObject(document.config)) problems.push('"config" must be an object');
  if (problems.length > 0) {
    throw new PreviewFormatError(problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `${problems.length - MAX_PROBLEMS} more`] : problems);
  }
  return {
    config: document.config as PreviewDigest["config"],
    steps: steps as PreviewStep[],
    diagnostics: diagnostics as PreviewDiagnostic[],
    duration: typeof document.duration === "number" ? document.duration : undefined,
    changeSummary: (summary ?? undefined) as PreviewDigest["changeSummary"],
    maybeCorrupt: document.maybeCorrupt === true,
  };
}
