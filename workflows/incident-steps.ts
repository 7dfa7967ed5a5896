/**
 * The incident issue a failed deployment opens (deploy-service, and ci-cd's deploy jobs), and the
 * dispatch that gets it recorded. Shared by both workflows so the marker the recorder reads
 * (INCIDENT_MARKER_PATTERN) has one writer.
 */
import { INCIDENT_LABEL } from "../contracts/github";
import type { Step } from "./model";
import { scriptFiles, syncAlertIssue } from "./steps";

/** The workflow that records incidents, and its input naming the issue. */
export const INCIDENT_RECORDER = Object.freeze({ fileName: "record-delivery-metrics.yml", input: "issue_number" });

export interface IncidentIssueArgs {
  /** The environment deployed to, as text or an expression: it goes into the hidden marker. */
  readonly environment: string;
  /** The service deployed, as text or an expression. */
  readonly service: string;
  readonly title: string;
  /** Markdown; the marker is prepended by sync-alert-issue.js. */
  readonly body: string;
}

/**
 * After a failure: opens the incident issue (or comments on the open one of the same environment and
 * service), then asks record-delivery-metrics to record it. GitHub starts no workflow for an event
 * the job's own token caused, so the `issues: opened` of this issue never reaches the recorder;
 * `workflow_dispatch` is the one event that token may start. The job needs `issues: write` and
 * `actions: write`.
 */
export function incidentIssueSteps(args: IncidentIssueArgs): Step[] {
  return [
    syncAlertIssue({
      id: "incident-issue",
      name: "Open or update the incident issue",
      if: "failure()",
      marker: `mlops-cicd incident: ${args.environment} ${args.service}`,
      active: "true",
      title: args.title,
      body: args.body,
      recoveryBody: "",
      labels: [INCIDENT_LABEL],
    }),
    {
      name: "Record the incident",
      if: "failure() && steps.incident-issue.outputs.issue != ''",
      env: {
        GH_TOKEN: "${{ github.token }}",
        GH_REPO: "${{ github.repository }}",
        // The recorder's environment admits the default branch only: it must run there.
        DEFAULT_BRANCH: "${{ github.event.repository.default_branch }}",
        RECORDER_WORKFLOW: INCIDENT_RECORDER.fileName,
        RECORDER_INPUT: INCIDENT_RECORDER.input,
        ISSUE_NUMBER: "${{ steps.incident-issue.outputs.issue }}",
      },
      run: scriptFiles("dispatch-incident-record"),
    },
  ];
}
