/**
 * Model-registry steps, over MLflow's REST API with curl and jq (no MLflow client to install).
 * Each step logs in as its workflow's own MLflow client (infra/mlflow/clients.ts); the credentials
 * go to curl on standard input, never on its command line.
 * @see https://mlflow.org/docs/latest/rest-api.html
 */
import { MlflowClientName, mlflowClient } from "../contracts/mlflow-clients";
import type { Step } from "./model";
import { script } from "./steps";

/** A bash function `mlflow_api METHOD PATH [JSON]` printing the response body. */
const MLFLOW_API = [
  "mlflow_api() {",
  '  local method=$1 path=$2 body=${3:-}',
  '  local args=(-fsS --retry 3 -X "$method" -H "Content-Type: application/json" "${MLFLOW_TRACKING_URI%/}/api/2.0/mlflow/${path}")',
  '  if [[ -n "$body" ]]; then args+=(--data "$body"); fi',
  '  if [[ -z "${MLFLOW_TRACKING_URI:-}" || -z "${MLFLOW_TRACKING_PASSWORD:-}" ]]; then',
  '    echo "::error title=MLflow credentials missing::MLFLOW_TRACKING_URI or the password of MLflow user ${MLFLOW_TRACKING_USERNAME} is empty: pulumi up on the stack that manages the repository settings publishes them (the registry login as a secret of the model-registry environment, the others as repository secrets)." >&2',
  "    return 1",
  "  fi",
  '  printf \'user = "%s:%s"\\n\' "$MLFLOW_TRACKING_USERNAME" "$MLFLOW_TRACKING_PASSWORD" | curl -K - "${args[@]}"',
  "}",
];

/**
 * The environment of a step that talks to MLflow as `client`: the registry of record's URL, the
 * client's username (not secret) and its password from the secret the stack publishes (a repository
 * secret, or its environment's for the registry login: the step's job must run in that environment).
 */
export function mlflowEnv(client: MlflowClientName): Readonly<Record<string, string>> {
  const { username, githubSecret } = mlflowClient(client);
  if (!githubSecret) throw new Error(`MLflow client ${username} has no GitHub secret: it does not run in workflows.`);
  return Object.freeze({
    MLFLOW_TRACKING_URI: "${{ secrets.MLFLOW_TRACKING_URI }}",
    MLFLOW_TRACKING_USERNAME: username,
    MLFLOW_TRACKING_PASSWORD: `\${{ secrets.${githubSecret} }}`,
  });
}

/**
 * Registers the trained run's model as a new version of MODEL_NAME (creating the registered model
 * on first use), tagged with the release; outputs `version`.
 */
export function registerModel(trainingFile: string): Step {
  return {
    id: "register",
    name: "Register the model in the MLflow Model Registry",
    env: { ...mlflowEnv("registry"), TRAINING_FILE: trainingFile },
    run: script(
      ...MLFLOW_API,
      'run_id=$(jq -er \'.run_id | strings\' "$TRAINING_FILE")',
      'if ! mlflow_api GET "registered-models/get?name=${MODEL_NAME}" > /dev/null 2>&1; then',
      '  mlflow_api POST registered-models/create "$(jq -n --arg name "$MODEL_NAME" \'{name: $name}\')" > /dev/null',
      "fi",
      "request=$(jq -n --arg name \"$MODEL_NAME\" --arg run \"$run_id\" '{name: $name, source: \"runs:/\\($run)/model\", run_id: $run}')",
      'version=$(mlflow_api POST model-versions/create "$request" | jq -r .model_version.version)',
      'echo "version=$version" >> "$GITHUB_OUTPUT"',
      'echo "Registered $MODEL_NAME version $version from run $run_id."',
    ),
  };
}

/**
 * Finds the registry version carrying the release tag MODEL_VERSION (`v1.2.3`) and checks it is
 * READY; outputs `registry_version`.
 */
export function findReleasedModel(): Step {
  return {
    id: "model",
    name: "Validate the model version",
    env: { ...mlflowEnv("deployment") },
    run: script(
      ...MLFLOW_API,
      "filter=$(jq -rn --arg name \"$MODEL_NAME\" --arg release \"$MODEL_VERSION\" '\"name=\\u0027\\($name)\\u0027 and tag.release=\\u0027\\($release)\\u0027\" | @uri')",
      'found=$(mlflow_api GET "model-versions/search?filter=${filter}")',
      "count=$(jq '.model_versions // [] | length' <<< \"$found\")",
      'if [[ "$count" != 1 ]]; then',
      '  echo "::error title=Unknown model version::$MODEL_NAME has $count versions tagged release=$MODEL_VERSION; expected exactly one."',
      "  exit 1",
      "fi",
      "status=$(jq -r '.model_versions[0].status' <<< \"$found\")",
      'if [[ "$status" != READY ]]; then echo "::error::$MODEL_NAME $MODEL_VERSION is $status, not READY."; exit 1; fi',
      "echo \"registry_version=$(jq -r '.model_versions[0].version' <<< \"$found\")\" >> \"$GITHUB_OUTPUT\"",
    ),
  };
}

/** Points the registry alias (`staging` or `production`) at the deployed version. */
export function promoteModel(alias: string, registryVersion: string): Step {
  return {
    name: "Update the model registry",
    env: { ...mlflowEnv("registry"), ALIAS: alias, REGISTRY_VERSION: registryVersion },
    run: script(
      ...MLFLOW_API,
      "request=$(jq -n --arg name \"$MODEL_NAME\" --arg alias \"$ALIAS\" --arg version \"$REGISTRY_VERSION\" '{name: $name, alias: $alias, version: $version}')",
      'mlflow_api POST registered-models/alias "$request" > /dev/null',
      'echo "$MODEL_NAME@$ALIAS is version $REGISTRY_VERSION."',
    ),
  };
}

/** Records which version each alias pointed at before the deployment: the rollback reference. */
export function backupRegistryState(alias: string, file: string): Step {
  return {
    name: "Back up the registry state",
    env: { ...mlflowEnv("deployment"), ALIAS: alias, BACKUP_FILE: file },
    run: script(
      ...MLFLOW_API,
      'mkdir -p "$(dirname "$BACKUP_FILE")"',
      "# The model exists (MLflow's start creates it): a failure here is the registry or the login, never",
      "# an alias not set yet, and must stop the deployment rather than record no rollback reference.",
      'mlflow_api GET "registered-models/get?name=${MODEL_NAME}" > /dev/null',
      'current=$(mlflow_api GET "registered-models/alias?name=${MODEL_NAME}&alias=${ALIAS}" 2> /dev/null || echo \'{}\')',
      "jq --arg alias \"$ALIAS\" '{alias: $alias, version: (.model_version.version // null)}' <<< \"$current\" > \"$BACKUP_FILE\"",
      'cat "$BACKUP_FILE"',
    ),
  };
}
