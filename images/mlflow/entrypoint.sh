#!/bin/sh
# Starts the MLflow tracking server from the task's environment (ECS injects the secrets):
#   MLFLOW_BACKEND_STORE_URI      postgresql://mlflow:…@host:5432/mlflow?sslmode=verify-full&sslrootcert=…
#   MLFLOW_AUTH_DATABASE_URI      postgresql://mlflow:…@host:5432/mlflow_auth?…: the users,
#                                 apart from the runs (before 3.6 both stores version in alembic_version)
#   MLFLOW_ARTIFACTS_DESTINATION  s3://<bucket>/artifacts
#   MLFLOW_ADMIN_USERNAME, MLFLOW_ADMIN_PASSWORD  the administrator of MLflow's basic auth
#   MLFLOW_MODEL_NAME, MLFLOW_CLIENTS, MLFLOW_CLIENT_[STANDBY_]{USERNAME,PASSWORD}_<CLIENT>
#                                 the clients' two logins each and their grants
# Each start sets the users and permissions to the stack's
# (mlflow-ensure-access): a restore, which brings back the lost stack's passwords, needs no hand step.
# `upgrade` runs the schema migrations instead: the one-off task before a version change.
set -eu
: "${MLFLOW_BACKEND_STORE_URI:?is not set}"
if [ "${1:-}" = "upgrade" ]; then
  exec mlflow db upgrade "$MLFLOW_BACKEND_STORE_URI"
fi
: "${MLFLOW_ARTIFACTS_DESTINATION:?is not set}"
: "${MLFLOW_AUTH_DATABASE_URI:?is not set}"
: "${MLFLOW_ADMIN_USERNAME:?is not set}"
: "${MLFLOW_ADMIN_PASSWORD:?is not set}"

python /usr/local/lib/mlflow-ensure-access.py

MLFLOW_AUTH_CONFIG_PATH="$HOME/basic_auth.ini"
export MLFLOW_AUTH_CONFIG_PATH
umask 077
cat > "$MLFLOW_AUTH_CONFIG_PATH" <<INI
[mlflow]
default_permission = READ
database_uri = ${MLFLOW_AUTH_DATABASE_URI}
admin_username = ${MLFLOW_ADMIN_USERNAME}
admin_password = ${MLFLOW_ADMIN_PASSWORD}
INI

exec mlflow server \
  --host 0.0.0.0 \
  --port 5000 \
  --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" \
  --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION" \
  --serve-artifacts \
  --app-name basic-auth
