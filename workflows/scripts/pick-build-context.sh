set -euo pipefail
case "$SERVICE_TYPE" in
  web-service) dir="$WEB_SERVICE_DIR" ;;
  batch) dir="$BATCH_DIR" ;;
  mlflow-service) dir="$MLFLOW_SERVICE_DIR" ;;
  *) echo "::error::Unknown service type $SERVICE_TYPE."; exit 1 ;;
esac
echo "dir=$dir" >> "$GITHUB_OUTPUT"
