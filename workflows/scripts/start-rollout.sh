set -euo pipefail
if [[ ! "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::No image digest to deploy; the image build did not publish one."
  exit 1
fi
image="${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${SERVICE_TYPE}@${IMAGE_DIGEST}"
service="${ECS_SERVICE_PREFIX}-${SERVICE_TYPE}"
if [[ "$SERVICE_TYPE" == batch ]]; then
  kind=schedule
  aws scheduler get-schedule --group-name "$BATCH_SCHEDULE_GROUP" --name "$service" > schedule.json
  previous=$(jq -r '.Target.EcsParameters.TaskDefinitionArn // empty' schedule.json)
else
  kind=service
  previous=$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$service" \
    --query 'services[0].taskDefinition' --output text)
fi
if [[ "$previous" != arn:aws:ecs:* ]]; then
  echo "::error::$service has no running task definition in $ECS_CLUSTER: has the environment's pulumi up run?"
  exit 1
fi
aws ecs describe-task-definition --task-definition "$previous" --query taskDefinition > task-definition.json
# Same task definition, new image: drop the fields ECS sets itself before registering it again.
# A revision from before the MLflow logins rotated names the username `serving` as is; it alternates
# with its twin now, so the copy reads it from the password's secret, the current login's, instead
# (docs/decisions/0004-credential-rotation.md).
jq --arg image "$image" --arg container "$SERVICE_TYPE" \
  '.containerDefinitions |= map(
     (if .name == $container then .image = $image else . end)
     | ([.secrets[]? | select(.name == "MLFLOW_TRACKING_PASSWORD") | .valueFrom | select(endswith(":password::"))] | .[0]) as $password
     | if $password != null and any(.environment[]?; .name == "MLFLOW_TRACKING_USERNAME") then
         .environment |= map(select(.name != "MLFLOW_TRACKING_USERNAME"))
         | .secrets += [{name: "MLFLOW_TRACKING_USERNAME", valueFrom: ($password | sub(":password::$"; ":username::"))}]
       else . end)
   | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy)' \
  task-definition.json > next-task-definition.json
next=$(aws ecs register-task-definition --cli-input-json file://next-task-definition.json \
  --query taskDefinition.taskDefinitionArn --output text)
if [[ "$kind" == service ]]; then
  aws ecs update-service --cluster "$ECS_CLUSTER" --service "$service" --task-definition "$next" > /dev/null
  echo "Rolling $service from $previous to $next ($image)."
else
  echo "Registered $next ($image); the schedule runs $previous until a trial run succeeds."
fi
{ echo "kind=$kind"; echo "service=$service"; echo "container=$SERVICE_TYPE"; echo "previous=$previous"; echo "next=$next"; } >> "$GITHUB_OUTPUT"
