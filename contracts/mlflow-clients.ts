/**
 * Who talks to MLflow, as whom. The server runs with basic auth and every client has its own
 * generated login; what each login may do is the least MLflow's permission model allows for its work.
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
  /** The MLflow username, and the suffix of its secrets. */
  readonly username: MlflowClientName;
  /** On the application's registered model. */
  readonly permission: MlflowPermission;
  /** Who uses the login. */
  readonly usedBy: string;
  /**
   * The Actions secret holding the password, for clients that run in GitHub Actions; the username
   * is not secret and is written into the workflows as is.
   */
  readonly githubSecret?: string;
  /**
   * The environment whose secret `githubSecret` is; a repository secret, which every branch's
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
  },
  {
    username: "registry",
    permission: "EDIT",
    usedBy: "train-model's registration (new versions) and deploy-service's promotion (the environment's alias), from the default branch",
    githubSecret: "MLFLOW_REGISTRY_PASSWORD",
    githubEnvironment: REGISTRY_ENVIRONMENT.name,
  },
  {
    username: "deployment",
    permission: "READ",
    usedBy: "deploy-service: finds the release, builds the image with the model, backs up the aliases",
    githubSecret: "MLFLOW_DEPLOYMENT_PASSWORD",
  },
  {
    username: "monitoring",
    permission: "READ",
    usedBy: "monitor-model's drift calculation",
    githubSecret: "MLFLOW_MONITORING_PASSWORD",
  },
  { username: "serving", permission: "READ", usedBy: "the model services and the batch job on ECS" },
]);

export function mlflowClient(username: MlflowClientName): MlflowClient {
  const client = MLFLOW_CLIENTS.find((candidate) => candidate.username === username);
  if (!client) throw new Error(`No MLflow client named ${username}.`);
  return client;
}

/** The MLflow task's environment variable carrying a client's password. */
export function clientPasswordVariable(client: MlflowClient): string {
  return `MLFLOW_CLIENT_PASSWORD_${client.username.toUpperCase()}`;
}

/** `training:READ registry:EDIT …`: what the server's start ensures (images/mlflow/ensure_access.py). */
export function clientGrants(clients: readonly MlflowClient[] = MLFLOW_CLIENTS): string {
  return clients.map((client) => `${client.username}:${client.permission}`).join(" ");
}
