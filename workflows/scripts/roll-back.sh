set -euo pipefail
if [[ "$KIND" == schedule ]]; then
  current=$(aws scheduler get-schedule --group-name "$BATCH_SCHEDULE_GROUP" --name "$SERVICE" \
    --query "Target.EcsParameters.TaskDefinitionArn" --output text)
  if [[ "$current" != "$PREVIOUS" ]]; then
    jq --arg td "$PREVIOUS" "$SCHEDULE_UPDATE" schedule.json > previous-schedule.json
    aws scheduler update-schedule --cli-input-json file://previous-schedule.json > /dev/null
  fi
  echo "The $SERVICE schedule runs $PREVIOUS again."
  exit 0
fi
# A deployment still under way (the load test failed during the canary) is stopped: ECS moves the
# traffic back to the previous revision itself, at once.
deployment=$(aws ecs list-service-deployments --cluster "$ECS_CLUSTER" --service "$SERVICE" --status IN_PROGRESS \
  --query "serviceDeployments[0].serviceDeploymentArn" --output text)
if [[ "$deployment" == arn:aws:ecs:* ]]; then
  aws ecs stop-service-deployment --service-deployment-arn "$deployment" --stop-type ROLLBACK > /dev/null
  echo "Stopped $deployment: ECS rolls it back."
  aws ecs wait services-stable --cluster "$ECS_CLUSTER" --services "$SERVICE"
fi
current=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$SERVICE" --query "services[0].taskDefinition" --output text)
if [[ "$current" != "$PREVIOUS" ]]; then
  aws ecs update-service --cluster "$ECS_CLUSTER" --service "$SERVICE" --task-definition "$PREVIOUS" > /dev/null
  aws ecs wait services-stable --cluster "$ECS_CLUSTER" --services "$SERVICE"
fi
echo "$SERVICE serves $PREVIOUS again."
