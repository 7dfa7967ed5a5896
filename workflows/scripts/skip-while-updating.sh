set -euo pipefail
# An update half-applied reads as drift: tomorrow's run will look again.
busy=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow up.yml --json status --jq '[.[] | select(.status != "completed")] | length')
if (( busy > 0 )); then echo "::notice::An update is running or waiting: no drift check tonight."; echo "skip=true" >> "$GITHUB_OUTPUT"; else echo "skip=false" >> "$GITHUB_OUTPUT"; fi
