/**
 * The model-monitoring dashboard as code: the spec's monitoring panels over `ml_metrics`.
 */
import { BigValueColorMode, BigValueGraphMode, GraphThresholdsStyleMode, LineInterpolation, ReduceDataOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import type { GraphThresholdsStyleConfig } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  MappingType,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS_DATASOURCE, latestQuery, seriesQuery } from "./sql-query";

export interface DashboardSettings {
  /** The drift score above which monitor-model opens an alert; drawn as a line. */
  readonly alertThreshold: number;
  /** Hours after which the newest window counts as stale (monitor-model's freshness check). */
  readonly maxAgeHours: number;
}

export const DASHBOARD_UID = "mlops-model-monitoring";

const thresholds = (steps: { value: number | null; color: string }[]) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps.map((step) => ({ value: step.value, color: step.color })));

const thresholdLine: { build: () => GraphThresholdsStyleConfig } = { build: () => ({ mode: GraphThresholdsStyleMode.Dashed }) };

export function modelMonitoringDashboard(settings: DashboardSettings) {
  const datasource = { ...METRICS_DATASOURCE };
  const series = (title: string, description: string) =>
    new TimeSeriesPanel().title(title).description(description).datasource(datasource).lineWidth(2).fillOpacity(10).spanNulls(true);

  return new DashboardBuilder("Model monitoring")
    .uid(DASHBOARD_UID)
    .tags(["mlops", "monitoring"])
    .editable()
    .readonly()
    .refresh("5m")
    .time({ from: "now-7d", to: "now" })
    .timezone("utc")
    .withVariable(
      new QueryVariableBuilder("model")
        .label("Model")
        .datasource(datasource)
        .query("SELECT DISTINCT model_name FROM ml_metrics ORDER BY 1")
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withPanel(
      series("Prediction drift", "Drift of the model's predictions per monitoring window.")
        .gridPos({ x: 0, y: 0, w: 12, h: 8 })
        .withTarget(seriesQuery("A", [{ expression: "prediction_drift", alias: "prediction drift" }])),
    )
    .withPanel(
      series("Drift score against the alert threshold", `An alert issue opens above ${settings.alertThreshold}.`)
        .gridPos({ x: 12, y: 0, w: 12, h: 8 })
        .min(0)
        .thresholds(thresholds([{ value: null, color: "green" }, { value: settings.alertThreshold, color: "red" }]))
        .thresholdsStyle(thresholdLine)
        .withTarget(seriesQuery("A", [{ expression: "drift_score", alias: "drift score" }])),
    )
    .withPanel(
      series("Drifted columns", "Number of input columns Evidently found drifting.")
        .gridPos({ x: 0, y: 8, w: 8, h: 8 })
        .min(0)
        .decimals(0)
        .lineInterpolation(LineInterpolation.StepAfter)
        .withTarget(seriesQuery("A", [{ expression: "num_drifted_columns", alias: "drifted columns" }])),
    )
    .withPanel(
      series("Share of missing values", "Share of missing values in the current data.")
        .gridPos({ x: 8, y: 8, w: 8, h: 8 })
        .unit("percentunit")
        .min(0)
        .max(1)
        .withTarget(seriesQuery("A", [{ expression: "share_missing_values", alias: "missing values" }])),
    )
    .withPanel(
      series("Dataset drift", "1 when Evidently flagged the dataset as drifting in that window.")
        .gridPos({ x: 16, y: 8, w: 8, h: 8 })
        .min(0)
        .max(1)
        .decimals(0)
        .lineInterpolation(LineInterpolation.StepAfter)
        .mappings([{ type: MappingType.ValueToText, options: { "0": { text: "no drift", color: "green" }, "1": { text: "drift", color: "red" } } }])
        .withTarget(seriesQuery("A", [{ expression: "dataset_drift::int", alias: "dataset drift" }])),
    )
    .withPanel(
      new StatPanel()
        .title("Age of the newest window")
        .description(`Monitoring runs every 6 hours; past ${settings.maxAgeHours} hours the metrics are stale.`)
        .datasource(datasource)
        .gridPos({ x: 0, y: 16, w: 8, h: 6 })
        .unit("s")
        .noValue("no metrics yet")
        .colorMode(BigValueColorMode.Background)
        .graphMode(BigValueGraphMode.None)
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
        .thresholds(thresholds([{ value: null, color: "green" }, { value: settings.maxAgeHours * 3600, color: "red" }]))
        .withTarget(latestQuery("A", "EXTRACT(EPOCH FROM now() - max(timestamp))", "age")),
    )
    .withPanel(
      new StatPanel()
        .title("Latest drift score")
        .datasource(datasource)
        .gridPos({ x: 8, y: 16, w: 8, h: 6 })
        .decimals(3)
        .colorMode(BigValueColorMode.Value)
        .graphMode(BigValueGraphMode.None)
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
        .thresholds(thresholds([{ value: null, color: "green" }, { value: settings.alertThreshold, color: "red" }]))
        .withTarget(latestQuery("A", "(array_agg(drift_score ORDER BY timestamp DESC))[1]", "drift score")),
    )
    .build();
}
