set -euo pipefail
ride='{"PULocationID": "10", "DOLocationID": "50", "trip_distance": 40}'
case "$SERVICE_TYPE" in
  web-service)
    answer=$(curl -fsS --retry 5 --retry-all-errors --max-time 20 -H "Content-Type: application/json" -d "$ride" "${API_URL%/}/predict")
    jq -e '(.duration | type == "number") and (.model_version | type == "string")' <<< "$answer"
    ;;
  mlflow-service)
    answer=$(curl -fsS --retry 5 --retry-all-errors --max-time 20 -H "Content-Type: application/json" \
      -d "{\"dataframe_records\": [${ride}]}" "${API_URL%/}/invocations")
    jq -e '.predictions | length == 1' <<< "$answer"
    ;;
  batch)
    aws scheduler get-schedule --group-name "$BATCH_SCHEDULE_GROUP" --name "$SERVICE" > deployed-schedule.json
    jq -e --arg next "$NEXT" '.State == "ENABLED" and .Target.EcsParameters.TaskDefinitionArn == $next' deployed-schedule.json
    ;;
  *)
    echo "::error::Unknown service type $SERVICE_TYPE."; exit 1 ;;
esac
echo "Smoke test of $SERVICE_TYPE passed."
