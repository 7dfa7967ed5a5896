/**
 * The one place the comment's data is masked: every string of every stack summary goes through
 * the redactor here, once, before any of it is rendered. The renderer takes only `SafeSummary`,
 * which nothing but `redactSummaries` produces, so a new rendering path cannot forget the masking:
 * it never sees a plaintext to leak.
 */
import { parsePropertyPath } from "./property-path";
import { type Redactor, looksLikeSecretKey } from "./redact";
import type { DependentResource, Diagnostic, FileChange, PropertyChange, ResourceChange, StackSummary } from "./summarize";
import { SECRET_TEXT, UNKNOWN_VALUE, isObject } from "./values";

declare const masked: unique symbol;

/** A stack summary whose every string has been through the redactor. */
export type SafeSummary = StackSummary & { readonly [masked]: true };


/** A flag such as `manageMasterUserPassword: true` reveals nothing; anything else under a credential's name does. */
const hidesValue = (value: unknown) => value !== undefined && value !== null && typeof value !== "boolean";

/** A property path with a segment named like a credential (`environment.DB_PASSWORD`). */
function isSecretPath(path: string): boolean {
  // An index ("[0]") names nothing, and its digits never look like a credential.
  return parsePropertyPath(path).some((segment) => looksLikeSecretKey(String(segment)));
}

/**
 * `value` with its strings masked, and masked by structure where text alone cannot tell: a scalar
 * under a key named like a credential, and the value of a `{name: "X_PASSWORD", value}` entry.
 */
function maskValue(value: unknown, redactor: Redactor): unknown {
  if (typeof value === "string") return value === SECRET_TEXT || value === UNKNOWN_VALUE ? value : redactor.text(value);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, redactor));
  if (!isObject(value)) return value;
  const namesSecret = typeof value.name === "string" && looksLikeSecretKey(value.name);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const scalar = !Array.isArray(item) && !isObject(item);
      const secret = scalar && hidesValue(item) && (looksLikeSecretKey(key) || (namesSecret && key === "value"));
      return [key, secret ? SECRET_TEXT : maskValue(item, redactor)];
    }),
  );
}

function maskProperty(property: PropertyChange, redactor: Redactor): PropertyChange {
  const secret = isSecretPath(property.path);
  const side = (value: unknown) => (secret && hidesValue(value) ? SECRET_TEXT : maskValue(value, redactor));
  return { ...property, path: redactor.text(property.path), before: side(property.before), after: side(property.after) };
}

function maskFile(file: FileChange, redactor: Redactor): FileChange {
  const text = (value: string | undefined) => (value === undefined ? undefined : redactor.text(value));
  return { ...file, path: redactor.text(file.path), before: text(file.before), after: text(file.after) };
}

function maskChange(change: ResourceChange, redactor: Redactor): ResourceChange {
  const text = (value: string) => redactor.text(value);
  return {
    ...maskResource(change, redactor),
    ops: change.ops.map(text),
    stepOps: change.stepOps.map(text),
    ...(change.id !== undefined ? { id: text(change.id) } : {}),
    replaceReasons: change.replaceReasons.map(text),
    properties: change.properties.map((property) => maskProperty(property, redactor)),
    ...(change.file ? { file: maskFile(change.file, redactor) } : {}),
  };
}

/** The fields a change and a dependent share: what names the resource and what it depends on. */
function maskResource<T extends DependentResource>(resource: T, redactor: Redactor): T {
  const text = (value: string) => redactor.text(value);
  return {
    ...resource,
    urn: text(resource.urn),
    type: text(resource.type),
    name: text(resource.name),
    op: text(resource.op),
    ...(resource.parent !== undefined ? { parent: text(resource.parent) } : {}),
    dependencies: resource.dependencies.map(text),
  };
}

function maskDiagnostic(diagnostic: Diagnostic, redactor: Redactor): Diagnostic {
  return {
    ...diagnostic,
    ...(diagnostic.urn !== undefined ? { urn: redactor.text(diagnostic.urn) } : {}),
    severity: redactor.text(diagnostic.severity),
    message: redactor.text(diagnostic.message),
  };
}

/** `summaries` with every string masked by `redactor`: what the renderer may print. */
export function redactSummaries(summaries: readonly StackSummary[], redactor: Redactor): SafeSummary[] {
  return summaries.map((summary) => {
    const safe: StackSummary = {
      ...summary,
      stack: redactor.text(summary.stack),
      counts: new Map([...summary.counts].map(([op, count]) => [redactor.text(op), count])),
      changes: summary.changes.map((change) => maskChange(change, redactor)),
      dependents: summary.dependents.map((dependent) => maskResource(dependent, redactor)),
      errors: summary.errors.map((diagnostic) => maskDiagnostic(diagnostic, redactor)),
      warnings: summary.warnings.map((diagnostic) => maskDiagnostic(diagnostic, redactor)),
    };
    return safe as SafeSummary;
  });
}
