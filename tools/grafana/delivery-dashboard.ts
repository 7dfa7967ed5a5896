/**
 * The delivery dashboard as code: the spec's workflow metrics (success rate per workflow, execution
 * time, deployment frequency, failure rate, MTTR) over `workflow_runs` and `incidents`, which
 * record-delivery-metrics.yml fills (docs/monitoring.md, "Delivery metrics").
 *
 * What counts:
 * - an execution is a run attempt that passed or failed (success, failure, timed_out,
 *   startup_failure); a cancelled or skipped attempt says nothing about the workflow's health;
 * - a production deployment is a run attempt whose furthest deploy job was production's, counted
 *   by that job's conclusion: deployed on success, a failed change on failure;
 * - time to restore is a production incident issue's opening to its closing; an incident issue
 *   opened by hand names no environment and counts as production's, a staging one does not count.
 */
import { BigValueColorMode, BigValueGraphMode, BarGaugeDisplayMode, GraphDrawStyle, ReduceDataOptionsBuilder, VizOrientation } from "@grafana/grafana-foundation-sdk/common";
import { DashboardBuilder, ThresholdsConfigBuilder, ThresholdsMode } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as BarGaugePanel } from "@grafana/grafana-foundation-sdk/bargauge";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS_DATASOURCE, PostgresQueryBuilder } from "./sql-query";

export const DELIVERY_DASHBOARD_UID = "mlops-delivery";

/** Conclusions of an attempt that ran to a verdict. */
const EXECUTED = "conclusion IN ('success', 'failure', 'timed_out', 'startup_failure')";
/** Attempts that deployed to production, or tried to and failed. */
const PRODUCTION_DEPLOYMENT = "environment = 'production' AND deployment_conclusion IN ('success', 'failure')";
const DEPLOYED = "environment = 'production' AND deployment_conclusion = 'success'";
/** Production's incidents: one opened by hand names no environment. One that lost its label is none. */
const PRODUCTION_INCIDENT = "coalesce(environment, 'production') = 'production' AND NOT withdrawn";

const thresholds = (steps: { value: number | null; color: string }[]) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps.map((step) => ({ value: step.value, color: step.color })));
const lastValue = () => new ReduceDataOptionsBuilder().calcs(["lastNotNull"]);
const sql = (rawSql: string, format: "table" | "time_series" = "table") => new PostgresQueryBuilder("A", rawSql, format);

export function deliveryDashboard() {
  const datasource = { ...METRICS_DATASOURCE };
  const stat = (title: string, description: string) =>
    new StatPanel().title(title).description(description).datasource(datasource).graphMode(BigValueGraphMode.None).reduceOptions(lastValue());

  return new DashboardBuilder("Delivery")
    .uid(DELIVERY_DASHBOARD_UID)
    .tags(["mlops", "delivery"])
    .editable()
    .readonly()
    .refresh("15m")
    .time({ from: "now-30d", to: "now" })
    .timezone("utc")
    .withPanel(
      new BarGaugePanel()
        .title("Success rate per workflow")
        .description("Share of the attempts that ran to a verdict (success, failure, timed out, failed to start) that succeeded; cancelled and skipped attempts are left out.")
        .datasource(datasource)
        .gridPos({ x: 0, y: 0, w: 12, h: 8 })
        .unit("percentunit")
        .min(0)
        .max(1)
        .decimals(1)
        .orientation(VizOrientation.Horizontal)
        .displayMode(BarGaugeDisplayMode.Basic)
        // One bar per row: the workflow names the bar.
        .reduceOptions(new ReduceDataOptionsBuilder().values(true).calcs([]).fields("/^success rate$/"))
        .thresholds(thresholds([{ value: null, color: "red" }, { value: 0.8, color: "orange" }, { value: 0.95, color: "green" }]))
        .withTarget(
          sql(`SELECT workflow, avg((conclusion = 'success')::int) AS "success rate"
FROM workflow_runs
WHERE $__timeFilter(completed_at) AND ${EXECUTED}
GROUP BY workflow
ORDER BY workflow`),
        ),
    )
    .withPanel(
      new TablePanel()
        .title("Execution time per workflow")
        .description("Attempts that ran to a verdict, from their start to their end.")
        .datasource(datasource)
        .gridPos({ x: 12, y: 0, w: 12, h: 8 })
        .unit("s")
        .decimals(0)
        .overrideByName("runs", [{ id: "unit", value: "none" }])
        .withTarget(
          sql(`SELECT workflow, count(*) AS "runs", avg(duration_seconds) AS "mean",
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_seconds) AS "p95"
FROM workflow_runs
WHERE $__timeFilter(completed_at) AND ${EXECUTED}
GROUP BY workflow
ORDER BY workflow`),
        ),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Production deployments per day")
        .description("Run attempts whose production deploy job succeeded (ci-cd on main, deploy-service), per UTC day.")
        .datasource(datasource)
        .gridPos({ x: 0, y: 8, w: 12, h: 8 })
        .drawStyle(GraphDrawStyle.Bars)
        .fillOpacity(60)
        .min(0)
        .decimals(0)
        .withTarget(
          sql(
            `SELECT date_trunc('day', completed_at, 'UTC') AS "time", count(*) AS "deployments"
FROM workflow_runs
WHERE $__timeFilter(completed_at) AND ${DEPLOYED}
GROUP BY 1
ORDER BY 1`,
            "time_series",
          ),
        ),
    )
    .withPanel(
      stat("Deployment frequency", "Successful production deployments per week over the time range.")
        .gridPos({ x: 12, y: 8, w: 6, h: 4 })
        .unit("none")
        .decimals(1)
        .colorMode(BigValueColorMode.None)
        .withTarget(
          sql(`SELECT count(*) / (EXTRACT(EPOCH FROM ($__timeTo()::timestamptz - $__timeFrom()::timestamptz)) / 604800) AS "deployments per week"
FROM workflow_runs
WHERE $__timeFilter(completed_at) AND ${DEPLOYED}`),
        ),
    )
    .withPanel(
      stat("Change failure rate", "Failed production deployments among all that finished (succeeded or failed) in the time range.")
        .gridPos({ x: 18, y: 8, w: 6, h: 4 })
        .unit("percentunit")
        .decimals(1)
        .noValue("no production deployments")
        .colorMode(BigValueColorMode.Value)
        .thresholds(thresholds([{ value: null, color: "green" }, { value: 0.15, color: "orange" }, { value: 0.3, color: "red" }]))
        .withTarget(
          sql(`SELECT avg((deployment_conclusion = 'failure')::int) AS "change failure rate"
FROM workflow_runs
WHERE $__timeFilter(completed_at) AND ${PRODUCTION_DEPLOYMENT}`),
        ),
    )
    .withPanel(
      stat("Mean time to restore", "Production incident issues closed in the time range: mean time from opening to closing.")
        .gridPos({ x: 12, y: 12, w: 6, h: 4 })
        .unit("s")
        .noValue("no incident closed")
        .colorMode(BigValueColorMode.None)
        .withTarget(
          sql(`SELECT avg(EXTRACT(EPOCH FROM (closed_at - opened_at))) AS "mean time to restore"
FROM incidents
WHERE closed_at IS NOT NULL AND $__timeFilter(closed_at) AND ${PRODUCTION_INCIDENT}`),
        ),
    )
    .withPanel(
      stat("Open incidents", "Production incident issues open now, whatever the time range.")
        .gridPos({ x: 18, y: 12, w: 6, h: 4 })
        .unit("none")
        .colorMode(BigValueColorMode.Background)
        .thresholds(thresholds([{ value: null, color: "green" }, { value: 1, color: "red" }]))
        .withTarget(sql(`SELECT count(*) AS "open incidents"\nFROM incidents\nWHERE closed_at IS NULL AND ${PRODUCTION_INCIDENT}`)),
    )
    .withPanel(
      new TablePanel()
        .title("Incidents")
        .description("Incident issues of every environment opened in the time range, and any still open; no environment: opened by hand.")
        .datasource(datasource)
        .gridPos({ x: 0, y: 16, w: 24, h: 8 })
        .overrideByName("time to restore", [{ id: "unit", value: "s" }])
        .withTarget(
          sql(`SELECT issue_number AS "issue", environment, opened_at AS "opened", closed_at AS "closed",
       EXTRACT(EPOCH FROM (closed_at - opened_at)) AS "time to restore"
FROM incidents
WHERE ($__timeFilter(opened_at) OR closed_at IS NULL) AND NOT withdrawn
ORDER BY opened_at DESC`),
        ),
    )
    .build();
}
