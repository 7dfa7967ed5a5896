/**
 * Who talks to MLflow, as whom. The server runs with basic auth and every client has two generated
 * logins with the same grant, the client's name and its twin `<name>_alt`, which alternate at each
 * credential rotation; what they may do is the least MLflow's permission model allows for the work.
 *
 * MLflow grants permissions per experiment and per registered model, on top of a default that applies
 * to everything else (READ here). Training creates its own experiments (their creator gets MANAGE on
 * them) and only reads the registered model; deployment, monitoring and serving only read. One login
 * writes the registry: `registry` adds versions and moves aliases, and its password is a secret of
 * the default-branch-only `model-registry` environment, so no branch's workflow can reach it; the
 * logins every branch can reach (repository secrets) cannot change what gets deployed. The
 * registered model is created by the server itself at start, so no client ever owns (and could
 * delete) it.
 */
import { REGISTRY_ENVIRONMENT } from "./github";

/** MLflow's permission levels a client is granted on the application's registered model. */
export type MlflowPermission = "READ" | "EDIT";

export type MlflowClientName = "training" | "registry" | "deployment" | "monitoring" | "serving";

export interface MlflowClient {
  /**
   * The client's name: the username of its first login (the twin's is `alternateClientUsername`),
   * and the suffix of its secrets. Which of the two is current is in its secret and, for GitHub
   * Actions, in `githubUsernameVariable`.
   */
  readonly username: MlflowClientName;
  /** On the application's registered model. */
  readonly permission: MlflowPermission;
  /** Who uses the login. */
  readonly usedBy: string;
  /**
   * The Actions secret holding the current login's password, for clients that run in GitHub Actions.
   */
  readonly githubSecret?: string;
  /**
   * The Actions variable holding the current login's username, set with `githubSecret`: the client
   * or its twin, `<client>_alt`, alternating at each credential rotation. A variable, not a secret:
   * it is not secret, and a secret's value would be masked wherever the word appears in a log.
   */
  readonly githubUsernameVariable?: string;
  /**
   * The environment whose secret `githubSecret` (and variable `githubUsernameVariable`) is; a repository secret, which every branch's
   * workflows can read, when unset. Every login that may write (EDIT) has one.
   */
  readonly githubEnvironment?: string;
}

export const MLFLOW_CLIENTS: readonly MlflowClient[] = Object.freeze([
  {
    username: "training",
    permission: "READ",
    usedBy: "train-model and ci-cd's training: runs in their own experiments",
    githubSecret: "MLFLOW_TRAINING_PASSWORD",
    githubUsernameVariable: "MLFLOW_TRAINING_USERNAME",
  },
  {
    username: "registry",
    permission: "EDIT",
    usedBy: "train-model's registration (new versions) and deploy-service's promotion (the environment's alias), from the default branch",
    githubSecret: "MLFLOW_REGISTRY_PASSWORD",
    githubUsernameVariable: "MLFLOW_REGISTRY_USERNAME",
    githubEnvironment: REGISTRY_ENVIRONMENT.name,
  },
  {
    username: "deployment",
    permission: "READ",
    usedBy: "deploy-service: finds the release, builds the image with the model, backs up the aliases",
    githubSecret: "MLFLOW_DEPLOYMENT_PASSWORD",
    githubUsernameVariable: "MLFLOW_DEPLOYMENT_USERNAME",
  },
  {
    username: "monitoring",
    permission: "READ",
    usedBy: "monitor-model's drift calculation",
    githubSecret: "MLFLOW_MONITORING_PASSWORD",
    githubUsernameVariable: "MLFLOW_MONITORING_USERNAME",
  },
  { username: "serving", permission: "READ", usedBy: "the model services and the batch job on ECS" },
]);

export function mlflowClient(username: MlflowClientName): MlflowClient {
  const client = MLFLOW_CLIENTS.find((candidate) => candidate.username === username);
  if (!client) throw new Error(`No MLflow client named ${username}.`);
  return client;
}

/**
 * The twin of a client's login, `<client>_alt`: each client has two MLflow users, with the same
 * grant, that alternate at each credential rotation (docs/decisions/0004-credential-rotation.md).
 * MLflow's basic auth takes any username without a colon; the suffix is the database twins'.
 */
export function alternateClientUsername(client: MlflowClient): string {
  return `${client.username}_alt`;
}

/**
 * The MLflow task's environment variables carrying a client's current login and the standby one,
 * each as a username and a password (images/mlflow/ensure_access.py).
 */
export function clientLoginVariables(client: MlflowClient, which: "current" | "standby"): { readonly username: string; readonly password: string } {
  const kind = which === "current" ? "" : "STANDBY_";
  const suffix = client.username.toUpperCase();
  return { username: `MLFLOW_CLIENT_${kind}USERNAME_${suffix}`, password: `MLFLOW_CLIENT_${kind}PASSWORD_${suffix}` };
}

/** `training:READ registry:EDIT …`: what the server's start ensures (images/mlflow/ensure_access.py). */
export function clientGrants(clients: readonly MlflowClient[] = MLFLOW_CLIENTS): string {
  return clients.map((client) => `${client.username}:${client.permission}`).join(" ");
}
