set -euo pipefail
if [[ -z "$BACKUP_URI" ]]; then
  echo "::warning title=No state backup::PULUMI_STATE_BACKUP_URI is not set: the state of $STACK was not exported (docs/delivery.md)."
  exit 0
fi
dir=$(mktemp -d)
file="$dir/${STACK}-$(date -u +%Y%m%dT%H%M%SZ)-${GITHUB_SHA:0:12}.json"
pulumi stack export --stack "$STACK" --file "$file"
aws s3 cp --only-show-errors "$file" "${BACKUP_URI%/}/${STACK}/"
rm -rf "$dir"
echo "Exported the state of $STACK to ${BACKUP_URI%/}/${STACK}/$(basename "$file")."
