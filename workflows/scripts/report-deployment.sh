set -euo pipefail
{
  echo "## ${SERVICE_TYPE} ${MODEL_VERSION} to ${ENVIRONMENT}: ${OUTCOME}"
  echo "- task definition: ${NEXT:-none}"
  echo "- image: ${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${SERVICE_TYPE}"
} >> "$GITHUB_STEP_SUMMARY"
