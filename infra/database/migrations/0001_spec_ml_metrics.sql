-- The spec's ml_metrics table, as the monitoring pipeline first defined it. Kept as it was so a
-- database that already has it adopts it unchanged; 0002 fixes what is weak in it.
CREATE TABLE IF NOT EXISTS ml_metrics (
    id SERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL,
    prediction_drift FLOAT,
    num_drifted_columns INT,
    share_missing_values FLOAT,
    dataset_drift BOOLEAN,
    drift_score FLOAT,
    model_name VARCHAR(100),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
