set -euo pipefail
# ECS points the service's test route at the new revision once its tasks are up (lifecycle stage
# TEST_TRAFFIC_SHIFT) and leaves it there until the deployment ends: from POST_TEST_TRAFFIC_SHIFT
# on, a request with the test-traffic header reaches the new revision alone.
deadline=$(( $(date +%s) + DEADLINE_MINUTES * 60 ))
while (( $(date +%s) < deadline )); do
  deployment=$(aws ecs list-service-deployments --cluster "$ECS_CLUSTER" --service "$SERVICE" --status IN_PROGRESS \
    --query "serviceDeployments[0].serviceDeploymentArn" --output text)
  if [[ "$deployment" == arn:aws:ecs:* ]]; then
    stage=$(aws ecs describe-service-deployments --service-deployment-arns "$deployment" \
      --query "serviceDeployments[0].lifecycleStage" --output text)
    echo "lifecycle stage: $stage"
    case "$stage" in
      POST_TEST_TRAFFIC_SHIFT | PRODUCTION_TRAFFIC_SHIFT | POST_PRODUCTION_TRAFFIC_SHIFT | BAKE_TIME)
        echo "The test route reaches $NEXT."
        exit 0 ;;
    esac
  else
    # Nothing in progress: not started yet, or already over (ECS rolled it back on an alarm).
    state=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$SERVICE" \
      --query "services[0].deployments[?taskDefinition=='${NEXT}'] | [0].rolloutState" --output text)
    if [[ "$state" == COMPLETED || "$state" == FAILED ]]; then
      echo "::error::The deployment of $NEXT ended ($state) before the test route reached it: nothing to load test."
      exit 1
    fi
  fi
  sleep 15
done
echo "::error::The test route did not reach $NEXT within $DEADLINE_MINUTES minutes: its tasks did not become healthy in time."
exit 1
