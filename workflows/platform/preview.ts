/**
 * preview.yml: every pull request to main previews every stack in parallel, with the policy pack,
 * and keeps one comment on the pull request with what each would change (tools/pr-comment).
 *
 * Previews read AWS with a read-only role and GitHub with a one-hour token of a read-only App; they
 * never hold the credentials that change anything. Pull requests from forks get no preview: their code would run
 * with those credentials.
 */
import { COMMENT_MARKER } from "../../contracts/pr-comment";
import { ACTIONS } from "../actions";
import type { Workflow } from "../model";
import { checkout, embeddedScript, script, scriptFiles } from "../steps";
import { PULUMI_ENV, PULUMI_RUNNER, githubAppToken, installDependencies, preview, pulumiJobSetup, setupNode } from "./pulumi-steps";
import { PlatformSettings } from "./settings";

const RUNNER = "ubuntu-24.04";
/** Each preview's JSON, named by its stack so the comment job can download them all into one folder. */
const PREVIEW_FILE = "preview-${{ matrix.stack }}.json";
const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";

export function previewWorkflow(settings: PlatformSettings): Workflow {
  const stacks = settings.stacks.map((stack) => stack.name);
  const nodeVersion = settings.nodeVersion ?? "20";
  return {
    fileName: "preview.yml",
    name: "Preview",
    on: { pullRequest: { branches: ["main"] } },
    permissions: {},
    // A new push supersedes the previews of the commit before it.
    concurrency: { group: "preview-${{ github.event.pull_request.number }}", cancelInProgress: true },
    jobs: {
      preview: {
        name: "Preview ${{ matrix.stack }}",
        if: SAME_REPOSITORY,
        runsOn: PULUMI_RUNNER,
        permissions: { contents: "read", "id-token": "write" },
        timeoutMinutes: 30,
        strategy: { matrix: { stack: stacks }, failFast: false },
        env: { ...PULUMI_ENV },
        steps: [
          ...pulumiJobSetup(nodeVersion, settings.pulumiVersion, "PULUMI_PREVIEW_ROLE_ARN"),
          githubAppToken(settings.stacks.map((stack) => stack.applicationRepository)),
          preview({
            id: "preview",
            name: "pulumi preview --stack ${{ matrix.stack }}",
            stack: "${{ matrix.stack }}",
            output: PREVIEW_FILE,
            env: { GITHUB_TOKEN: "${{ steps.app-token.outputs.token }}" },
          }),
          {
            name: "Upload the preview",
            if: "!cancelled()",
            uses: ACTIONS.uploadArtifact,
            with: { name: "preview-${{ matrix.stack }}", path: PREVIEW_FILE, "retention-days": 14, "if-no-files-found": "error" },
          },
          {
            name: "Fail when the preview failed",
            env: { EXIT_CODE: "${{ steps.preview.outputs.exit_code }}" },
            run: script('if [[ "$EXIT_CODE" != 0 ]]; then echo "::error::The preview failed (exit code $EXIT_CODE): see the comment and the log above."; exit 1; fi'),
          },
        ],
      },
      comment: {
        name: "Comment on the pull request",
        needs: ["preview"],
        // Also after a failed preview: the comment is where the failure shows.
        if: `!cancelled() && ${SAME_REPOSITORY}`,
        runsOn: RUNNER,
        permissions: { contents: "read", "pull-requests": "write" },
        timeoutMinutes: 10,
        env: { STACKS: stacks.join(" ") },
        steps: [
          // The base branch's code, not the pull request's: this job can write to the pull request,
          // and the comment's caution and policy verdict are what reviewers rely on. The previews
          // are the pull request's data, read by reviewed code.
          { ...checkout(), with: { ...checkout().with, ref: "${{ github.event.pull_request.base.sha }}" } },
          setupNode(nodeVersion),
          installDependencies(),
          // All into one folder: download-artifact (v5 on) extracts a pattern that matches one
          // artifact, as with a single stack or when the other previews stopped early, straight
          // into `path` and several into a folder each. The stack is in each file's name instead.
          { name: "Download the previews", uses: ACTIONS.downloadArtifact, with: { pattern: "preview-*", path: "previews", "merge-multiple": true } },
          {
            name: "Write the comment",
            run: scriptFiles("write-preview-comment"),
          },
          {
            name: "Create or update the comment",
            uses: ACTIONS.githubScript,
            env: { COMMENT_MARKER, PULL_REQUEST: "${{ github.event.pull_request.number }}" },
            with: {
              script: embeddedScript(
                "upsert-pr-comment.js",
                "upsertPullRequestComment",
                'const body = require("fs").readFileSync("comment.md", "utf8");',
                "const result = await upsertPullRequestComment({ github, context, core }, {",
                "  issueNumber: Number(process.env.PULL_REQUEST),",
                "  marker: process.env.COMMENT_MARKER,",
                "  body,",
                '  author: "github-actions[bot]",',
                "});",
                'core.setOutput("action", result.action);',
              ),
            },
          },
        ],
      },
    },
  };
}
