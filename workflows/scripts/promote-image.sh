set -euo pipefail
image="${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${SERVICE_TYPE}"
docker buildx imagetools create --tag "${image}:${ENVIRONMENT}" "${image}@${IMAGE_DIGEST}"
echo "${image}:${ENVIRONMENT} is ${IMAGE_DIGEST}."
