set -euo pipefail
# Whether the generated database passwords of $STACK are due, from the stack's own record of its
# last rotation (docs/decisions/0004-credential-rotation.md). One generation per run, one run a day
# at most: the login a rotation replaces must outlive the rolling deployment that stops using it.
if ! status=$(pulumi stack output --stack "$STACK" --json credentialRotation); then
  echo "::error title=No rotation state::$STACK has no stack output credentialRotation: run up.yml on main first, so the stack holds the rotating passwords."
  exit 1
fi
if ! generation=$(jq -er '.generation | select(type == "number" and . >= 0 and . == floor)' <<<"$status") ||
  ! period=$(jq -er '.periodDays | select(type == "number" and . >= 1 and . == floor)' <<<"$status") ||
  ! last=$(jq -er '.rotatedOn // "" | select(type == "string" and (. == "" or test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")))' <<<"$status"); then
  echo "::error title=Unreadable rotation state::The stack output credentialRotation of $STACK is not {generation, rotatedOn, periodDays}: $status"
  exit 1
fi
# The clock of the run, read once.
today=$(date -u -d "@$(date +%s)" +%F)
due=false
if [[ -z "$last" ]]; then
  reason="never rotated"
  due=true
elif [[ "$last" == "$today" ]]; then
  reason="already rotated today; the login it replaced may still be in use until tomorrow"
else
  age=$(( ($(date -u -d "$today" +%s) - $(date -u -d "$last" +%s)) / 86400 ))
  reason="last rotated on $last, $age of $period days ago"
  if (( age >= period )); then due=true; fi
  if [[ "$FORCE" == "true" ]]; then
    reason="$reason; rotation asked for by hand"
    due=true
  fi
fi
echo "$STACK: generation $generation, $reason: due=$due."
{
  echo "due=$due"
  echo "generation=$((generation + 1))"
  echo "rotated_on=$today"
} >> "$GITHUB_OUTPUT"
