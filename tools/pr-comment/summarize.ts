/**
 * One stack's preview reduced to what the comment shows: counts per op, the changed resources
 * (sorted by URN) with their property changes, committed files' old and new text, diagnostics.
 * Values here are already masked by structure (redact.ts, layer 1); the text masks follow in
 * safe-summary.ts, before anything is rendered.
 */
import { type DataCategory, dataCategory } from "./data-bearing";
import { NON_CHANGING_OPS } from "../../contracts/pr-comment";
import { HEADLINE_OPS, compareOps, isReplacementPart, primaryOp, resourceOps } from "./ops";
import type { PreviewDiagnostic, PreviewDigest, PreviewStep, PropertyDiff, ResourceState } from "./preview";
import { parsePropertyPath, valueAt } from "./property-path";
import { maskState } from "./redact";
import { parseUrn } from "./urn";
import { SECRET_TEXT, UNKNOWN_VALUE } from "./values";

/** The resource whose `content` input is a file the program commits, at `file`. */
export const REPOSITORY_FILE_TYPE = "github:index/repositoryFile:RepositoryFile";

export interface PropertyChange {
  /** The engine's property path (`rules.pullRequest`, `tags["a.b"]`). */
  readonly path: string;
  readonly kind: "add" | "delete" | "update";
  readonly forcesReplacement: boolean;
  /** Masked; undefined when the property did not exist. */
  readonly before: unknown;
  readonly after: unknown;
  /** A committed file's text: shown as a file diff, not as a value. */
  readonly isFileContent: boolean;
}

export interface FileChange {
  /** Path in the repository the file is committed to. */
  readonly path: string;
  /** Undefined for a new file. */
  readonly before: string | undefined;
  /** Undefined for a deleted file. */
  readonly after: string | undefined;
  /** Why the text cannot be shown (secret, known only after apply), when it cannot. */
  readonly unavailable?: string;
}

export interface ResourceChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The most consequential op (`primaryOp`), the one the comment names. */
  readonly op: string;
  /** Every op this resource counts as (`resourceOps`). */
  readonly ops: readonly string[];
  /** The raw step ops, e.g. create-replacement, replace, delete-replaced. */
  readonly stepOps: readonly string[];
  readonly id?: string;
  readonly dataCategory?: DataCategory;
  readonly protect: { readonly before?: boolean; readonly after?: boolean };
  readonly replaceReasons: readonly string[];
  readonly properties: readonly PropertyChange[];
  readonly file?: FileChange;
  /** The parent's URN (its component), when the engine gave one. */
  readonly parent?: string;
  /** URNs it depends on, before or after the change: `dependencies` and `propertyDependencies`, sorted. */
  readonly dependencies: readonly string[];
}

/** A resource the preview lists unchanged (`--show-sames`) that depends on a change, directly or through others. */
export interface DependentResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly op: string;
  readonly dataCategory?: DataCategory;
  readonly parent?: string;
  readonly dependencies: readonly string[];
}

export interface Diagnostic {
  readonly urn?: string;
  readonly severity: string;
  readonly message: string;
}

export interface StackSummary {
  readonly stack: string;
  /** Op to count: the headline ops always (0 or not), others when present. */
  readonly counts: ReadonlyMap<string, number>;
  /** Resources that change (or whose protection does), sorted by URN. */
  readonly changes: readonly ResourceChange[];
  /** Unchanged resources that depend on a change, directly or through others, sorted by URN. */
  readonly dependents: readonly DependentResource[];
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
  readonly failed: boolean;
  readonly hasChanges: boolean;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function diffKind(kind: PropertyDiff["kind"]): PropertyChange["kind"] {
  return kind.startsWith("add") ? "add" : kind.startsWith("delete") ? "delete" : "update";
}

/** Keys the engine adds to inputs for its own bookkeeping (`__defaults`), not the program's. */
const isBookkeeping = (key: string) => key.startsWith("__");

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface MergedSteps {
  readonly oldState?: ResourceState;
  readonly newState?: ResourceState;
  readonly diffReasons: readonly string[];
  readonly replaceReasons: readonly string[];
  readonly detailedDiff: Readonly<Record<string, PropertyDiff>>;
}

/** The steps of one URN as one: the replacement's halves each carry part of the story. */
function mergeSteps(steps: readonly PreviewStep[]): MergedSteps {
  // The logical step first: it carries both states and the reasons. Then the engine's order, so the
  // result does not depend on the order the steps were listed in.
  const ordered = [...steps].sort((a, b) => Number(b.op === "replace") - Number(a.op === "replace") || compareOps(a.op, b.op));
  const detailedDiff: Record<string, PropertyDiff> = {};
  for (const step of ordered) {
    for (const [path, diff] of Object.entries(step.detailedDiff ?? {})) detailedDiff[path] ??= diff;
  }
  return {
    oldState: ordered.find((step) => step.oldState)?.oldState ?? undefined,
    newState: ordered.find((step) => step.newState)?.newState ?? undefined,
    diffReasons: [...new Set(ordered.flatMap((step) => step.diffReasons ?? []))],
    replaceReasons: [...new Set(ordered.flatMap((step) => step.replaceReasons ?? []))],
    detailedDiff,
  };
}

function propertyChanges(op: string, type: string, merged: MergedSteps, oldState?: ResourceState, newState?: ResourceState): PropertyChange[] {
  const replaceReasons = new Set(merged.replaceReasons);
  const change = (path: string, kind: PropertyChange["kind"], before: unknown, after: unknown, forces: boolean): PropertyChange => ({
    path,
    kind,
    forcesReplacement: forces || replaceReasons.has(String(parsePropertyPath(path)[0])),
    before,
    after,
    isFileContent: type === REPOSITORY_FILE_TYPE && path === "content",
  });

  if (op === "create" || op === "import") {
    return Object.entries(newState?.inputs ?? {})
      .filter(([key]) => !isBookkeeping(key))
      .map(([key, value]) => change(key, "add", undefined, value, false));
  }
  if (!oldState || !newState) return [];

  const detailed = Object.entries(merged.detailedDiff).filter(([path]) => !isBookkeeping(path));
  if (detailed.length > 0) {
    return detailed.map(([path, diff]) => {
      const segments = parsePropertyPath(path);
      const oldSide = diff.inputDiff ? oldState.inputs : (oldState.outputs ?? oldState.inputs);
      let before = valueAt(oldSide, segments);
      if (before === undefined && !diff.inputDiff) before = valueAt(oldState.inputs, segments);
      const after = valueAt(newState.inputs, segments);
      const kind = diffKind(diff.kind);
      return change(path, kind, kind === "add" ? undefined : before, kind === "delete" ? undefined : after, diff.kind.endsWith("-replace"));
    });
  }

  const oldInputs = oldState.inputs ?? {};
  const newInputs = newState.inputs ?? {};
  let keys = [...new Set([...merged.diffReasons, ...merged.replaceReasons])];
  // A provider without diff details and without reasons: compare the inputs ourselves.
  if (keys.length === 0) keys = [...new Set([...Object.keys(oldInputs), ...Object.keys(newInputs)])].filter((key) => !sameValue(oldInputs[key], newInputs[key]));
  return keys
    .filter((key) => !isBookkeeping(key))
    .map((key) => {
      const before = oldInputs[key];
      const after = newInputs[key];
      return change(key, before === undefined ? "add" : after === undefined ? "delete" : "update", before, after, false);
    });
}

function fileChange(op: string, name: string, properties: readonly PropertyChange[], oldState?: ResourceState, newState?: ResourceState): FileChange | undefined {
  const path = newState?.inputs?.file ?? oldState?.inputs?.file ?? name;
  const oldText = oldState?.inputs?.content ?? oldState?.outputs?.content;
  const newText = newState?.inputs?.content;
  let before: unknown;
  let after: unknown;
  if (op === "create" || op === "import") {
    after = newText;
  } else if (op === "delete") {
    before = oldText;
  } else if (op === "update" || op === "replace") {
    if (!properties.some((property) => property.isFileContent) && sameValue(oldText, newText)) return undefined;
    before = oldText;
    after = newText;
  } else {
    return undefined;
  }
  const unavailable = [before, after].includes(SECRET_TEXT)
    ? "its content is secret"
    : [before, after].includes(UNKNOWN_VALUE)
      ? "its new content is known only after `pulumi up`"
      : (before !== undefined && typeof before !== "string") || (after !== undefined && typeof after !== "string")
        ? "its content is not text"
        : undefined;
  return {
    path: String(path),
    before: unavailable ? undefined : (before as string | undefined),
    after: unavailable ? undefined : (after as string | undefined),
    ...(unavailable ? { unavailable } : {}),
  };
}

function summarizeResource(urn: string, steps: readonly PreviewStep[]): ResourceChange {
  const merged = mergeSteps(steps);
  const oldState = maskState(merged.oldState);
  const newState = maskState(merged.newState);
  const stepOps = steps.map((step) => step.op).sort(compareOps);
  const ops = resourceOps(stepOps);
  const op = primaryOp(ops);
  const { type: urnType, name } = parseUrn(urn);
  const type = newState?.type ?? oldState?.type ?? urnType;
  const properties = propertyChanges(op, type, merged, oldState, newState).sort((a, b) => byString(a.path, b.path));
  const file = type === REPOSITORY_FILE_TYPE ? fileChange(op, name, properties, oldState, newState) : undefined;
  const category = dataCategory(type);
  const id = oldState?.id ?? newState?.id;
  const parent = newState?.parent ?? oldState?.parent;
  return {
    urn,
    type,
    name,
    op,
    ops,
    stepOps,
    ...(id && id !== UNKNOWN_VALUE ? { id } : {}),
    ...(category ? { dataCategory: category } : {}),
    // `protect` is omitted from the JSON when false.
    protect: { before: oldState ? oldState.protect === true : undefined, after: newState ? newState.protect === true : undefined },
    replaceReasons: [...merged.replaceReasons].sort(byString),
    properties,
    ...(file ? { file } : {}),
    ...(parent ? { parent } : {}),
    dependencies: dependenciesOf(merged.oldState, merged.newState),
  };
}

/** What either state says the resource depends on, each URN once, sorted; never itself. */
function dependenciesOf(...states: (ResourceState | undefined)[]): string[] {
  const urns = new Set<string>();
  for (const state of states) {
    for (const urn of state?.dependencies ?? []) urns.add(urn);
    for (const list of Object.values(state?.propertyDependencies ?? {})) for (const urn of list ?? []) urns.add(urn);
    if (state) urns.delete(state.urn);
  }
  return [...urns].sort(byString);
}

/** Resources that are not changes but depend on one, directly or through other such resources. */
function dependentsOf(resources: readonly ResourceChange[], changes: readonly ResourceChange[]): DependentResource[] {
  const reached = new Set(changes.map((change) => change.urn));
  // Who depends on each resource: one walk from the changes then visits each edge once, so a long
  // chain of dependents costs its length, not its length squared.
  const dependents = new Map<string, ResourceChange[]>();
  for (const resource of resources) {
    if (reached.has(resource.urn)) continue;
    for (const urn of resource.dependencies) {
      const list = dependents.get(urn);
      if (list) list.push(resource);
      else dependents.set(urn, [resource]);
    }
  }
  const found: ResourceChange[] = [];
  const queue = [...reached];
  for (let index = 0; index < queue.length; index++) {
    for (const resource of dependents.get(queue[index] as string) ?? []) {
      if (reached.has(resource.urn)) continue;
      reached.add(resource.urn);
      found.push(resource);
      queue.push(resource.urn);
    }
  }
  return found
    .sort((a, b) => byString(a.urn, b.urn))
    .map(({ urn, type, name, op, dataCategory, parent, dependencies }) => ({ urn, type, name, op, ...(dataCategory ? { dataCategory } : {}), ...(parent ? { parent } : {}), dependencies }));
}

/** Strips terminal colours a diagnostic may still carry. */
// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

function toDiagnostic(diagnostic: PreviewDiagnostic): Diagnostic {
  const message = diagnostic.message ?? "";
  const prefix = diagnostic.prefix && !message.startsWith(diagnostic.prefix) ? diagnostic.prefix : "";
  return {
    ...(diagnostic.urn ? { urn: diagnostic.urn } : {}),
    severity: diagnostic.severity ?? "error",
    message: stripAnsi(prefix + message).replace(/\s+$/, ""),
  };
}

export const isChanging = (op: string) => !NON_CHANGING_OPS.has(op);

export const protectionChanged = (change: ResourceChange) =>
  change.protect.before !== undefined && change.protect.after !== undefined && change.protect.before !== change.protect.after;

/** What an otherwise unchanged resource's change is when only its protection changes, else undefined. */
export const protectionOp = (change: ResourceChange): "protect" | "unprotect" | undefined =>
  change.op === "same" && protectionChanged(change) ? (change.protect.after ? "protect" : "unprotect") : undefined;

export function summarize(stack: string, preview: PreviewDigest): StackSummary {
  const byUrn = new Map<string, PreviewStep[]>();
  for (const step of preview.steps) {
    const group = byUrn.get(step.urn);
    if (group) group.push(step);
    else byUrn.set(step.urn, [step]);
  }
  const resources = [...byUrn.entries()].sort(([a], [b]) => byString(a, b)).map(([urn, steps]) => summarizeResource(urn, steps));

  const counts = new Map<string, number>(HEADLINE_OPS.map((op) => [op, 0]));
  for (const resource of resources) for (const op of resource.ops) counts.set(op, (counts.get(op) ?? 0) + 1);
  // The engine's own counts include what `--json` leaves out of `steps` (unchanged resources).
  for (const [op, count] of Object.entries(preview.changeSummary ?? {})) {
    if (!isReplacementPart(op)) counts.set(op, Math.max(counts.get(op) ?? 0, count));
  }

  const diagnostics = preview.diagnostics.map(toDiagnostic);
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  const changes = resources.filter((resource) => resource.ops.some(isChanging) || protectionChanged(resource));
  return {
    stack,
    counts,
    changes,
    dependents: dependentsOf(resources, changes),
    errors,
    warnings: diagnostics.filter((diagnostic) => diagnostic.severity === "warning"),
    failed: errors.length > 0,
    hasChanges: changes.length > 0 || [...counts].some(([op, count]) => isChanging(op) && count > 0),
  };
}
