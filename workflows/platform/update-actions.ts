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
 *
 * Two jobs, because moving the pins runs npm's packages and opening the pull request holds the
 * App's key: a compromised dependency could leave a process behind that reads the key when it
 * arrives. The first job installs and runs the tools with no secret, no environment and a read-only
 * token, and hands over a patch; the second installs and runs nothing of npm's, applies the patch
 * only if it changes nothing but the pins and the files rendered from them, and pushes it as the
 * App. The App's key is a secret of the `update-actions` environment, which deploys from `main` only.
 */
import { UPDATE_BRANCH } from "../../contracts/update-actions";
import { ACTIONS } from "../actions";
import type { Step, Workflow } from "../model";
import { checkout, script, scriptFiles } from "../steps";
import { setupNode } from "./pulumi-steps";
import { PlatformSettings } from "./settings";

export const UPDATE_ACTIONS_FILE = "update-actions.yml";
/** The file the pins are declared in: what the updater edits. */
const ACTIONS_SOURCE = "workflows/actions.ts";

const CHANGED = "steps.update.outputs.changed == 'true'";
/** What the first job hands the second: outside the checkout, never part of the commit. */
const ARTIFACT = "update-actions";
const BODY_NAME = "update-actions.md";
const PATCH_NAME = "update-actions.patch";
/** Where the first job writes them: the artifact's root is their common folder. */
const WRITTEN = "${{ runner.temp }}";
/** Where the second job reads them: a folder of their own, so the download overwrites nothing else. */
const RECEIVED = "${{ runner.temp }}/update-actions";

/**
 * The files a move of the pins may change: workflows/actions.ts and the workflows rendered from it,
 * this repository's own (`ownWorkflows`, paths from the repository root) and the application's of
 * every stack that commits them (`settings.stacks[].renderedWorkflows`). The other files
 * `npm run gen` writes (Pulumi.yaml, Grafana's provisioning, the tool and Lambda bundles) do not
 * depend on a pin: a change to one in the patch is refused.
 */
export function updatablePaths(settings: PlatformSettings, ownWorkflows: readonly string[]): string[] {
  const application = settings.stacks.flatMap((stack) => stack.renderedWorkflows ?? []);
  return [ACTIONS_SOURCE, ...[...ownWorkflows, ...application].sort()];
}

/**
 * `npm ci` without install scripts: the updater and `npm run gen` need none (esbuild runs from its
 * platform package; `gen` renders the same bytes either way).
 */
function installWithoutScripts(): Step {
  return { name: "Install dependencies, without their install scripts", run: "npm ci --ignore-scripts --no-audit --no-fund" };
}

/** `ownWorkflows`: this repository's rendered workflows, this one included, as paths from the repository root. */
export function updateActionsWorkflow(settings: PlatformSettings, ownWorkflows: readonly string[]): Workflow {
  return {
    fileName: UPDATE_ACTIONS_FILE,
    name: "Update pinned actions",
    on: { schedule: ["23 5 * * 1"], workflowDispatch: {} },
    permissions: {},
    concurrency: { group: "update-actions", cancelInProgress: false },
    jobs: {
      update: {
        name: "Move pins and re-render",
        // Only main's code and pins: the branch is always main plus one commit.
        if: "github.ref == 'refs/heads/main'",
        runsOn: "ubuntu-24.04",
        // No environment and no secret: this job runs npm's packages.
        permissions: { contents: "read" },
        timeoutMinutes: 20,
        outputs: { changed: "${{ steps.update.outputs.changed }}", title: "${{ steps.update.outputs.title }}" },
        steps: [
          checkout(),
          setupNode(settings.nodeVersion ?? "20"),
          installWithoutScripts(),
          {
            id: "update",
            name: "Move pins to their newest releases",
            // Reads public releases; the token only raises the rate limit.
            env: { GITHUB_TOKEN: "${{ github.token }}", BODY_FILE: `${WRITTEN}/${BODY_NAME}` },
            run: script('npm run -s update-actions -- --body "$BODY_FILE" --github-output "$GITHUB_OUTPUT"'),
          },
          { name: "Re-render the generated files", if: CHANGED, run: script("npm run -s gen") },
          {
            name: "Write the change as a patch",
            if: CHANGED,
            env: { PATCH_FILE: `${WRITTEN}/${PATCH_NAME}` },
            // Binary-safe and with new or deleted files as such, so the next job sees all of it.
            run: script('git add --all && git diff --cached --binary --no-renames > "$PATCH_FILE"'),
          },
          {
            name: "Hand the patch and the pull request's body over",
            if: CHANGED,
            uses: ACTIONS.uploadArtifact,
            with: { name: ARTIFACT, path: `${WRITTEN}/${BODY_NAME}\n${WRITTEN}/${PATCH_NAME}`, "retention-days": 1, "if-no-files-found": "error" },
          },
        ],
      },
      "pull-request": {
        name: "Open or update the pull request",
        needs: ["update"],
        if: "needs.update.outputs.changed == 'true'",
        runsOn: "ubuntu-24.04",
        environment: { name: "update-actions" },
        // contents: read, for the checkout. Everything the job writes, it writes as the App.
        permissions: { contents: "read" },
        timeoutMinutes: 10,
        // No setup-node, no npm: nothing here runs code the update job could have changed.
        steps: [
          checkout(),
          { name: "Download the patch and the pull request's body", uses: ACTIONS.downloadArtifact, with: { name: ARTIFACT, path: RECEIVED } },
          {
            name: "Apply the patch, if it only moves pins",
            env: { PATCH_FILE: `${RECEIVED}/${PATCH_NAME}`, UPDATABLE_PATHS: updatablePaths(settings, ownWorkflows).join("\n") },
            run: scriptFiles("apply-update-patch"),
          },
          {
            id: "app-token",
            name: "GitHub App token for this repository's update branch",
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
            env: {
              GH_TOKEN: "${{ steps.app-token.outputs.token }}",
              AUTHOR: "${{ steps.app-token.outputs.app-slug }}[bot]",
              BRANCH: UPDATE_BRANCH,
              BASE: "main",
              TITLE: "${{ needs.update.outputs.title }}",
              BODY_FILE: `${RECEIVED}/${BODY_NAME}`,
            },
            run: scriptFiles("open-update-pull-request"),
          },
        ],
      },
    },
  };
}
