set -euo pipefail
# MODEL_VERSION is a release (v1.2.3: the version tagged release=v1.2.3) or a registry version (7:
# as train-model's model card reports it).
if [[ "$MODEL_VERSION" =~ ^[0-9]+$ ]]; then
  query=$(jq -rn --arg name "$MODEL_NAME" --arg version "$MODEL_VERSION" '"name=\($name | @uri)&version=\($version)"')
  if ! found=$(mlflow_api GET "model-versions/get?${query}"); then
    echo "::error title=Unknown model version::$MODEL_NAME has no registry version $MODEL_VERSION (or the registry could not be read)."
    exit 1
  fi
  found=$(jq '{model_versions: [.model_version]}' <<< "$found")
else
  filter=$(jq -rn --arg name "$MODEL_NAME" --arg release "$MODEL_VERSION" '"name=\u0027\($name)\u0027 and tag.release=\u0027\($release)\u0027" | @uri')
  found=$(mlflow_api GET "model-versions/search?filter=${filter}")
fi
count=$(jq '.model_versions // [] | length' <<< "$found")
if [[ "$count" != 1 ]]; then
  echo "::error title=Unknown model version::$MODEL_NAME has $count versions tagged release=$MODEL_VERSION; expected exactly one."
  exit 1
fi
status=$(jq -r '.model_versions[0].status' <<< "$found")
if [[ "$status" != READY ]]; then echo "::error::$MODEL_NAME $MODEL_VERSION is $status, not READY."; exit 1; fi
echo "registry_version=$(jq -r '.model_versions[0].version' <<< "$found")" >> "$GITHUB_OUTPUT"
