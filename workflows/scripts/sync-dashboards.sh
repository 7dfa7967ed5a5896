set -euo pipefail
# The checked dashboards become the environment's whole set: --delete removes from the bucket what
# the repository no longer has, and the container beside Grafana removes it from Grafana's folder.
if [[ ! ${DASHBOARDS_URI:-} =~ ^s3://[a-z0-9][a-z0-9.-]+/[A-Za-z0-9/_-]+/$ ]]; then
  echo "::error::The environment's variable GRAFANA_DASHBOARDS_URI is \"${DASHBOARDS_URI:-}\", not an s3://<bucket>/<prefix>/ URI: run \`pulumi up\` for the environment's stack, which sets it."
  exit 1
fi
aws s3 sync "$CHECKED_DASHBOARDS" "$DASHBOARDS_URI" --delete --no-progress --content-type application/json
echo "Grafana loads the dashboards from $DASHBOARDS_URI within a few minutes (folder Application)."
