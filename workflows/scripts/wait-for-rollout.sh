set -euo pipefail
deadline=$(( $(date +%s) + DEADLINE_MINUTES * 60 ))
while (( $(date +%s) < deadline )); do
  state=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$SERVICE" \
    --query "services[0].deployments[?taskDefinition=='${NEXT}'] | [0].rolloutState" --output text)
  echo "rollout state: $state"
  case "$state" in
    COMPLETED) exit 0 ;;
    FAILED) echo "::error::ECS rolled the deployment of $NEXT back."; exit 1 ;;
  esac
  sleep 15
done
echo "::error::The deployment of $NEXT did not finish within $DEADLINE_MINUTES minutes."
exit 1
