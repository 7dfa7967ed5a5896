"""The files the platform's workflows read from the application's training and drift scripts.

Copy this module next to your scripts (it needs only the standard library) and call:

- ``write_training_json(run_id, metrics)`` at the end of training: writes
  ``$OUTPUT_DIR/training.json``, which ci-cd's validation gate (``metrics.rmse``) and train-model's
  registration (``run_id``) read.
- ``write_metrics(...)`` at the end of the drift calculation: writes ``$OUTPUT_FILE``, the window's
  metrics, which monitor-model stores in ``ml_metrics`` and compares with the alert threshold.
  The script no longer needs a database connection of its own.

Both take their paths from the environment the workflow sets, relative to the directory the
command runs in.
"""

import json
import math
import os
from datetime import datetime, timezone


def _write(path, document):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2, allow_nan=False)
        file.write("\n")


def write_training_json(run_id, metrics, output_dir=None):
    """Write training.json: the MLflow run that logged the model (as ``model``) and its metrics.

    ``metrics`` must hold ``rmse``, the validation RMSE in minutes that ci-cd gates on.
    """
    if not isinstance(run_id, str) or not run_id:
        raise ValueError("run_id must be the MLflow run id, such as mlflow.active_run().info.run_id")
    if not isinstance(metrics.get("rmse"), (int, float)) or not math.isfinite(metrics["rmse"]):
        raise ValueError("metrics must hold rmse, the validation RMSE as a finite number")
    directory = output_dir if output_dir is not None else os.environ["OUTPUT_DIR"]
    _write(os.path.join(directory, "training.json"), {"run_id": run_id, "metrics": metrics})


def write_metrics(
    model_name,
    model_version,
    prediction_drift,
    num_drifted_columns,
    share_missing_values,
    dataset_drift,
    drift_score,
    timestamp=None,
    output_file=None,
):
    """Write one monitoring window's metrics, the fields ml_metrics stores.

    ``timestamp`` is the end of the window (a timezone-aware datetime; now when omitted): the
    platform refuses a window in the future and keeps one row per model and window.
    """
    instant = timestamp if timestamp is not None else datetime.now(timezone.utc)
    if instant.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware, such as datetime.now(timezone.utc)")
    _write(
        output_file if output_file is not None else os.environ["OUTPUT_FILE"],
        {
            "timestamp": instant.isoformat(timespec="seconds"),
            "model_name": model_name,
            "model_version": str(model_version),
            "prediction_drift": float(prediction_drift),
            "num_drifted_columns": int(num_drifted_columns),
            "share_missing_values": float(share_missing_values),
            "dataset_drift": bool(dataset_drift),
            "drift_score": float(drift_score),
        },
    )
