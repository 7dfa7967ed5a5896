set -euo pipefail
# Drift is a step that changes something, as the comment reads the ops.
changes=$(jq "$CHANGING_STEPS" drift.json)
errors=$(jq '[.diagnostics[]? | select(.severity == "error")] | length' drift.json)
# A failure without changes is a failed preview, whatever the JSON says.
if (( changes == 0 && (errors > 0 || EXIT_CODE != 0) )); then
  echo "::error::The drift preview of $STACK failed (exit code $EXIT_CODE); the drift issue is left as it is."
  exit 1
fi
npm run -s pr-comment -- --preview "${STACK}=drift.json" --details-url "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}" > drift.md
if (( changes > 0 )); then echo "drift=true" >> "$GITHUB_OUTPUT"; else echo "drift=false" >> "$GITHUB_OUTPUT"; fi
# A delimiter the report cannot contain: it could otherwise end the output early and set others.
delimiter="report_$(openssl rand -hex 16)"
{
  echo "report<<${delimiter}"
  cat drift.md
  echo "${delimiter}"
} >> "$GITHUB_OUTPUT"
cat drift.md >> "$GITHUB_STEP_SUMMARY"
