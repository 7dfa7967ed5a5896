/**
 * Model-registry steps, over MLflow's REST API with curl and jq (no MLflow client to install).
 * Each step logs in as its workflow's own MLflow client (infra/mlflow/clients.ts); the credentials
 * go to curl on standard input, never on its command line: every step's script starts with the
 * bash function `mlflow_api METHOD PATH [JSON]` of workflows/scripts/mlflow-api.sh.
 * @see https://mlflow.org/docs/latest/rest-api.html
 */
import { MlflowClientName, mlflowClient } from "../contracts/mlflow-clients";
import type { Step } from "./model";
import { scriptFiles } from "./steps";

/**
 * The environment of a step that talks to MLflow as `client`: the registry of record's URL, and the
 * client's current login as the stack publishes it, the username as a variable and the password as
 * a secret (the repository's, or its environment's for the registry login: the step's job must run
 * in that environment). The username is the client's or its twin's, alternating at each credential
 * rotation, so it is read with the password rather than written here
 * (docs/decisions/0004-credential-rotation.md).
 */
export function mlflowEnv(client: MlflowClientName): Readonly<Record<string, string>> {
  const { username, githubSecret, githubUsernameVariable } = mlflowClient(client);
  if (!githubSecret || !githubUsernameVariable) throw new Error(`MLflow client ${username} has no GitHub secret: it does not run in workflows.`);
  return Object.freeze({
    MLFLOW_TRACKING_URI: "${{ secrets.MLFLOW_TRACKING_URI }}",
    MLFLOW_TRACKING_USERNAME: `\${{ vars.${githubUsernameVariable} }}`,
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
    run: scriptFiles("mlflow-api", "register-model"),
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
    run: scriptFiles("mlflow-api", "find-released-model"),
  };
}

/** Points the registry alias (`staging` or `production`) at the deployed version. */
export function promoteModel(alias: string, registryVersion: string): Step {
  return {
    name: "Update the model registry",
    env: { ...mlflowEnv("registry"), ALIAS: alias, REGISTRY_VERSION: registryVersion },
    run: scriptFiles("mlflow-api", "set-model-alias"),
  };
}

/** Records which version each alias pointed at before the deployment: the rollback reference. */
export function backupRegistryState(alias: string, file: string): Step {
  return {
    name: "Back up the registry state",
    env: { ...mlflowEnv("deployment"), ALIAS: alias, BACKUP_FILE: file },
    run: scriptFiles("mlflow-api", "back-up-registry-state"),
  };
}
