/**
 * Updates that keep a resource but weaken what protects it: the comment's caution names them with
 * the replacements and deletions, because a reviewer skimming a diff of booleans misses them.
 */
import type { ResourceChange } from "./summarize";

type Side = "before" | "after";

/** The value at a dotted property path on one side of the change, drilling into a changed parent. */
function valueAt(change: ResourceChange, side: Side, path: string): unknown {
  for (const property of change.properties) {
    if (property.path === path) return property[side];
    if (path.startsWith(`${property.path}.`)) {
      let value: unknown = property[side];
      for (const key of path.slice(property.path.length + 1).split(".")) {
        value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
      }
      return value;
    }
  }
  return undefined;
}

const truthy = (value: unknown) => value === true || (typeof value === "string" && value.toLowerCase() === "true");
const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
const reviewerCount = (value: unknown) =>
  Array.isArray(value)
    ? value.reduce<number>((total, entry) => total + count((entry as Record<string, unknown> | null)?.users) + count((entry as Record<string, unknown> | null)?.teams), 0)
    : 0;

interface Check {
  readonly path: string;
  /** What the change does, when it weakens; undefined when it does not. */
  readonly weakens: (before: unknown, after: unknown) => string | undefined;
}

const turnedOff = (path: string, what: string): Check => ({ path, weakens: (before, after) => (truthy(before) && !truthy(after) ? what : undefined) });
const turnedOn = (path: string, what: string): Check => ({ path, weakens: (before, after) => (!truthy(before) && truthy(after) ? what : undefined) });
const lowered = (path: string, what: string): Check => ({
  path,
  weakens: (before, after) => (typeof before === "number" && (typeof after !== "number" || after < before) ? `${what} from ${before} to ${after ?? "unset"}` : undefined),
});

const DATABASE: readonly Check[] = [
  turnedOff("deletionProtection", "deletion protection turned off"),
  turnedOn("skipFinalSnapshot", "final snapshot skipped"),
  lowered("backupRetentionPeriod", "backup retention shortened"),
  turnedOff("multiAz", "Multi-AZ turned off"),
  turnedOn("publiclyAccessible", "made publicly accessible"),
  turnedOff("storageEncrypted", "encryption at rest turned off"),
];

const CHECKS: Readonly<Record<string, readonly Check[]>> = {
  "aws:rds/instance:Instance": DATABASE,
  "aws:rds/cluster:Cluster": DATABASE,
  "github:index/repositoryRuleset:RepositoryRuleset": [
    { path: "enforcement", weakens: (before, after) => (before === "active" && after !== "active" ? `ruleset no longer enforced (${String(after ?? "unset")})` : undefined) },
    lowered("rules.pullRequest.requiredApprovingReviewCount", "required approvals lowered"),
    { path: "bypassActors", weakens: (before, after) => (count(after) > count(before) ? `bypass actors added (${count(before)} to ${count(after)})` : undefined) },
  ],
  "github:index/repositoryEnvironment:RepositoryEnvironment": [
    { path: "reviewers", weakens: (before, after) => (reviewerCount(after) < reviewerCount(before) ? `required reviewers removed (${reviewerCount(before)} to ${reviewerCount(after)})` : undefined) },
    lowered("waitTimer", "wait timer shortened"),
    turnedOff("preventSelfReview", "self-review allowed"),
    turnedOn("canAdminsBypass", "administrators may bypass"),
  ],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map((flag) =>
    turnedOff(flag, `${flag} turned off`),
  ),
  "aws:kms/key:Key": [turnedOff("enableKeyRotation", "key rotation turned off"), lowered("deletionWindowInDays", "deletion window shortened")],
};

/** Every property a weakening check reads, per type: what the caution's tests must cover. */
export const WEAKENING_CHECKS: readonly { readonly type: string; readonly path: string }[] = Object.entries(CHECKS).flatMap(([type, checks]) =>
  checks.map(({ path }) => ({ type, path })),
);

/** How an update weakens the resource's protection; empty when it does not, or is not an update. */
export function weakenings(change: ResourceChange): string[] {
  if (change.op !== "update") return [];
  return (CHECKS[change.type] ?? []).flatMap((check) => {
    const found = check.weakens(valueAt(change, "before", check.path), valueAt(change, "after", check.path));
    return found === undefined ? [] : [found];
  });
}
