export { type StackPreview, buildComment } from "./comment";
export { type DataCategory, DATA_BEARING_TYPES, dataCategory } from "./data-bearing";
export { STEP_OPS, type StepOp } from "./ops";
export { type PreviewDigest, PreviewFormatError, PreviewJsonError, parsePreview } from "./preview";
export { Redactor, SECRET_PROPERTIES, maskCredentials } from "./redact";
export { COMMENT_BUDGET, COMMENT_MARKER, GITHUB_COMMENT_LIMIT, type CommentOptions, isPreviewComment, renderComment, stackMarker } from "./render";
export { type StackSummary, summarize } from "./summarize";
export { unifiedDiff } from "./text-diff";
