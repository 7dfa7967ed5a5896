/**
 * The platform's Grafana dashboards that take a `stack` variable (tools/grafana), by uid, and the
 * link that opens one on a given stack: each stack publishes its own (stack output
 * `grafanaDashboardUrls`), so nobody picks a stack when several share an account and region.
 */
export const STACK_DASHBOARDS = Object.freeze({ modelServices: "mlops-model-services", database: "mlops-database" });

/** `https://grafana.example.com/d/<uid>?var-stack=<stack>`: Grafana sets the variable from the URL. */
export function stackDashboardUrl(grafanaUrl: string, uid: string, stack: string): string {
  return `${grafanaUrl}/d/${uid}?var-stack=${encodeURIComponent(stack)}`;
}
