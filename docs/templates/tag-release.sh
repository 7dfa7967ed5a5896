#!/usr/bin/env bash
# Names a registered model version as a release, the way deploy-service finds releases: the MLflow
# model-version tag `release=vX.Y.Z`, on exactly one version of the model.
#
#   MLFLOW_TRACKING_URI=https://mlflow.example.com MLFLOW_TRACKING_USERNAME=admin \
#   MLFLOW_TRACKING_PASSWORD=… ./tag-release.sh nyc-taxi-trip-duration 7 v1.2.3
#
# Then: gh workflow run deploy-service.yml -f model_version=v1.2.3 … The login needs EDIT on the
# registered model (the administrator, or a person granted it): the workflows' own logins only read.
# The password reaches curl on standard input, never on its command line.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 <registered model name> <registry version> <release, such as v1.2.3>" >&2
  exit 2
fi
model=$1 version=$2 release=$3
if [[ ! "$version" =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: the registry version must be a number such as 7 (train-model's model card gives it), got '$version'" >&2
  exit 2
fi
if [[ ! "$release" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "$0: the release must be vMAJOR.MINOR.PATCH, such as v1.2.3, got '$release'" >&2
  exit 2
fi
: "${MLFLOW_TRACKING_URI:?set MLFLOW_TRACKING_URI to the MLflow server}"
: "${MLFLOW_TRACKING_USERNAME:?set MLFLOW_TRACKING_USERNAME to a login with EDIT on the model}"
: "${MLFLOW_TRACKING_PASSWORD:?set MLFLOW_TRACKING_PASSWORD}"

mlflow() {
  local method=$1 path=$2
  shift 2
  printf 'user = "%s:%s"\n' "$MLFLOW_TRACKING_USERNAME" "$MLFLOW_TRACKING_PASSWORD" |
    curl -K - -fsS -X "$method" -H "Content-Type: application/json" "${MLFLOW_TRACKING_URI%/}/api/2.0/mlflow/${path}" "$@"
}

# deploy-service refuses a release that more than one version carries: check before tagging.
filter=$(jq -rn --arg name "$model" --arg release "$release" '"name=\u0027\($name)\u0027 and tag.release=\u0027\($release)\u0027" | @uri')
tagged=$(mlflow GET "model-versions/search?filter=${filter}" | jq -r '[.model_versions // [] | .[].version] | join(" ")')
if [[ -n "$tagged" && "$tagged" != "$version" ]]; then
  echo "$0: $release already names version $tagged of $model; a release names one version. Choose another release." >&2
  exit 1
fi
mlflow POST model-versions/set-tag --data "$(jq -n --arg name "$model" --arg version "$version" --arg value "$release" '{name: $name, version: $version, key: "release", value: $value}')" > /dev/null
echo "$model version $version is release $release: deploy it with deploy-service, model_version: $release."
