/**
 * Monitoring numbers several sides use: the `mlops-monitor` command, monitor-model's inputs and
 * the Grafana dashboard.
 */

/** monitor-model's default alert threshold (its `alert_threshold` input), drawn on the dashboard. */
export const DEFAULT_ALERT_THRESHOLD = 0.5;

/** monitor-model runs every 6 hours; one hour of grace covers a slow or delayed run. Metrics older are stale. */
export const DEFAULT_MAX_AGE_HOURS = 7;
