set -euo pipefail
mlflow_api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-fsS --retry 3 -X "$method" -H "Content-Type: application/json" "${MLFLOW_TRACKING_URI%/}/api/2.0/mlflow/${path}")
  if [[ -n "$body" ]]; then args+=(--data "$body"); fi
  if [[ -z "${MLFLOW_TRACKING_URI:-}" || -z "${MLFLOW_TRACKING_USERNAME:-}" || -z "${MLFLOW_TRACKING_PASSWORD:-}" ]]; then
    echo "::error title=MLflow credentials missing::MLFLOW_TRACKING_URI, the MLflow username (\"${MLFLOW_TRACKING_USERNAME:-}\") or its password is empty: pulumi up on the stack that manages the repository settings publishes them (the registry login as a variable and a secret of the model-registry environment, the others as repository variables MLFLOW_<CLIENT>_USERNAME and secrets MLFLOW_<CLIENT>_PASSWORD)." >&2
    return 1
  fi
  printf 'user = "%s:%s"\n' "$MLFLOW_TRACKING_USERNAME" "$MLFLOW_TRACKING_PASSWORD" | curl -K - "${args[@]}"
}
