/**
 * Writes metrics rows as the monitoring job's writer role: one row per model version and window,
 * updated in place when the window is computed again.
 */
import { Sql, transaction } from "../infra/database/sql";
import type { MetricsRecord } from "./metrics";

export type StoreOutcome = "inserted" | "updated";

/** Inserts the window's row, or updates it when this window was stored before. */
export async function storeMetrics(sql: Sql, metrics: MetricsRecord): Promise<StoreOutcome> {
  const key = [metrics.modelName, metrics.modelVersion, metrics.timestamp];
  return transaction(sql, async () => {
    const existing = await sql.query(
      "SELECT 1 FROM ml_metrics WHERE model_name = $1 AND model_version = $2 AND timestamp = $3",
      key,
    );
    await sql.query(
      `INSERT INTO ml_metrics (timestamp, model_name, model_version, prediction_drift, num_drifted_columns,
                               share_missing_values, dataset_drift, drift_score)
       VALUES ($3, $1, $2, $4, $5, $6, $7, $8)
       ON CONFLICT (model_name, model_version, timestamp) DO UPDATE SET
         prediction_drift = excluded.prediction_drift,
         num_drifted_columns = excluded.num_drifted_columns,
         share_missing_values = excluded.share_missing_values,
         dataset_drift = excluded.dataset_drift,
         drift_score = excluded.drift_score,
         updated_at = now()`,
      [
        ...key,
        metrics.predictionDrift,
        metrics.numDriftedColumns,
        metrics.shareMissingValues,
        metrics.datasetDrift,
        metrics.driftScore,
      ],
    );
    return existing.length > 0 ? "updated" : "inserted";
  });
}

/** The newest stored window of `modelName`, any version. */
export async function newestWindow(sql: Sql, modelName: string): Promise<Date | undefined> {
  const [row] = await sql.query<{ newest: Date | string | null }>(
    "SELECT max(timestamp) AS newest FROM ml_metrics WHERE model_name = $1",
    [modelName],
  );
  if (row?.newest === null || row?.newest === undefined) return undefined;
  return row.newest instanceof Date ? row.newest : new Date(row.newest);
}
