set -euo pipefail
network=$(jq -c '.Target.EcsParameters.NetworkConfiguration.AwsvpcConfiguration
  | {awsvpcConfiguration: {subnets: .Subnets, securityGroups: .SecurityGroups, assignPublicIp: .AssignPublicIp}}' schedule.json)
task=$(aws ecs run-task --cluster "$ECS_CLUSTER" --task-definition "$NEXT" --launch-type FARGATE \
  --network-configuration "$network" --started-by deploy-service --query "tasks[0].taskArn" --output text)
if [[ "$task" != arn:aws:ecs:* ]]; then echo "::error::ECS did not start a trial run of $NEXT (capacity, or the task definition): see the run-task answer above."; exit 1; fi
echo "Trial run: $task"
deadline=$(( $(date +%s) + DEADLINE_MINUTES * 60 ))
status=""
while [[ "$status" != STOPPED ]]; do
  if (( $(date +%s) >= deadline )); then
    aws ecs stop-task --cluster "$ECS_CLUSTER" --task "$task" --reason "deploy-service: trial run timed out" > /dev/null
    echo "::error::The trial run of $NEXT did not finish within $DEADLINE_MINUTES minutes."
    exit 1
  fi
  sleep 15
  status=$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" --query "tasks[0].lastStatus" --output text)
done
code=$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" --query "tasks[0].containers[0].exitCode" --output text)
if [[ "$code" != 0 ]]; then
  echo "::error title=Trial run failed::$NEXT exited with $code; the schedule still runs $PREVIOUS."
  aws logs get-log-events --log-group-name "/ecs/${SERVICE}" --log-stream-name "${CONTAINER}/${CONTAINER}/${task##*/}" \
    --limit 50 --query "events[].message" --output text || true
  exit 1
fi
jq --arg td "$NEXT" "$SCHEDULE_UPDATE" schedule.json > next-schedule.json
aws scheduler update-schedule --cli-input-json file://next-schedule.json > /dev/null
echo "The trial run passed; the schedule now runs $NEXT."
