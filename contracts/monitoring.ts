/**
 * Monitoring numbers both sides use: monitor-model alerts at this drift by default, and the
 * Grafana dashboard draws it.
 */

/** monitor-model's default alert threshold (its `alert_threshold` input), drawn on the dashboard. */
export const DEFAULT_ALERT_THRESHOLD = 0.5;
