#!/bin/bash
set -euo pipefail
# Copies DASHBOARDS_SOURCE (s3://<bucket>/<prefix>/, the team's checked dashboards, written by
# ci-cd's deploy jobs) into DASHBOARDS_DIR every SYNC_INTERVAL_SECONDS. --delete: a dashboard the
# repository dropped leaves Grafana too. A failed copy is logged and retried; Grafana keeps what the
# last good one brought, so S3 being unreachable never takes a dashboard away or Grafana down.
# A folder it cannot write ends it at once (exit 1), before any copy. After the first round, copied
# or not, SYNC_READY_FILE exists: the task's health check for this container, which Grafana waits
# for, so Grafana does not start on an empty folder (its provider would drop the team's dashboards
# until the first copy).
source=${DASHBOARDS_SOURCE:-}
dir=${DASHBOARDS_DIR:-/dashboards}
interval=${SYNC_INTERVAL_SECONDS:-60}
ready_file=${SYNC_READY_FILE:-/tmp/first-round-done}

if [[ ! $source =~ ^s3://[a-z0-9][a-z0-9.-]+/[A-Za-z0-9/_-]+/$ ]]; then
  echo "DASHBOARDS_SOURCE is \"$source\", not an s3://<bucket>/<prefix>/ URI: the task definition sets it (infra/platform/platform-services.ts)." >&2
  exit 2
fi
if [[ ! $interval =~ ^[1-9][0-9]*$ ]]; then
  echo "SYNC_INTERVAL_SECONDS is \"$interval\", not a whole number of seconds above 0." >&2
  exit 2
fi

# The folder is the task's bind mount, writable by this unprivileged user only if ECS copied the
# image's ownership onto it. If it did not, every copy would fail and the loop would still report
# ready with Grafana showing no team dashboard: fail now instead, so the essential container stops
# the task and the deployment's circuit breaker rolls back loudly.
probe="$dir/.write-probe-$$"
if ! { mkdir -p "$dir" && touch "$probe" && rm -f "$probe"; } 2>/dev/null; then
  echo "$dir is not writable by user $(id -u): the dashboards volume must be the image's /dashboards, owned by 10002 (images/dashboard-sync/Dockerfile), mounted read-write (infra/platform/fargate-task.ts)." >&2
  exit 1
fi

echo "Copying $source into $dir every ${interval}s."
while true; do
  # Short timeouts: the first round must end within the task's start period, copied or not.
  if ! aws s3 sync "$source" "$dir" --delete --no-progress --only-show-errors --exclude '*' --include '*.json' \
    --cli-connect-timeout 10 --cli-read-timeout 30; then
    echo "Copying $source failed; Grafana keeps the dashboards of the last copy. Next try in ${interval}s." >&2
  fi
  touch "$ready_file"
  sleep "$interval"
done
