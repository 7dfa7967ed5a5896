/**
 * update-actions.yml: every Monday, and on demand, moves the pins of workflows/actions.ts to their
 * actions' newest releases (tools/update-actions), re-renders every generated file, and opens or
 * updates one pull request on a fixed branch listing each move with its release notes.
 *
 * Why not Dependabot or Renovate: the workflows they would edit are rendered from
 * workflows/actions.ts and committed, so a pull request that edits only the pin, or only the YAML,
 * fails the staleness tests. This job edits the source and runs the renderer, as a person would.
 *
 * The pull request is opened with a token of its own GitHub App, not the job's GITHUB_TOKEN: a
 * push or pull request made with GITHUB_TOKEN starts no workflow, and this one needs its preview.
 * The App's key is a secret of the `update-actions` environment, which deploys from `main` only.
 */
import { UPDATE_BRANCH } from "../../contracts/update-actions";
import { ACTIONS } from "../actions";
import type { Workflow } from "../model";
import { checkout, script, scriptFiles } from "../steps";
import { installDependencies, setupNode } from "./pulumi-steps";
import { PlatformSettings } from "./settings";

const CHANGED = "steps.update.outputs.changed == 'true'";
/** Outside the checkout: the body is the pull request's, never part of its commit. */
const BODY_FILE = "${{ runner.temp }}/update-actions.md";

export function updateActionsWorkflow(settings: PlatformSettings): Workflow {
  return {
    fileName: "update-actions.yml",
    name: "Update pinned actions",
    on: { schedule: ["23 5 * * 1"], workflowDispatch: {} },
    permissions: {},
    concurrency: { group: "update-actions", cancelInProgress: false },
    jobs: {
      update: {
        name: "Update pinned actions",
        // Only main's code and pins: the branch is always main plus this job's one commit.
        if: "github.ref == 'refs/heads/main'",
        runsOn: "ubuntu-24.04",
        environment: { name: "update-actions" },
        // contents: read, for the checkout. Everything the job writes, it writes as the App.
        permissions: { contents: "read" },
        timeoutMinutes: 20,
        steps: [
          checkout(),
          setupNode(settings.nodeVersion ?? "20"),
          installDependencies(),
          {
            id: "update",
            name: "Move pins to their newest releases",
            // Reads public releases; the token only raises the rate limit.
            env: { GITHUB_TOKEN: "${{ github.token }}", BODY_FILE },
            run: script('npm run -s update-actions -- --body "$BODY_FILE" --github-output "$GITHUB_OUTPUT"'),
          },
          { name: "Re-render the generated files", if: CHANGED, run: script("npm run -s gen") },
          {
            id: "app-token",
            name: "GitHub App token for this repository's update branch",
            if: CHANGED,
            uses: ACTIONS.githubAppToken,
            with: {
              "client-id": "${{ vars.UPDATE_ACTIONS_APP_CLIENT_ID }}",
              "private-key": "${{ secrets.UPDATE_ACTIONS_APP_PRIVATE_KEY }}",
              owner: "${{ github.repository_owner }}",
              repositories: "${{ github.event.repository.name }}",
              // Only what opening the pull request takes; workflows: the commit changes .github/workflows.
              "permission-contents": "write",
              "permission-pull-requests": "write",
              "permission-workflows": "write",
            },
          },
          {
            name: "Open or update the pull request",
            if: CHANGED,
            env: {
              GH_TOKEN: "${{ steps.app-token.outputs.token }}",
              AUTHOR: "${{ steps.app-token.outputs.app-slug }}[bot]",
              BRANCH: UPDATE_BRANCH,
              BASE: "main",
              TITLE: "${{ steps.update.outputs.title }}",
              BODY_FILE,
            },
            run: scriptFiles("open-update-pull-request"),
          },
        ],
      },
    },
  };
}
