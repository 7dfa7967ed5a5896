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
# A platform service still on an older revision (a rollout ECS rolled back) runs with the login a
# rotation now would replace.
cluster="mlops-cicd-$STACK"
for name in mlflow grafana; do
  service="$cluster-$name"
  latest=$(aws ecs describe-task-definition --task-definition "$service" --query taskDefinition.taskDefinitionArn --output text)
  running=$(aws ecs describe-services --cluster "$cluster" --services "$service" --query "services[0].taskDefinition" --output text)
  if [[ "$running" != "$latest" ]]; then
    echo "::error title=Service behind::$service runs $running, not its latest revision $latest: a rotation now would replace the login it runs with. Bring it up to date (up.yml) first; nothing was changed."
    exit 1
  fi
done
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
