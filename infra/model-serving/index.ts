export { ModelWebService } from "./model-web-service";
export type { ModelWebServiceArgs } from "./model-web-service";
export { ScheduledBatchJob } from "./scheduled-batch-job";
export type { ScheduledBatchJobArgs } from "./scheduled-batch-job";
export { testTrafficHeaderValue, testTrafficHeaderValueProblems } from "./test-traffic-header";
export { ServiceDashboard, dashboardBody } from "./service-dashboard";
export type { DashboardSpec, ServiceDashboardArgs } from "./service-dashboard";
