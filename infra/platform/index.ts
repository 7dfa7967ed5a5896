export { ServiceCluster, TLS_POLICY } from "./service-cluster";
export type { ServiceClusterArgs } from "./service-cluster";
export { PlatformWebService } from "./platform-web-service";
export type { PlatformWebServiceArgs } from "./platform-web-service";
export { fargateTask, ipTargetGroup } from "./fargate-task";
export type { FargateTaskResources, FargateTaskSpec, RoutedServiceSpec, SecretReference } from "./fargate-task";
export { GRAFANA_PORT, MLFLOW_PORT, PlatformServices } from "./platform-services";
export type { PlatformServicesArgs } from "./platform-services";
export { grafanaCloudWatchStatements } from "./grafana-cloudwatch-access";
