export { DASHBOARD_UID, modelMonitoringDashboard } from "./dashboard";
export type { DashboardSettings } from "./dashboard";
export { DELIVERY_DASHBOARD_UID, deliveryDashboard } from "./delivery-dashboard";
export { GRAFANA_PATHS, renderGrafanaFiles } from "./provisioning";
export type { GrafanaProvisioningArgs } from "./provisioning";
export { METRICS_DATASOURCE, MODEL_FILTER, PostgresQueryBuilder, latestQuery, seriesQuery } from "./sql-query";
export type { PostgresQuery, QueryFormat } from "./sql-query";
export { grafanaImageFiles } from "./image-files";
