/**
 * The application team's Grafana dashboards (docs/monitoring.md): checked on every run of ci-cd's
 * lint job, and loaded by each deploy job into its environment's Grafana through the artifact
 * bucket prefix the runtime stack publishes as GRAFANA_DASHBOARDS_URI.
 */
import { APPLICATION_DASHBOARDS } from "../contracts/dashboards";
import type { Step } from "./model";
import { scriptFiles } from "./steps";

const checkEnv = (directory: string) => ({
  DASHBOARDS_DIR: directory,
  RESERVED_UID_PREFIX: APPLICATION_DASHBOARDS.reservedUidPrefix,
  MAX_DASHBOARD_BYTES: String(APPLICATION_DASHBOARDS.maxFileBytes),
  PLATFORM_DATASOURCE_UIDS: APPLICATION_DASHBOARDS.platformDataSourceUids.join(" "),
});

/** Every `*.json` under `directory` is a dashboard Grafana loads as it is; nothing leaves the runner. */
export function checkDashboards(directory: string): Step {
  return { name: "Check the team's Grafana dashboards", env: checkEnv(directory), run: scriptFiles("check-dashboards") };
}

/**
 * The same check, then the dashboards that passed become the environment's whole set (`aws s3 sync
 * --delete`); Grafana's dashboard-sync container picks them up. Needs the checkout and the
 * environment's AWS credentials.
 */
export function loadDashboards(directory: string): Step {
  return {
    name: "Load the team's dashboards into Grafana",
    env: { ...checkEnv(directory), DASHBOARDS_URI: "${{ vars.GRAFANA_DASHBOARDS_URI }}" },
    run: scriptFiles("check-dashboards", "sync-dashboards"),
  };
}
