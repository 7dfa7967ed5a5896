export { ServiceCluster, TLS_POLICY } from "./service-cluster";
export type { ServiceClusterArgs } from "./service-cluster";
export { WebService } from "./web-service";
export type { SecretReference, WebServiceArgs } from "./web-service";
export { GRAFANA_PORT, MLFLOW_PORT, PlatformServices } from "./platform-services";
export type { PlatformServicesArgs } from "./platform-services";
