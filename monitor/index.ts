export { runMonitorCommand } from "./command";
export type { CommandContext } from "./command";
export { METRICS_FIELDS, MetricsFileError, assessStaleness, isDrifting, parseMetrics } from "./metrics";
export type { MetricsRecord, Staleness } from "./metrics";
export { newestWindow, storeMetrics } from "./store";
export type { StoreOutcome } from "./store";
export { REMOTE_COMMANDS, runRemote } from "./remote";
export type { MetricsRequest, MetricsResponse, RemoteContext } from "./remote";
