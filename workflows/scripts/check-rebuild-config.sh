set -euo pipefail
if [[ ! -f "$CONFIG_FILE" ]]; then echo "::error::No rebuild config $CONFIG_FILE on this branch: commit it first (docs/disaster-recovery.md)."; exit 1; fi
# A key of the config file, read with the same YAML parser as synth.
config_value() {
  node -p 'String(require("yaml").parse(require("fs").readFileSync(process.argv[1], "utf8"))?.config?.[process.argv[2]] ?? "")' "$CONFIG_FILE" "$1"
}
provider=$(node -p 'String(require("yaml").parse(require("fs").readFileSync(process.argv[1], "utf8"))?.secretsprovider ?? "")' "$CONFIG_FILE")
# One line of URL characters: it goes into GITHUB_ENV, where a line break would add variables.
provider_pattern='^awskms://[A-Za-z0-9:/._?=&%-]+$'
if [[ ! "$provider" =~ $provider_pattern ]]; then
  echo "::error::$CONFIG_FILE names no KMS secrets provider (secretsprovider: awskms://… on one line): the stack could not encrypt its secrets (docs/disaster-recovery.md)."
  exit 1
fi
echo "SECRETS_PROVIDER=$provider" >> "$GITHUB_ENV"
configured=$(config_value "$REGION_KEY")
if [[ "$configured" != "$REGION" ]]; then
  echo "::error::$CONFIG_FILE rebuilds in '${configured}', not in $REGION: set ${REGION_KEY} there, or dispatch with that region."
  exit 1
fi
serves=$(config_value "$ENVIRONMENT_KEY")
if [[ "$serves" != "$ENVIRONMENT" ]]; then
  echo "::error::$CONFIG_FILE serves the '${serves}' environment, not $ENVIRONMENT: its approval and role would be the wrong ones."
  exit 1
fi
# Config errors exit 2 and mandatory policy violations 3, before anything exists.
npm run -s synth -- --stack "$STACK" --config-file "$CONFIG_FILE" --out "$RUNNER_TEMP/synth"
{ echo "## Rebuild plan of $STACK"; echo; echo '```'; npm run -s rebuild-plan -- --stack "$STACK" --config-file "$CONFIG_FILE"; echo '```'; } >> "$GITHUB_STEP_SUMMARY"
