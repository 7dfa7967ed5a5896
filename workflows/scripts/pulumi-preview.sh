set -euo pipefail
set +e
# --show-sames: the comment draws the unchanged resources that depend on a change (its blast radius).
# shellcheck disable=SC2086 # REFRESH is a fixed list of flags or nothing
pulumi preview --stack "$STACK" --policy-pack policy --json --show-sames --non-interactive $REFRESH > "$OUTPUT" 2> preview.log
code=$?
set -e
cat preview.log >&2
if ! jq -e 'type == "object"' "$OUTPUT" > /dev/null 2>&1; then
  # The engine stopped before writing its JSON (credentials, a locked stack): keep what it said.
  jq -n --rawfile log preview.log '{diagnostics: [{severity: "error", message: $log}]}' > "$OUTPUT"
fi
# A failure the JSON does not explain (policy violations are not part of it) gets the end of the
# log as an error; drift's expected failure, changes and no error, does not.
errors=$(jq '[.diagnostics[]? | select(.severity == "error")] | length' "$OUTPUT")
changes=$(jq "$CHANGING_STEPS" "$OUTPUT")
if (( code != 0 && errors == 0 )) && [[ -z "$REFRESH" || "$changes" == 0 ]]; then
  tail -c 6000 preview.log > preview.tail
  jq --arg code "$code" --rawfile log preview.tail \
    '.diagnostics = (.diagnostics // []) + [{severity: "error", message: "pulumi preview exited with code \($code) without an error in its JSON output. The end of its log:\n\($log)"}]' \
    "$OUTPUT" > preview.explained.json
  mv preview.explained.json "$OUTPUT"
fi
echo "exit_code=$code" >> "$GITHUB_OUTPUT"
