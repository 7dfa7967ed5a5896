/**
 * drift.yml: every night, and on demand, each stack is previewed with a refresh and no changes
 * expected. Drift opens one `drift` issue per stack (or comments on the open one) with what differs,
 * in the pull-request comment's form; a night without drift closes it. A preview that fails is a
 * failed run, not drift: the issue is left as it is. The state is exported as well: the nightly
 * backup docs/disaster-recovery.md counts on. A night when the stack is being updated is skipped.
 */
import type { Workflow } from "../model";
import { script, scriptFiles, syncAlertIssue } from "../steps";
import { PULUMI_ENV, PULUMI_RUNNER, backUpState, changingSteps, githubAppToken, preview, pulumiJobSetup } from "./pulumi-steps";
import { PlatformSettings } from "./settings";

const NOT_BUSY = "steps.busy.outputs.skip != 'true'";

export function driftWorkflow(settings: PlatformSettings): Workflow {
  return {
    fileName: "drift.yml",
    name: "Drift detection",
    on: { schedule: ["17 4 * * *"], workflowDispatch: {} },
    permissions: {},
    jobs: {
      drift: {
        name: "Drift of ${{ matrix.stack }}",
        runsOn: PULUMI_RUNNER,
        strategy: { matrix: { stack: settings.stacks.map((stack) => stack.name) }, failFast: false },
        // Its own group: in the update's group a queued drift run would replace a pending update.
        concurrency: { group: "drift-${{ matrix.stack }}", cancelInProgress: false },
        // actions: read, to see whether an update of the stack is running.
        permissions: { contents: "read", "id-token": "write", issues: "write", actions: "read" },
        timeoutMinutes: 45,
        env: { ...PULUMI_ENV },
        steps: [
          {
            id: "busy",
            name: "Skip the night when the stack is being updated",
            env: { GH_TOKEN: "${{ github.token }}" },
            run: scriptFiles("skip-while-updating"),
          },
          ...pulumiJobSetup(settings.nodeVersion ?? "20", settings.pulumiVersion, "PULUMI_DRIFT_ROLE_ARN").map((step) => ({ ...step, if: NOT_BUSY })),
          { ...githubAppToken(settings.stacks.map((stack) => stack.applicationRepository)), if: NOT_BUSY },
          preview({
            id: "preview",
            name: "pulumi preview --refresh --expect-no-changes",
            stack: "${{ matrix.stack }}",
            output: "drift.json",
            refresh: true,
            env: { GITHUB_TOKEN: "${{ steps.app-token.outputs.token }}" },
            if: NOT_BUSY,
          }),
          {
            id: "drift",
            name: "Decide: drift, no drift, or a failed preview",
            if: NOT_BUSY,
            env: { STACK: "${{ matrix.stack }}", EXIT_CODE: "${{ steps.preview.outputs.exit_code }}", CHANGING_STEPS: changingSteps },
            run: scriptFiles("decide-drift"),
          },
          syncAlertIssue({
            id: "drift-issue",
            name: "Open, update or close the drift issue",
            if: "steps.drift.outcome == 'success'",
            marker: "mlops-cicd drift: ${{ matrix.stack }}",
            active: "${{ steps.drift.outputs.drift }}",
            title: "Drift in stack ${{ matrix.stack }}",
            body: [
              "The nightly refresh of **${{ matrix.stack }}** found resources that differ from the program.",
              "Either run `pulumi up --stack ${{ matrix.stack }}` to put them back, or change the program to match and merge it.",
              "",
              "Run: ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
              "",
              "${{ steps.drift.outputs.report }}",
            ].join("\n"),
            recoveryBody: "No drift in **${{ matrix.stack }}** any more (run ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}): closing.",
            labels: ["drift"],
          }),
          {
            name: "Fail on drift",
            if: "steps.drift.outputs.drift == 'true'",
            run: script('echo "::error::Stack drifted: see the drift issue."; exit 1'),
          },
          ...backUpState("${{ matrix.stack }}", "preview"),
        ],
      },
    },
  };
}
