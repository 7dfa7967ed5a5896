/**
 * What the preview workflows and the comment tool (tools/pr-comment) must agree on: the comment's
 * marker, which the workflow's upsert step finds it by, and which ops change nothing, which the
 * drift check reads.
 */

/**
 * The first line of every preview comment, alone on it. The workflow finds the comment to edit by
 * this exact line (`isPreviewComment`), never by a prefix: one comment per pull request, whatever
 * the stacks are called.
 */
export const COMMENT_MARKER = "<!-- mlops-cicd:preview -->";

/** Ops that leave the stack as it is: the engine's own `ResourceChanges.HasChanges` ignores them. */
export const NON_CHANGING_OPS: ReadonlySet<string> = new Set(["same", "read", "discard", "read-replacement"]);
