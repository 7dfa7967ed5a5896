/**
 * disaster-recovery.yml: rebuilds a full environment into a named stack and region, by hand, from
 * a rebuild config committed in this repository (the runbook's template: docs/disaster-recovery.md)
 * and the backups it names, then checks that the rebuilt services answer.
 *
 * Before anything is created, the config is synthesized offline (a config error or a mandatory
 * policy violation stops here) and the rebuild plan with its RTO estimate goes to the run summary.
 * The job runs in the GitHub environment of the stack's deployment environment: production's
 * required reviewers approve a production rebuild.
 */
import { qualifiedKey } from "../../contracts/project";
import type { Workflow } from "../model";
import { checkout, scriptFiles, validateInput } from "../steps";
import { ACTIONS } from "../actions";
import { PULUMI_ENV, PULUMI_RUNNER, assumeRole, backUpState, installDependencies, installPulumi, setupNode, up } from "./pulumi-steps";
import { PlatformSettings } from "./settings";
import { stackLock } from "./up";

/** The components holding an environment's GitHub objects: what a rebuild takes over from a lost stack. */
export const GITHUB_COMPONENTS = ["mlops-cicd:github:DeploymentEnvironment", "mlops-cicd:github:RepositorySettings"] as const;

export function disasterRecoveryWorkflow(settings: PlatformSettings): Workflow {
  return {
    fileName: "disaster-recovery.yml",
    name: "Disaster recovery",
    on: {
      workflowDispatch: {
        inputs: {
          stack: { description: "The stack to rebuild into (a new name, e.g. production-dr)", type: "string", required: true },
          environment: { description: "Deployment environment the stack serves", type: "choice", options: ["staging", "production"], required: true, default: "production" },
          config_file: { description: "The rebuild config in this repository (docs/disaster-recovery.md)", type: "string", required: true },
          region: { description: "AWS region to rebuild in; must be the config's awsRegion", type: "string", required: true },
          backend_url: {
            description: "The state backend to use: its replica when the primary's region is lost (empty: the PULUMI_BACKEND_URL variable)",
            type: "string",
            required: false,
            default: "",
          },
          take_over_from: {
            description: "The lost stack whose GitHub environment and repository settings the rebuild takes over (empty: none)",
            type: "string",
            required: false,
            default: "",
          },
        },
      },
    },
    permissions: {},
    jobs: {
      rebuild: {
        name: "Rebuild ${{ inputs.stack }} in ${{ inputs.region }}",
        // Only main's code and rebuild configs rebuild an environment.
        if: "github.ref == 'refs/heads/main'",
        runsOn: PULUMI_RUNNER,
        environment: { name: "${{ inputs.environment }}" },
        concurrency: stackLock("${{ inputs.stack }}"),
        permissions: { contents: "read", "id-token": "write" },
        timeoutMinutes: 240,
        env: {
          ...PULUMI_ENV,
          PULUMI_BACKEND_URL: "${{ inputs.backend_url || vars.PULUMI_BACKEND_URL }}",
          STACK: "${{ inputs.stack }}",
          CONFIG_FILE: "${{ inputs.config_file }}",
          REGION: "${{ inputs.region }}",
        },
        steps: [
          validateInput("stack", "${{ inputs.stack }}", "^[a-z][a-z0-9-]{1,39}$", "a stack name of lowercase letters, digits and '-'"),
          validateInput("region", "${{ inputs.region }}", "^[a-z]{2}(-[a-z]+)+-[0-9]$", "an AWS region such as eu-central-1"),
          // Relative, inside the checkout: no segment may start with "." (no "..", no hidden files).
          validateInput("config_file", "${{ inputs.config_file }}", "^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*\\.yaml$", "a relative path to a YAML file in this repository, such as recovery/production-dr.yaml"),
          validateInput("backend_url", "${{ inputs.backend_url }}", "^(s3://[a-z0-9.-]+(/[A-Za-z0-9._/-]*)?(\\?region=[a-z0-9-]+)?)?$", "empty or an s3:// state backend URL"),
          validateInput("take_over_from", "${{ inputs.take_over_from }}", "^([a-z][a-z0-9-]{1,39})?$", "empty or the name of the lost stack"),
          checkout(),
          setupNode(settings.nodeVersion ?? "20"),
          installDependencies(),
          {
            name: "Check the rebuild config offline",
            env: { ENVIRONMENT: "${{ inputs.environment }}", REGION_KEY: qualifiedKey("awsRegion"), ENVIRONMENT_KEY: qualifiedKey("environment") },
            run: scriptFiles("check-rebuild-config"),
          },
          installPulumi(settings.pulumiVersion),
          // In the rebuild's region: the primary's STS endpoint may be what was lost.
          { ...assumeRole("PULUMI_DEPLOY_ROLE_ARN"), with: { ...assumeRole("PULUMI_DEPLOY_ROLE_ARN").with, "aws-region": "${{ inputs.region }}" } },
          {
            id: "create",
            name: "Create the stack from the rebuild config",
            env: { GHCR_TOKEN: "${{ secrets.GHCR_TOKEN }}", GHCR_PULL_TOKEN: "${{ secrets.GHCR_PULL_TOKEN }}", SLACK_WEBHOOK_URL: "${{ secrets.SLACK_WEBHOOK_URL }}" },
            run: scriptFiles("create-rebuild-stack"),
          },
          {
            name: "Take over GitHub from the lost stack",
            if: "inputs.take_over_from != ''",
            env: { FROM: "${{ inputs.take_over_from }}", GITHUB_COMPONENTS: JSON.stringify(GITHUB_COMPONENTS) },
            run: scriptFiles("take-over-github"),
          },
          {
            name: "Upload the rebuilt stack's file",
            if: "!cancelled() && steps.create.outcome == 'success'",
            uses: ACTIONS.uploadArtifact,
            // Its secrets are ciphertext under the stack's KMS key: it is what later updates of the
            // stack read, to commit at the root when the environment is adopted (docs/disaster-recovery.md).
            with: { name: "stack-file-${{ inputs.stack }}", path: "Pulumi.${{ inputs.stack }}.yaml", "retention-days": 90, "if-no-files-found": "error" },
          },
          up("${{ inputs.stack }}", true),
          {
            name: "Health checks",
            run: scriptFiles("rebuild-health-checks"),
          },
          ...backUpState("${{ inputs.stack }}", "up"),
        ],
      },
    },
  };
}
