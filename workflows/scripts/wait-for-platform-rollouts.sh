set -euo pipefail
# MLflow and Grafana roll onto the secret versions a rotation wrote. Until they run them, they log
# in with the login the rotation replaced as current, which the next rotation replaces.
cluster="mlops-cicd-$STACK"
deadline=$(( $(date +%s) + DEADLINE_MINUTES * 60 ))
for name in mlflow grafana; do
  service="$cluster-$name"
  next=$(aws ecs describe-task-definition --task-definition "$service" --query taskDefinition.taskDefinitionArn --output text)
  while :; do
    state=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
      --query "services[0].deployments[?taskDefinition=='${next}'] | [0].rolloutState" --output text)
    case "$state" in
      COMPLETED)
        echo "$service runs $next."
        break
        ;;
      FAILED)
        echo "::error title=Rollout failed::ECS rolled $service back from $next: it runs with the previous login, which the next rotation replaces. Fix the service and run up.yml before then (docs/runtime.md, \"Rotating credentials\")."
        exit 1
        ;;
    esac
    if (( $(date +%s) >= deadline )); then
      echo "::error title=Rollout not finished::$service has not finished rolling onto $next within $DEADLINE_MINUTES minutes (state: $state)."
      exit 1
    fi
    sleep 15
  done
done
