set -euo pipefail
# Describes the incident issue in INCIDENT_FILE, for `mlops-monitor record-incident`, and says in the
# step output `record` whether there is one to record. The issue is the event's (`issues`), or, when a
# failed deployment dispatched this workflow (ISSUE_NUMBER), read from the API: of the dispatch only
# the number is used, and only once it is digits.
#
# A reopened issue is open again until it is closed again; the time to restore runs from its
# opening. The environment is the one the hidden marker names (INCIDENT_MARKER_PATTERN), and only
# in an issue INCIDENT_AUTHOR opened, the account of the workflows' own token: anyone may write the
# marker into an issue they open, so elsewhere it says nothing, and the environment is null. An issue
# without INCIDENT_LABEL (the event removed it) is recorded as withdrawn: no longer an incident.
issue_file=$(mktemp)
if [[ -n "${ISSUE_NUMBER:-}" ]]; then
  if [[ ! "$ISSUE_NUMBER" =~ ^[1-9][0-9]{0,9}$ ]]; then
    echo "::error title=Invalid input::ISSUE_NUMBER must be an issue number such as 42"
    exit 1
  fi
  gh api "repos/${GITHUB_REPOSITORY}/issues/${ISSUE_NUMBER}" > "$issue_file"
  # The API lists pull requests as issues; and a dispatch may name any issue: only an incident counts.
  incident=$(jq -r --arg wanted "$INCIDENT_LABEL" '.pull_request == null and any(.labels[]; .name == $wanted)' "$issue_file")
  if [[ "$incident" != true ]]; then
    echo "::notice title=Not an incident::#${ISSUE_NUMBER} is not an issue labelled ${INCIDENT_LABEL}: nothing recorded."
    echo "record=false" >> "$GITHUB_OUTPUT"
    exit 0
  fi
else
  jq '.issue' "$GITHUB_EVENT_PATH" > "$issue_file"
fi

mkdir -p "$(dirname "$INCIDENT_FILE")"
jq --arg pattern "$INCIDENT_MARKER_PATTERN" --arg author "$INCIDENT_AUTHOR" --arg wanted "$INCIDENT_LABEL" '{
  issue_number: .number,
  environment: (if .user.login == $author then ((.body // "" | capture($pattern) | .environment) // null) else null end),
  opened_at: .created_at,
  closed_at: (if .state == "closed" then .closed_at else null end),
  updated_at: .updated_at,
  withdrawn: (any(.labels[]; .name == $wanted) | not)
}' "$issue_file" > "$INCIDENT_FILE"
echo "record=true" >> "$GITHUB_OUTPUT"
echo "Incident #$(jq -r '.issue_number' "$INCIDENT_FILE"): $(jq -c '{environment, opened_at, closed_at, withdrawn}' "$INCIDENT_FILE")"
