set -euo pipefail
# The stack file starts as the rebuild config; the stack's key and secrets are added to it here.
if [[ "$CONFIG_FILE" != "Pulumi.${STACK}.yaml" ]]; then cp "$CONFIG_FILE" "Pulumi.${STACK}.yaml"; fi
# A resumed run finds the stack from its first attempt.
if ! pulumi stack select --stack "$STACK" --non-interactive 2> /dev/null; then
  pulumi stack init "$STACK" --secrets-provider "$SECRETS_PROVIDER" --non-interactive
fi
# Operator secrets come from this environment's secrets, on standard input: never on a command line.
if [[ -z "$GHCR_TOKEN" ]]; then echo "::error::The GHCR_TOKEN secret of this environment is empty: the platform's images cannot be pushed."; exit 1; fi
if [[ -z "$GHCR_PULL_TOKEN" ]]; then echo "::error::The GHCR_PULL_TOKEN secret of this environment is empty: the services cannot pull their images."; exit 1; fi
printf '%s' "$GHCR_TOKEN" | pulumi config set --secret --stack "$STACK" mlops-cicd:ghcrToken
printf '%s' "$GHCR_PULL_TOKEN" | pulumi config set --secret --stack "$STACK" mlops-cicd:ghcrPullToken
if [[ -n "$SLACK_WEBHOOK_URL" ]]; then printf '%s' "$SLACK_WEBHOOK_URL" | pulumi config set --secret --stack "$STACK" mlops-cicd:slackWebhookUrl; fi
