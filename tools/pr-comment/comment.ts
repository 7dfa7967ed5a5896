/**
 * From the previews of several stacks to one comment: secrets collected across all of them first,
 * so a password one stack's preview reveals is masked in every stack's section; then every summary
 * masked whole, once, before the renderer sees it.
 */
import type { PreviewDigest } from "./preview";
import { Redactor } from "./redact";
import { type CommentOptions, renderComment } from "./render";
import { redactSummaries } from "./safe-summary";
import { summarize } from "./summarize";

export interface StackPreview {
  readonly stack: string;
  readonly preview: PreviewDigest;
}

/** The comment's Markdown for `previews`, in their order. */
export function buildComment(previews: readonly StackPreview[], options: CommentOptions = {}): string {
  const redactor = Redactor.forPreviews(previews.map(({ preview }) => preview));
  const summaries = previews.map(({ stack, preview }) => summarize(stack, preview));
  return renderComment(redactSummaries(summaries, redactor), options);
}
