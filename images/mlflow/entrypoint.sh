#!/bin/sh
# Starts the MLflow tracking server from the task's environment (ECS injects the secrets):
#   MLFLOW_BACKEND_STORE_URI      postgresql://mlflow:…@host:5432/mlflow?sslmode=require
#   MLFLOW_ARTIFACTS_DESTINATION  s3://<bucket>/artifacts
#   MLFLOW_ADMIN_USERNAME, MLFLOW_ADMIN_PASSWORD  the first administrator of MLflow's basic auth
# Users and permissions live in the same PostgreSQL database, so they survive a new task.
# `upgrade` runs the schema migrations instead: the one-off task before a version change.
# `reset-admin` sets the administrator's password to MLFLOW_ADMIN_PASSWORD: the one-off task after a
# restore, which brings the users back with the lost stack's passwords.
set -eu
: "${MLFLOW_BACKEND_STORE_URI:?is not set}"
if [ "${1:-}" = "upgrade" ]; then
  exec mlflow db upgrade "$MLFLOW_BACKEND_STORE_URI"
fi
if [ "${1:-}" = "reset-admin" ]; then
  : "${MLFLOW_ADMIN_USERNAME:?is not set}"
  : "${MLFLOW_ADMIN_PASSWORD:?is not set}"
  exec python -c 'import os
from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore
store = SqlAlchemyStore()
store.init_db(os.environ["MLFLOW_BACKEND_STORE_URI"])
store.update_user(os.environ["MLFLOW_ADMIN_USERNAME"], password=os.environ["MLFLOW_ADMIN_PASSWORD"])
print("reset the password of MLflow user " + os.environ["MLFLOW_ADMIN_USERNAME"])'
fi
: "${MLFLOW_ARTIFACTS_DESTINATION:?is not set}"
: "${MLFLOW_ADMIN_USERNAME:?is not set}"
: "${MLFLOW_ADMIN_PASSWORD:?is not set}"

MLFLOW_AUTH_CONFIG_PATH="$HOME/basic_auth.ini"
export MLFLOW_AUTH_CONFIG_PATH
umask 077
cat > "$MLFLOW_AUTH_CONFIG_PATH" <<INI
[mlflow]
default_permission = READ
database_uri = ${MLFLOW_BACKEND_STORE_URI}
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
