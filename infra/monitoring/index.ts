export { METRICS_FUNCTION_BUNDLE, MetricsFunction } from "./metrics-function";
export type { MetricsFunctionArgs } from "./metrics-function";
