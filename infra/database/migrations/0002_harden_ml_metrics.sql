-- Hardens the spec's table, keeping every row but the older copies of a re-run window:
-- * times are instants (timestamptz); existing values were written in UTC;
-- * a metric row names its model and model version, and new rows carry the drift score and flag;
-- * one row per model version and window, so a re-run updates instead of double-counting;
-- * an index for the time-range queries of the dashboards.
ALTER TABLE ml_metrics
    ALTER COLUMN timestamp TYPE timestamptz USING timestamp AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT now(),
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN model_name TYPE text,
    ADD COLUMN model_version text,
    ADD COLUMN updated_at timestamptz;

-- Rows from before the model version was recorded.
UPDATE ml_metrics SET model_version = 'unknown' WHERE model_version IS NULL;
UPDATE ml_metrics SET model_name = 'unknown' WHERE model_name IS NULL;

-- Duplicates of one window written by re-runs of the old pipeline: the latest row of each is kept,
-- as the uniqueness rule below would have done had it existed.
DELETE FROM ml_metrics AS older
USING ml_metrics AS newer
WHERE older.model_name = newer.model_name
  AND older.model_version = newer.model_version
  AND older.timestamp = newer.timestamp
  AND older.id < newer.id;

ALTER TABLE ml_metrics
    ALTER COLUMN model_name SET NOT NULL,
    ALTER COLUMN model_version SET NOT NULL,
    -- Required from now on; NOT VALID leaves older rows that lack them as they are.
    ADD CONSTRAINT ml_metrics_scores_required CHECK (drift_score IS NOT NULL AND dataset_drift IS NOT NULL) NOT VALID,
    ADD CONSTRAINT ml_metrics_window_unique UNIQUE (model_name, model_version, timestamp),
    ADD CONSTRAINT ml_metrics_num_drifted_columns_check CHECK (num_drifted_columns >= 0) NOT VALID,
    ADD CONSTRAINT ml_metrics_share_missing_values_check CHECK (share_missing_values BETWEEN 0 AND 1) NOT VALID,
    ADD CONSTRAINT ml_metrics_drift_score_check CHECK (drift_score >= 0) NOT VALID;

CREATE INDEX ml_metrics_timestamp_idx ON ml_metrics (timestamp DESC);
