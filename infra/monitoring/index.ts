export { DEFAULT_MAX_AGE_HOURS, runMonitorCommand } from "./command";
export type { CommandContext } from "./command";
export { METRICS_FIELDS, MetricsFileError, assessStaleness, isDrifting, parseMetrics } from "./metrics";
export type { MetricsRecord, Staleness } from "./metrics";
export { newestWindow, storeMetrics } from "./store";
export type { StoreOutcome } from "./store";
