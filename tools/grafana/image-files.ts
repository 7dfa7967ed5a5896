import { METRICS_DATABASE } from "../../infra/database/roles";
import { DEFAULT_ALERT_THRESHOLD, DEFAULT_MAX_AGE_HOURS } from "../../contracts/monitoring";
import { DELIVERY_DASHBOARD_UID, deliveryDashboard } from "./delivery-dashboard";
import { renderGrafanaFiles } from "./provisioning";

/**
 * The Grafana image's provisioning and dashboards. Nothing in them depends on the stack (host and
 * the reader's login come from the task's environment), so one rendering, committed under images/grafana/,
 * serves every stack; `npm run gen` writes it and a test keeps it current. The delivery dashboard
 * lies in the same folder the provider loads, so it is provisioned as the monitoring one is.
 */
export function grafanaImageFiles(): { path: string; content: string }[] {
  return [
    ...renderGrafanaFiles({
      database: METRICS_DATABASE,
      alertThreshold: DEFAULT_ALERT_THRESHOLD,
      maxAgeHours: DEFAULT_MAX_AGE_HOURS,
    }),
    { path: `dashboards/${DELIVERY_DASHBOARD_UID}.json`, content: `${JSON.stringify(deliveryDashboard(), null, 2)}\n` },
  ];
}
