set -euo pipefail
request=$(jq -n --arg name "$MODEL_NAME" --arg alias "$ALIAS" --arg version "$REGISTRY_VERSION" '{name: $name, alias: $alias, version: $version}')
mlflow_api POST registered-models/alias "$request" > /dev/null
echo "$MODEL_NAME@$ALIAS is version $REGISTRY_VERSION."
