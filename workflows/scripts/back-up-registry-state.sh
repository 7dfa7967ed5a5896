set -euo pipefail
mkdir -p "$(dirname "$BACKUP_FILE")"
# The model exists (MLflow's start creates it): a failure here is the registry or the login, never
# an alias not set yet, and must stop the deployment rather than record no rollback reference.
mlflow_api GET "registered-models/get?name=${MODEL_NAME}" > /dev/null
current=$(mlflow_api GET "registered-models/alias?name=${MODEL_NAME}&alias=${ALIAS}" 2> /dev/null || echo '{}')
jq --arg alias "$ALIAS" '{alias: $alias, version: (.model_version.version // null)}' <<< "$current" > "$BACKUP_FILE"
cat "$BACKUP_FILE"
