// @ts-check
"use strict";

/**
 * Keeps one GitHub issue per ongoing incident. Run by actions/github-script in the application's
 * workflows: the workflow embeds this function's source, so the code tested here is the code that
 * runs there.
 *
 * - active, no open issue carrying `marker`: opens one with `title`, `body` and `labels`;
 * - active, an open issue carries `marker`: comments `body` on it instead of opening a duplicate;
 * - not active, an open issue carries `marker`: comments `recoveryBody` and closes it;
 * - not active, none open: does nothing.
 *
 * The marker is an HTML comment, invisible on the issue page, that names the incident.
 *
 * @param {{ github: any, context: { repo: { owner: string, repo: string } }, core: { info(message: string): void } }} api
 *   github-script's authenticated Octokit, run context and logger.
 * @param {{ marker: string, active: boolean, title: string, body: string, recoveryBody: string, labels: string[] }} options
 * @returns {Promise<{ action: "opened" | "updated" | "closed" | "none", number?: number }>}
 */
async function syncAlertIssue({ github, context, core }, options) {
  const { owner, repo } = context.repo;
  const tag = `<!-- ${options.marker} -->`;
  const open = await github.paginate(github.rest.issues.listForRepo, {
    owner,
    repo,
    state: "open",
    labels: options.labels.join(","),
    per_page: 100,
  });
  /** @type {{ number: number, body?: string | null, pull_request?: unknown } | undefined} */
  const existing = open.find(
    (/** @type {{ body?: string | null, pull_request?: unknown }} */ issue) =>
      issue.pull_request === undefined && (issue.body ?? "").includes(tag),
  );

  if (options.active && existing) {
    await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: options.body });
    core.info(`Updated open issue #${existing.number}.`);
    return { action: "updated", number: existing.number };
  }
  if (options.active) {
    const { data } = await github.rest.issues.create({
      owner,
      repo,
      title: options.title,
      body: `${tag}\n${options.body}`,
      labels: options.labels,
    });
    core.info(`Opened issue #${data.number}.`);
    return { action: "opened", number: data.number };
  }
  if (existing) {
    await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: options.recoveryBody });
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: "closed", state_reason: "completed" });
    core.info(`Closed issue #${existing.number}.`);
    return { action: "closed", number: existing.number };
  }
  core.info("No open issue and nothing to report.");
  return { action: "none" };
}

module.exports = { syncAlertIssue };
