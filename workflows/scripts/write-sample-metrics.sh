set -euo pipefail
mkdir -p "$(dirname "$METRICS_FILE")"
jq -n '{timestamp: (now | todate), model_name: "ci-sample", model_version: "0", prediction_drift: 0.1,
        num_drifted_columns: 1, share_missing_values: 0.0, dataset_drift: false, drift_score: 0.2}' > "$METRICS_FILE"
