/**
 * drift.yml: every night, and on demand, each stack is previewed with a refresh and no changes
 * expected. Drift opens one `drift` issue per stack (or comments on the open one) with what differs,
 * in the pull-request comment's form; a night without drift closes it. A preview that fails is a
 * failed run, not drift: the issue is left as it is. The state is exported as well: the nightly
 * backup docs/disaster-recovery.md counts on.
 */
import type { Workflow } from "../model";
import { script, syncAlertIssue } from "../steps";
import { PULUMI_ENV, backUpState, githubAppToken, preview, pulumiJobSetup } from "./pulumi-steps";
import { PlatformSettings } from "./settings";
import { stackLock } from "./up";

const RUNNER = "ubuntu-24.04";

export function driftWorkflow(settings: PlatformSettings): Workflow {
  return {
    fileName: "drift.yml",
    name: "Drift detection",
    on: { schedule: ["17 4 * * *"], workflowDispatch: {} },
    permissions: {},
    jobs: {
      drift: {
        name: "Drift of ${{ matrix.stack }}",
        runsOn: RUNNER,
        strategy: { matrix: { stack: settings.stacks.map((stack) => stack.name) }, failFast: false },
        // Never beside an update of the same stack: its half-applied state would read as drift.
        concurrency: stackLock("${{ matrix.stack }}"),
        permissions: { contents: "read", "id-token": "write", issues: "write" },
        timeoutMinutes: 45,
        env: { ...PULUMI_ENV },
        steps: [
          ...pulumiJobSetup(settings.nodeVersion ?? "20", settings.pulumiVersion, "PULUMI_PREVIEW_ROLE_ARN"),
          githubAppToken(settings.stacks.map((stack) => stack.applicationRepository)),
          preview({
            id: "preview",
            name: "pulumi preview --refresh --expect-no-changes",
            stack: "${{ matrix.stack }}",
            output: "drift.json",
            refresh: true,
            env: { GITHUB_TOKEN: "${{ steps.app-token.outputs.token }}" },
          }),
          {
            id: "drift",
            name: "Decide: drift, no drift, or a failed preview",
            env: { STACK: "${{ matrix.stack }}", EXIT_CODE: "${{ steps.preview.outputs.exit_code }}" },
            run: script(
              "# Reads (`read`) and unchanged resources (`same`) are not drift; every other step is.",
              "changes=$(jq '[.steps[]? | select(.op != \"same\" and .op != \"read\")] | length' drift.json)",
              "errors=$(jq '[.diagnostics[]? | select(.severity == \"error\")] | length' drift.json)",
              'if (( changes == 0 && errors > 0 )); then',
              '  echo "::error::The drift preview of $STACK failed (exit code $EXIT_CODE); the drift issue is left as it is."',
              "  exit 1",
              "fi",
              'npm run -s pr-comment -- --preview "${STACK}=drift.json" --details-url "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}" > drift.md',
              'if (( changes > 0 )); then echo "drift=true" >> "$GITHUB_OUTPUT"; else echo "drift=false" >> "$GITHUB_OUTPUT"; fi',
              "{",
              '  echo "report<<MLOPS_CICD_REPORT_END"',
              "  cat drift.md",
              '  echo "MLOPS_CICD_REPORT_END"',
              '} >> "$GITHUB_OUTPUT"',
              'cat drift.md >> "$GITHUB_STEP_SUMMARY"',
            ),
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
            run: script('echo "::error::Stack drifted: see the drift issue."', "exit 1"),
          },
          ...backUpState("${{ matrix.stack }}", "preview"),
        ],
      },
    },
  };
}
