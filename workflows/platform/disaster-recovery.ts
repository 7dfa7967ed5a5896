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
import { checkout, script, validateInput } from "../steps";
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
            run: script(
              'if [[ ! -f "$CONFIG_FILE" ]]; then echo "::error::No rebuild config $CONFIG_FILE on this branch: commit it first (docs/disaster-recovery.md)."; exit 1; fi',
              "# A key of the config file, read with the same YAML parser as synth.",
              "config_value() {",
              "  node -p 'String(require(\"yaml\").parse(require(\"fs\").readFileSync(process.argv[1], \"utf8\"))?.config?.[process.argv[2]] ?? \"\")' \"$CONFIG_FILE\" \"$1\"",
              "}",
              "provider=$(node -p 'String(require(\"yaml\").parse(require(\"fs\").readFileSync(process.argv[1], \"utf8\"))?.secretsprovider ?? \"\")' \"$CONFIG_FILE\")",
              "# One line of URL characters: it goes into GITHUB_ENV, where a line break would add variables.",
              "provider_pattern='^awskms://[A-Za-z0-9:/._?=&%-]+$'",
              'if [[ ! "$provider" =~ $provider_pattern ]]; then',
              '  echo "::error::$CONFIG_FILE names no KMS secrets provider (secretsprovider: awskms://… on one line): the stack could not encrypt its secrets (docs/disaster-recovery.md)."',
              "  exit 1",
              "fi",
              'echo "SECRETS_PROVIDER=$provider" >> "$GITHUB_ENV"',
              "configured=$(config_value \"$REGION_KEY\")",
              'if [[ "$configured" != "$REGION" ]]; then',
              '  echo "::error::$CONFIG_FILE rebuilds in \'${configured}\', not in $REGION: set ${REGION_KEY} there, or dispatch with that region."',
              "  exit 1",
              "fi",
              "serves=$(config_value \"$ENVIRONMENT_KEY\")",
              'if [[ "$serves" != "$ENVIRONMENT" ]]; then',
              '  echo "::error::$CONFIG_FILE serves the \'${serves}\' environment, not $ENVIRONMENT: its approval and role would be the wrong ones."',
              "  exit 1",
              "fi",
              "# Config errors exit 2 and mandatory policy violations 3, before anything exists.",
              'npm run -s synth -- --stack "$STACK" --config-file "$CONFIG_FILE" --out "$RUNNER_TEMP/synth"',
              '{ echo "## Rebuild plan of $STACK"; echo; echo \'```\'; npm run -s rebuild-plan -- --stack "$STACK" --config-file "$CONFIG_FILE"; echo \'```\'; } >> "$GITHUB_STEP_SUMMARY"',
            ),
          },
          installPulumi(settings.pulumiVersion),
          // In the rebuild's region: the primary's STS endpoint may be what was lost.
          { ...assumeRole("PULUMI_DEPLOY_ROLE_ARN"), with: { ...assumeRole("PULUMI_DEPLOY_ROLE_ARN").with, "aws-region": "${{ inputs.region }}" } },
          {
            id: "create",
            name: "Create the stack from the rebuild config",
            env: { GHCR_TOKEN: "${{ secrets.GHCR_TOKEN }}", GHCR_PULL_TOKEN: "${{ secrets.GHCR_PULL_TOKEN }}", SLACK_WEBHOOK_URL: "${{ secrets.SLACK_WEBHOOK_URL }}" },
            run: script(
              "# The stack file starts as the rebuild config; the stack's key and secrets are added to it here.",
              'if [[ "$CONFIG_FILE" != "Pulumi.${STACK}.yaml" ]]; then cp "$CONFIG_FILE" "Pulumi.${STACK}.yaml"; fi',
              "# A resumed run finds the stack from its first attempt.",
              'if ! pulumi stack select --stack "$STACK" --non-interactive 2> /dev/null; then',
              '  pulumi stack init "$STACK" --secrets-provider "$SECRETS_PROVIDER" --non-interactive',
              "fi",
              "# Operator secrets come from this environment's secrets, on standard input: never on a command line.",
              `if [[ -z "$GHCR_TOKEN" ]]; then echo "::error::The GHCR_TOKEN secret of this environment is empty: the platform's images cannot be pushed."; exit 1; fi`,
              `if [[ -z "$GHCR_PULL_TOKEN" ]]; then echo "::error::The GHCR_PULL_TOKEN secret of this environment is empty: the services cannot pull their images."; exit 1; fi`,
              `printf '%s' "$GHCR_TOKEN" | pulumi config set --secret --stack "$STACK" ${qualifiedKey("ghcrToken")}`,
              `printf '%s' "$GHCR_PULL_TOKEN" | pulumi config set --secret --stack "$STACK" ${qualifiedKey("ghcrPullToken")}`,
              `if [[ -n "$SLACK_WEBHOOK_URL" ]]; then printf '%s' "$SLACK_WEBHOOK_URL" | pulumi config set --secret --stack "$STACK" ${qualifiedKey("slackWebhookUrl")}; fi`,
            ),
          },
          {
            name: "Take over GitHub from the lost stack",
            if: "inputs.take_over_from != ''",
            env: { FROM: "${{ inputs.take_over_from }}" },
            run: script(
              "# The lost stack's GitHub environment and repository settings, with their children, move to",
              "# this stack as they are: GitHub's objects are adopted, and one stack claims them (decision 0001).",
              "# Its secrets are read with its multi-Region key's replica in this region.",
              'if [[ -f "Pulumi.${FROM}.yaml" ]]; then sed -i -E "s#^(secretsprovider: awskms://[^?]+\\?region=)[a-z0-9-]+#\\1${REGION}#" "Pulumi.${FROM}.yaml"; fi',
              'pulumi stack export --stack "$FROM" --file lost-state.json',
              `mapfile -t urns < <(jq -r '.deployment.resources[]? | select(.type == "${GITHUB_COMPONENTS.join('" or .type == "')}") | .urn' lost-state.json)`,
              "if (( ${#urns[@]} == 0 )); then",
              '  echo "Nothing of GitHub is left in the state of $FROM: moved by an earlier attempt, or to adopt with pulumi import (docs/disaster-recovery.md)."',
              "  exit 0",
              "fi",
              'pulumi state move --source "$FROM" --dest "$STACK" --yes "${urns[@]}"',
              'echo "Moved ${#urns[@]} components from $FROM to $STACK."',
            ),
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
            run: script(
              'pulumi stack output --stack "$STACK" --json > outputs.json',
              "balancer=$(jq -er .loadBalancerDnsName outputs.json)",
              "# The public names still point at the lost environment until DNS moves: reach the new load",
              "# balancer under those names, so TLS and the host rules are checked as clients will meet them.",
              "check() {",
              "  local url=$1 host",
              '  host=$(sed -E "s#^https://([^/]+).*#\\1#" <<< "$url")',
              '  if curl -fsS --retry 20 --retry-delay 15 --retry-all-errors --max-time 10 --connect-to "${host}:443:${balancer}:443" "$url" > /dev/null; then',
              '    echo "healthy: $url"',
              "  else",
              '    echo "::error::No healthy answer from $url through $balancer."',
              "    failed=1",
              "  fi",
              "}",
              "failed=0",
              'check "$(jq -er .mlflowUrl outputs.json)/health"',
              'check "$(jq -er .grafanaUrl outputs.json)/api/health"',
              'check "$(jq -er .webServiceUrl outputs.json)/health"',
              "{",
              '  echo "## $STACK rebuilt in $REGION"',
              "  echo",
              '  echo "- Point the DNS names at \\`$balancer\\`."',
              '  echo "- Commit the artifact \\`stack-file-${STACK}\\` as \\`Pulumi.${STACK}.yaml\\`, and remove the lost stack\'s file, in one pull request (docs/disaster-recovery.md)."',
              '} >> "$GITHUB_STEP_SUMMARY"',
              'exit "$failed"',
            ),
          },
          ...backUpState("${{ inputs.stack }}", "up"),
        ],
      },
    },
  };
}
