set -euo pipefail
# Describes the incident issue of the event that triggered record-delivery-metrics in
# INCIDENT_FILE, for `mlops-monitor record-incident`: from the event payload alone. A reopened
# issue is open again until it is closed again; the time to restore runs from its opening. The
# environment is the one deploy-service's hidden marker names (INCIDENT_MARKER_PATTERN), null for an
# issue opened by hand.
mkdir -p "$(dirname "$INCIDENT_FILE")"
jq --arg pattern "$INCIDENT_MARKER_PATTERN" '.issue | {
  issue_number: .number,
  environment: ((.body // "" | capture($pattern) | .environment) // null),
  opened_at: .created_at,
  closed_at: (if .state == "closed" then .closed_at else null end),
  updated_at: .updated_at
}' "$GITHUB_EVENT_PATH" > "$INCIDENT_FILE"
echo "Incident #$(jq -r '.issue_number' "$INCIDENT_FILE"): $(jq -c '{environment, opened_at, closed_at}' "$INCIDENT_FILE")"
