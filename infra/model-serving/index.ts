export { CANARY_BAKE_MINUTES, CANARY_MAX_5XX_RATE, CANARY_MAX_P95_SECONDS, CANARY_PERCENT } from "../../contracts/canary";
export { ModelWebService } from "./model-web-service";
export type { ModelWebServiceArgs } from "./model-web-service";
export { ScheduledBatchJob } from "./scheduled-batch-job";
export type { ScheduledBatchJobArgs } from "./scheduled-batch-job";
export { ServiceDashboard, dashboardBody } from "./service-dashboard";
export type { DashboardSpec, ServiceDashboardArgs } from "./service-dashboard";
