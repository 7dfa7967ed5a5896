set -euo pipefail
args=()
for stack in $STACKS; do
  file="previews/preview-${stack}.json"
  if [[ ! -f "$file" ]]; then
    # The job stopped before its preview ran: the comment says so rather than leaving the stack out.
    mkdir -p previews
    jq -n '{diagnostics: [{severity: "error", message: "The preview job stopped before the preview ran: see the workflow run."}]}' > "$file"
  fi
  args+=(--preview "${stack}=${file}")
done
npm run -s pr-comment -- "${args[@]}" --details-url "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}" > comment.md
wc -c comment.md
