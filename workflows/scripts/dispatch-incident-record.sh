set -euo pipefail
# Starts RECORDER_WORKFLOW on the default branch for the incident issue ISSUE_NUMBER: the issue was
# opened with the job's own token, whose events start no workflow, so the recorder would never hear
# of it. The recorder reads the issue itself from the API; only its number travels.
gh workflow run "$RECORDER_WORKFLOW" --ref "$DEFAULT_BRANCH" -f "${RECORDER_INPUT}=${ISSUE_NUMBER}"
echo "Asked ${RECORDER_WORKFLOW} on ${DEFAULT_BRANCH} to record incident #${ISSUE_NUMBER}."
