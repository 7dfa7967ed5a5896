// @ts-check
"use strict";

/**
 * Keeps one comment per pull request for a tool: finds the comment whose first line is exactly
 * `marker` and edits it, or creates it. Run by actions/github-script in this repository's preview
 * workflow: the workflow embeds this function's source, so the code tested here is the code that
 * runs there.
 *
 * The match is on the whole first line, not a prefix or a heading: a comment of another tool, or
 * one quoting ours, is never overwritten. And on the author: only a comment `author` wrote (the
 * workflow's own token, `github-actions[bot]`) is adopted, so anyone can start a comment with the
 * marker and never have the preview written under their name, or have theirs mistaken for it.
 *
 * @param {{ github: any, context: { repo: { owner: string, repo: string } }, core: { info(message: string): void } }} api
 *   github-script's authenticated Octokit, run context and logger.
 * @param {{ issueNumber: number, marker: string, body: string, author: string }} options
 *   `body` must start with `marker` on its own line.
 * @returns {Promise<{ action: "created" | "updated" | "unchanged", id: number }>}
 */
async function upsertPullRequestComment({ github, context, core }, options) {
  const { owner, repo } = context.repo;
  if (options.body.split("\n", 1)[0] !== options.marker) {
    throw new Error(`The comment body must start with the marker line ${options.marker}.`);
  }
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: options.issueNumber,
    per_page: 100,
  });
  const ours = comments.filter(
    (/** @type {{ body?: string | null, user?: { login?: string } | null }} */ comment) =>
      comment.user?.login === options.author && (comment.body ?? "").split("\n", 1)[0].trimEnd() === options.marker,
  );
  const existing = ours[0];
  if (existing) {
    if (existing.body === options.body) {
      core.info(`Comment ${existing.id} is up to date.`);
      return { action: "unchanged", id: existing.id };
    }
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body: options.body });
    core.info(`Updated comment ${existing.id}.`);
    return { action: "updated", id: existing.id };
  }
  const { data } = await github.rest.issues.createComment({ owner, repo, issue_number: options.issueNumber, body: options.body });
  core.info(`Created comment ${data.id}.`);
  return { action: "created", id: data.id };
}

module.exports = { upsertPullRequestComment };
