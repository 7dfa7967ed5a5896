/**
 * What the pin updater (tools/update-actions) and its workflow (workflows/platform/update-actions.ts)
 * must agree on.
 */

/** The pull request's fixed branch: one pull request, rewritten by every run until it is merged. */
export const UPDATE_BRANCH = "update-actions";

/** The first line of the pull request's body: what a reader, or a search, finds it by. */
export const UPDATE_MARKER = "<!-- mlops-cicd:update-actions -->";
