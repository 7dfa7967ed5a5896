set -euo pipefail
# The lost stack's GitHub environment and repository settings, with their children, move to
# this stack as they are: GitHub's objects are adopted, and one stack claims them (decision 0001).
# Its secrets are read with its multi-Region key's replica in this region.
if [[ -f "Pulumi.${FROM}.yaml" ]]; then sed -i -E "s#^(secretsprovider: awskms://[^?]+\?region=)[a-z0-9-]+#\1${REGION}#" "Pulumi.${FROM}.yaml"; fi
pulumi stack export --stack "$FROM" --file lost-state.json
mapfile -t urns < <(jq -r --argjson types "$GITHUB_COMPONENTS" '.deployment.resources[]? | select(.type | IN($types[])) | .urn' lost-state.json)
if (( ${#urns[@]} == 0 )); then
  echo "Nothing of GitHub is left in the state of $FROM: moved by an earlier attempt, or to adopt with pulumi import (docs/disaster-recovery.md)."
  exit 0
fi
pulumi state move --source "$FROM" --dest "$STACK" --yes "${urns[@]}"
echo "Moved ${#urns[@]} components from $FROM to $STACK."
