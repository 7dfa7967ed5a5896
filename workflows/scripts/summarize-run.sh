set -euo pipefail
failed=$(jq -r '[to_entries[] | select(.value.result == "failure" or .value.result == "cancelled") | .key] | join(", ")' <<< "$RESULTS")
if [[ -z "$failed" ]]; then text="succeeded"; else text="failed in: $failed"; fi
echo "text=$text" >> "$GITHUB_OUTPUT"
echo "CI/CD $text" >> "$GITHUB_STEP_SUMMARY"
