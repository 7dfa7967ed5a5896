export { ArtifactBucket } from "./artifact-bucket";
export type { ArtifactBucketArgs } from "./artifact-bucket";
export { MLFLOW_CLIENTS, clientGrants, clientPasswordVariable, mlflowClient } from "../../contracts/mlflow-clients";
export type { MlflowClient, MlflowClientName, MlflowPermission } from "../../contracts/mlflow-clients";
