set -euo pipefail
run_id=$(jq -er '.run_id | strings' "$TRAINING_FILE")
if ! mlflow_api GET "registered-models/get?name=${MODEL_NAME}" > /dev/null 2>&1; then
  mlflow_api POST registered-models/create "$(jq -n --arg name "$MODEL_NAME" '{name: $name}')" > /dev/null
fi
request=$(jq -n --arg name "$MODEL_NAME" --arg run "$run_id" '{name: $name, source: "runs:/\($run)/model", run_id: $run}')
version=$(mlflow_api POST model-versions/create "$request" | jq -r .model_version.version)
echo "version=$version" >> "$GITHUB_OUTPUT"
echo "Registered $MODEL_NAME version $version from run $run_id."
