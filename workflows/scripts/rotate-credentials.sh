set -euo pipefail
# One rotation of $STACK's generated database passwords: `pulumi up` with the generation and its
# date for this run only, then the stack's own record checked (docs/decisions/0004-credential-rotation.md).
if [[ ! "$CREDENTIAL_GENERATION" =~ ^[1-9][0-9]{0,5}$ || ! "$CREDENTIAL_ROTATED_ON" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
  echo "::error title=Invalid rotation::The generation must be a positive integer and the date YYYY-MM-DD, got '${CREDENTIAL_GENERATION//[$'\r\n']/ }' and '${CREDENTIAL_ROTATED_ON//[$'\r\n']/ }'."
  exit 1
fi
# Only one generation past what the stack holds now: skipping one would change the password in use.
now=$(pulumi stack output --stack "$STACK" --json credentialRotation | jq -r '.generation')
if [[ "$now" != "$((CREDENTIAL_GENERATION - 1))" ]]; then
  echo "::error title=Stack moved on::$STACK is at generation $now, not $((CREDENTIAL_GENERATION - 1)), since the rotation was decided: nothing was changed. Run the workflow again."
  exit 1
fi
# --config saves into the checkout's stack file, which this job never commits: the next update
# runs without these keys and leaves the passwords as they are.
pulumi up --stack "$STACK" --policy-pack policy --yes --non-interactive --diff --suppress-progress \
  --config "mlops-cicd:credentialGeneration=$CREDENTIAL_GENERATION" \
  --config "mlops-cicd:credentialRotatedOn=$CREDENTIAL_ROTATED_ON"
after=$(pulumi stack output --stack "$STACK" --json credentialRotation)
if [[ "$(jq -r '"\(.generation) \(.rotatedOn)"' <<<"$after")" != "$CREDENTIAL_GENERATION $CREDENTIAL_ROTATED_ON" ]]; then
  echo "::error title=Rotation not recorded::pulumi up finished, but $STACK reports $after instead of generation $CREDENTIAL_GENERATION of $CREDENTIAL_ROTATED_ON."
  exit 1
fi
echo "$STACK: generation $CREDENTIAL_GENERATION is current ($(jq -r '.current' <<<"$after") logins); the services roll to it now." | tee -a "$GITHUB_STEP_SUMMARY"
