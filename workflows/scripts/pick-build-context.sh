set -euo pipefail
case "$SERVICE_TYPE" in
  web-service) dir="$WEB_SERVICE_DIR"; key=mlops-cicd:appWebServiceDirectory ;;
  batch) dir="$BATCH_DIR"; key=mlops-cicd:appBatchDirectory ;;
  mlflow-service) dir="$MLFLOW_SERVICE_DIR"; key=mlops-cicd:appMlflowServiceDirectory ;;
  *) echo "::error::Unknown service type $SERVICE_TYPE."; exit 1 ;;
esac
if [[ -z "$dir" ]]; then
  echo "::error title=No image for $SERVICE_TYPE::This repository builds no image for $SERVICE_TYPE ($key is empty in the stack config), so it cannot be deployed. Set $key to the directory holding its Dockerfile."
  exit 1
fi
echo "dir=$dir" >> "$GITHUB_OUTPUT"
